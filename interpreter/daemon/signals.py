"""The one way ``flow serve`` and ``flow worker`` handle signals.

SIGTERM and SIGINT ask the process to stop (each daemon then finishes and
saves the batch in hand); SIGHUP asks it to reload its campaigns, when it can.
A handler only logs and calls back: the work happens in the daemon's own
loop, never inside the signal handler, which may interrupt any line.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger("flow.signals")

_STOPPING = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def handling_signals(
    stop: Callable[[], None],
    *,
    reload: Callable[[], None] | None = None,
    stopping: str = "stopping",
) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT call ``stop`` and SIGHUP calls
    ``reload`` (left alone without one); the previous handlers come back after.

    ``stopping`` ends the log line, saying what the process does about it.
    """

    def on_stop(signum: int, frame: FrameType | None) -> None:
        log.info("received %s; %s", signal.Signals(signum).name, stopping)
        stop()

    handlers: dict[signal.Signals, Callable[[int, FrameType | None], None]] = {
        sig: on_stop for sig in _STOPPING
    }
    if reload is not None:
        requested = reload

        def on_reload(signum: int, frame: FrameType | None) -> None:
            log.info("received SIGHUP; reloading campaigns")
            requested()

        handlers[signal.SIGHUP] = on_reload
    previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
