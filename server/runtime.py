"""Process-wide settings of the Python runtime for a long-running server."""

from __future__ import annotations

import gc

# A push batch allocates tens of thousands of short-lived objects (decoded payloads,
# rows, outcomes); with the default 700 the young generation is collected dozens of
# times per batch. Memory held back by a larger threshold is a few megabytes.
_YOUNG_THRESHOLD = 20_000


def settle_startup_heap() -> None:
    """Move everything built at start-up (modules, the app, schemas, the commune list)
    out of the garbage collector's sight: those objects live as long as the process,
    and every full collection would otherwise walk all of them again while a request
    waits. Runs once the app has started."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(_YOUNG_THRESHOLD, middle, old)
