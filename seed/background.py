"""The synthetic corpus generated in a child process while this one writes it: generating and
validating is Python work that holds the GIL, so on two cores the generator and the writer
run side by side only as two processes.

The child is one batch ahead at most (a pipe has no room for more), so memory stays flat. If
the writer dies, even killed, the child's next send fails on the closed pipe and it exits.
"""

import multiprocessing
from collections.abc import Iterator
from multiprocessing.connection import Connection

from app.collector import settle_collector
from seed.bundle import SeedBundle
from seed.synthetic import Generator

# Fork: the child starts at once with the modules already imported (spawn would import them
# again, seconds of delay before the first batch). It never touches the parent's database
# connection and leaves through os._exit, so the inherited connection is never used or closed.
CONTEXT = multiprocessing.get_context("fork")
# The cyclic garbage collector's first threshold while the corpus streams (Python's default
# is 700): generating and validating allocate millions of short-lived containers, and each
# young collection they trigger pays. With what the process held before frozen, 50,000 cuts
# the generator's CPU by a fifth (7,000, the API workers' setting, by a seventh).
STREAMING_GC_YOUNG_THRESHOLD = 50_000


class GeneratorDiedError(Exception):
    """The generator process ended without finishing the corpus."""


def _generate(claims: int, seed: int, sender: Connection, receiver: Connection) -> None:
    # The fork copied the writer's end too: while any copy of it is open, a dead writer's
    # pipe never breaks, and a send into the full pipe would wait for ever.
    receiver.close()
    try:
        for bundle in Generator(claims, seed).batches():
            sender.send(bundle)
        sender.send(None)
    except BrokenPipeError:
        return  # the writer is gone
    except Exception as error:  # sent to the writer, which raises it
        sender.send(error)


def generated_batches(claims: int, seed: int) -> Iterator[SeedBundle]:
    """`Generator(claims, seed).batches()`, each batch made while the previous is written."""
    undo = settle_collector(STREAMING_GC_YOUNG_THRESHOLD)
    try:
        yield from _streamed(claims, seed)
    finally:
        undo()


def _streamed(claims: int, seed: int) -> Iterator[SeedBundle]:
    receiver, sender = CONTEXT.Pipe(duplex=False)
    child = CONTEXT.Process(target=_generate, args=(claims, seed, sender, receiver), daemon=True)
    child.start()
    sender.close()  # the child's copy is the only one left: its exit means end of file
    try:
        while True:
            try:
                item = receiver.recv()
            except EOFError:
                child.join()
                raise GeneratorDiedError(f"exit code {child.exitcode}") from None
            if isinstance(item, Exception):
                raise item
            if item is None:
                return
            yield item
    finally:
        receiver.close()
        child.join()
