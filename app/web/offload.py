"""Statements without an index bound on their cost (counts over several topics, facets, the
summary, ranked searches, export batches, filtered pages of the change feed) run off the event
loop, in a thread pool of their own: the one-record reads that stay on the loop never wait
behind them.

The pool is small on purpose. Each of its threads holds a read connection (the read pool has
`READ_POOL_SIZE + READ_POOL_OVERFLOW` of them, app.store.engine), and the heavy reads share
the GIL with the loop, so more threads would buy no throughput, only contention. A request
waiting for a thread holds no connection: `read_off_loop` gives the request's back first."""

from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Connection

from app.store.engine import Bind, OwnReads, end_read

HEAVY_READ_THREADS = 2

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Made outside any event loop, it binds to the loop that first uses it (anyio's adapter).
_heavy_reads = CapacityLimiter(HEAVY_READ_THREADS)


async def off_loop(function: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
    """`function(*args)` in a heavy-read thread; cancelling waits for it to return, so a
    cancelled caller never leaves a statement running on a connection it gave back."""
    return await to_thread.run_sync(function, *args, limiter=_heavy_reads)


async def read_off_loop(
    connection: Connection, function: Callable[[Connection, Unpack[Ts]], T], *args: *Ts
) -> T:
    """Ends the request's read on `connection` (giving it back, `end_read`), then runs
    `function(reading, *args)` in a heavy-read thread, `reading` a read of its own (its own
    snapshot, taken after the request's) on the same database."""
    return await off_loop(_read_own, end_read(connection), function, *args)


def _read_own(bind: Bind, function: Callable[[Connection, Unpack[Ts]], T], *args: *Ts) -> T:
    with OwnReads(bind) as reads:
        return function(reads.connection(), *args)
