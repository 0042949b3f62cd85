"""An in-memory store with the same named operations, for fast unit tests.

It keeps plain dicts and lists behind one lock; a write transaction works on
a copy of them (``Data.working_copy``) and swaps it in on success, so a
failed block changes nothing, as with a database. Leases, dedup, the wait
key and search behave as in SQL; the contract suite runs the same tests on
both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from interpreter.store.handle import Store
from interpreter.store.memory._data import Data
from interpreter.store.memory.browsing import Browsing
from interpreter.store.memory.bursts import Bursts
from interpreter.store.memory.conversions import Conversions
from interpreter.store.memory.cron import Cron
from interpreter.store.memory.definitions import Definitions
from interpreter.store.memory.email_outcomes import EmailOutcomesReads
from interpreter.store.memory.entry import Entry
from interpreter.store.memory.events import Events
from interpreter.store.memory.fan_outs import FanOuts
from interpreter.store.memory.runs import Runs
from interpreter.store.memory.sends import Sends
from interpreter.store.memory.suppressions import Suppressions
from interpreter.store.memory.throttles import Throttles
from interpreter.store.memory.waits import Waits


class MemoryTransaction(
    Definitions,
    Events,
    Runs,
    Entry,
    Waits,
    Cron,
    Suppressions,
    Throttles,
    Browsing,
    EmailOutcomesReads,
    Bursts,
    Conversions,
    Sends,
    FanOuts,
):
    """Every named operation of ``operations.Transaction``, on dicts."""


class MemoryStore(Store):
    """A ``Store`` without a database."""

    url = "memory:"
    dialect = "memory"

    def __init__(self) -> None:
        super().__init__()
        self._data = Data()
        self._lock = threading.Lock()

    def close(self) -> None:
        pass  # nothing to let go of

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            working = self._data.working_copy()
            tx = MemoryTransaction(working)
            yield tx
            self._data = working
        if tx.wakes:
            self._woken()

    @contextmanager
    def reading(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            yield MemoryTransaction(self._data)
