"""Statements without an index bound on their cost (counts over several topics, facets, the
summary, ranked searches, export batches, filtered pages of the change feed) run off the event
loop, in a thread pool of their own: the one-record reads that stay on the loop never wait
behind them.

The pool is small on purpose. Each of its threads holds a read connection (the read pool has
`READ_POOL_SIZE + READ_POOL_OVERFLOW` of them, app.store.engine), and the heavy reads share
the GIL with the loop, so more threads would buy no throughput, only contention. A request
waiting for a thread holds no connection (`off_loop` callers release theirs first)."""

from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

from anyio import CapacityLimiter, to_thread

HEAVY_READ_THREADS = 2

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Made outside any event loop, it binds to the loop that first uses it (anyio's adapter).
_heavy_reads = CapacityLimiter(HEAVY_READ_THREADS)


async def off_loop(function: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
    """`function(*args)` in a heavy-read thread; cancelling waits for it to return, so a
    cancelled caller never leaves a statement running on a connection it gave back."""
    return await to_thread.run_sync(function, *args, limiter=_heavy_reads)
