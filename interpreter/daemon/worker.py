"""The worker loop: drive due runs until told to stop.

Each pass claims a batch of due runs and advances them (``Engine.drive_once``).
When none is due it sleeps until whichever comes first: the next timer, the
poll interval (new work from another process), or stop. Time is the engine's
clock (the real one under `flow worker` and `flow serve`): this loop reads it
only to decide how long to sleep; the engine reads it to claim runs and stamp
steps.

SIGTERM and SIGINT set ``stop``: the batch in hand is finished and saved before
``work`` returns, so runs are left parked in the database, never half-done.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

from interpreter.daemon.engine import Engine

log = logging.getLogger("flow.worker")


def work(
    engine: Engine,
    stop: threading.Event,
    *,
    poll: timedelta = timedelta(milliseconds=500),
    on_batch: Callable[[int], None] | None = None,
    wait: Callable[[float], object] | None = None,
) -> int:
    """Drive runs until ``stop`` is set; returns how many runs were advanced (a
    run claimed in several batches counts each time).

    When idle it sleeps until the next timer or ``poll``, through ``wait``
    (default ``stop.wait``): ``flow serve`` passes one that also returns on a
    wake-up (new work committed here, or a NOTIFY from another process) and
    on stop."""
    idle = wait or stop.wait
    processed = 0
    while not stop.is_set():
        claimed = engine.drive_once()
        if claimed:
            processed += claimed
            if on_batch is not None:
                on_batch(claimed)
            continue
        idle(_idle_wait(engine, poll).total_seconds())
    return processed


def _idle_wait(engine: Engine, poll: timedelta) -> timedelta:
    next_wake = engine.store.next_wake_at()
    if next_wake is None:
        return poll
    return max(timedelta(0), min(poll, next_wake - engine.clock.now()))


def stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """Set ``stop`` on SIGTERM or SIGINT; returns a function restoring the old handlers."""

    def handle(signum: int, frame: FrameType | None) -> None:
        log.info("received %s; finishing the batch in hand", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
