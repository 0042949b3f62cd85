"""Waking idle workers when work arrives, instead of waiting out the poll.

``Wakeup`` is where a daemon's idle workers wait. It is rung by the store
after a local commit that made a run due, and on PostgreSQL by
``NotifyListener`` when another process's commit did (``NOTIFY flow_wakeup``,
sent by the store in that commit). If the listening connection drops, the
workers fall back to polling until it is back; it reconnects with backoff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from interpreter.store.database import normalize_url
from interpreter.store.store import WAKEUP_CHANNEL

log = logging.getLogger("flow.wakeups")

_MAX_BACKOFF = 30.0


class Wakeup:
    """Each waiter has its own flag, so a wake-up rung while a worker was busy
    is not lost: its next wait returns at once and it looks for work again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flags: list[threading.Event] = []

    def waiter(self) -> Callable[[float], bool]:
        """A ``wait(timeout)`` for one worker: True when woken, False on timeout."""
        flag = threading.Event()
        with self._lock:
            self._flags.append(flag)

        def wait(timeout: float) -> bool:
            woken = flag.wait(timeout)
            flag.clear()
            return woken

        return wait

    def ring(self) -> None:
        with self._lock:
            flags = list(self._flags)
        for flag in flags:
            flag.set()


class NotifyListener(threading.Thread):
    """Holds one PostgreSQL connection that LISTENs on ``flow_wakeup`` and
    rings ``wakeup`` for every notification, until ``stop`` is set."""

    def __init__(self, db_url: str, wakeup: Wakeup, stop: threading.Event) -> None:
        super().__init__(name="flow-listen", daemon=True)
        url = normalize_url(db_url).set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._wakeup = wakeup
        self._stopping = stop
        self.listening = threading.Event()

    def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                self._listen()
                backoff = 0.5
            except psycopg.Error as error:
                if self.listening.is_set():
                    log.warning(
                        "LISTEN connection lost (%s); polling until it is back",
                        str(error).strip().splitlines()[0] if str(error) else error,
                    )
                else:
                    log.warning(
                        "cannot LISTEN (%s); polling, retrying in %.1f s",
                        str(error).strip().splitlines()[0] if str(error) else error,
                        backoff,
                    )
            self.listening.clear()
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)

    def _listen(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f"LISTEN {WAKEUP_CHANNEL}")
            self.listening.set()
            log.info("listening for wake-ups on %s", WAKEUP_CHANNEL)
            # Anything committed before LISTEN took effect was not notified to us.
            self._wakeup.ring()
            while not self._stopping.is_set():
                for _ in connection.notifies(timeout=0.5):
                    self._wakeup.ring()
