"""The cyclic garbage collector, settled for a long run of allocations: a serving worker's
requests (app.main, for the life of the process) and a bulk load's batches
(seed/background.py, for the load only).

What the process holds by then (modules, routes, schemas, models) is moved out of the
collector's reach (`gc.freeze`), so that a full collection no longer walks it again and again,
and young collections run less often: a list page or a batch allocates thousands of
containers, and each young collection they trigger pays (docs/performance.md)."""

import gc
from collections.abc import Callable


def settle_collector(young_threshold: int) -> Callable[[], None]:
    """Freezes what the process holds (unless it is frozen already: a server's stays as it is)
    and sets the first threshold to `young_threshold` (Python's default is 700). Returns what
    puts both back as they were."""
    threshold = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.collect()
        gc.freeze()
    gc.set_threshold(young_threshold, *threshold[1:])

    def undo() -> None:
        gc.set_threshold(*threshold)
        if freezing:
            gc.unfreeze()

    return undo
