"""The cyclic garbage collector, set for an engine's process.

Driving runs allocates many short-lived objects per step (rows, states, CEL
values, MIME parts), so with Python's defaults the collector runs every 700
allocations, and each full pass walks every long-lived object too: the parsed
campaigns, the CEL grammar, SQLAlchemy's caches. That was about a tenth of a
drip's CPU. Reference counting still frees acyclic garbage at once; only
cycles wait a little longer for a collection.
"""

from __future__ import annotations

import gc

# Young collections every 10,000 net allocations instead of 700.
_YOUNG_THRESHOLD = 10_000

_settled = False


def settle() -> None:
    """Once per process, after start-up: move what exists now out of every
    future collection (``gc.freeze``), and collect the young generation less
    often."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, _YOUNG_THRESHOLD), middle, old)
