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
import threading
from collections.abc import Callable
from datetime import timedelta

from interpreter.daemon.engine import Engine
from interpreter.errors import StoreError

log = logging.getLogger("flow.worker")


def work(
    engine: Engine,
    stop: threading.Event,
    *,
    poll: timedelta = timedelta(milliseconds=500),
    on_batch: Callable[[int], None] | None = None,
    wait: Callable[[float], object] | None = None,
    until_idle: bool = False,
) -> int:
    """Drive runs until ``stop`` is set; returns how many runs were advanced (a
    run claimed in several batches counts each time).

    When idle it sleeps until the next timer or ``poll``, through ``wait``
    (default ``stop.wait``): ``flow serve`` passes one that also returns on a
    wake-up (new work committed here, or a NOTIFY from another process) and
    on stop. While the database is unavailable (a restart, a network cut) it
    retries with backoff, and says so once per outage (``Outage``).

    ``until_idle`` returns instead once no run is due: a script or a cron job
    carries the due work forward and leaves sleeping runs parked."""
    idle = wait or stop.wait
    outage = Outage(engine.owner)
    processed = 0
    while not stop.is_set():
        try:
            claimed = engine.drive_once()
            pause = None if claimed else _idle_wait(engine, poll)
        except StoreError as error:
            stop.wait(outage.failed(error))  # only stop cuts a backoff short
            continue
        outage.ended()
        if pause is None:
            processed += claimed
            if on_batch is not None:
                on_batch(claimed)
            continue
        if until_idle:
            break
        idle(pause.total_seconds())
    return processed


class Outage:
    """The database being unavailable, as one loop sees it: the first failure is
    logged, retries back off from ``first`` to ``longest`` seconds, and the
    recovery is logged, so a restart of PostgreSQL gives two lines, not one a
    retry. Each loop has its own, so no lock is needed."""

    def __init__(self, who: str, first: float = 0.25, longest: float = 5.0) -> None:
        self.who = who
        self.first = first
        self.longest = longest
        self.failures = 0

    def failed(self, error: StoreError) -> float:
        """Note a failure; returns how long to wait before the next try."""
        if self.failures == 0:
            log.error(
                "%s: the database is unavailable (%s); retrying with backoff",
                self.who,
                error,
                extra={"owner": self.who},
            )
        self.failures += 1
        return min(self.longest, self.first * 2.0 ** min(self.failures - 1, 16))

    def ended(self) -> None:
        if self.failures:
            log.warning(
                "%s: the database is reachable again after %d failed attempt(s)",
                self.who,
                self.failures,
                extra={"owner": self.who},
            )
            self.failures = 0


def _idle_wait(engine: Engine, poll: timedelta) -> timedelta:
    next_wake = engine.next_wake_at()
    if next_wake is None:
        return poll
    return max(timedelta(0), min(poll, next_wake - engine.clock.now()))
