"""``Store``: the handle both faces extend (``transaction()``, ``reading()``)
and the read wrappers, each one operation of the contract in a short read
transaction of its own, typed from ``operations.Transaction``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Concatenate, ParamSpec, Self, TypeVar

from interpreter.store.operations import Transaction

P = ParamSpec("P")
R = TypeVar("R")


def _read(
    operation: Callable[Concatenate[Transaction, P], R],
) -> Callable[Concatenate[Store, P], R]:
    """A store method running the transaction operation of that name in a read
    transaction of its own: written once here rather than once per operation,
    and typed from the contract."""
    name = operation.__name__

    def read(store: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with store.reading() as tx:
            result: R = getattr(tx, name)(*args, **kwargs)
            return result

    read.__name__ = read.__qualname__ = name
    read.__doc__ = operation.__doc__
    return read


class Store(ABC):
    """One store, opened with ``open_store`` (or ``MemoryStore()`` in tests)."""

    url: str  # safe to print: a password is hidden
    dialect: str  # "sqlite", "postgresql" or "memory"

    def __init__(self) -> None:
        # Called after a commit that made a run due: wakes this process's workers.
        self.on_wakeup: list[Callable[[], None]] = []

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction; it commits when the block ends without error."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Transaction]:
        """A read transaction: one consistent snapshot, taking no write lock."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the database (its connections); the store is done."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _woken(self) -> None:
        for wake in self.on_wakeup:
            wake()

    # ---- reads, each in a short read transaction of its own ----------------------

    load_definition = _read(Transaction.load_definition)
    suppressed_among = _read(Transaction.suppressed_among)
    topics_left = _read(Transaction.topics_left)
    get_event = _read(Transaction.get_event)
    events_since = _read(Transaction.events_since)
    list_waits = _read(Transaction.list_waits)
    fan_out_progress = _read(Transaction.fan_out_progress)
    next_wake_at = _read(Transaction.next_wake_at)
    next_burst_due_at = _read(Transaction.next_burst_due_at)
    pending_bursts = _read(Transaction.pending_bursts)
    count_runs_by_status = _read(Transaction.count_runs_by_status)
    list_runs = _read(Transaction.list_runs)
    replay_candidates = _read(Transaction.replay_candidates)
    get_run = _read(Transaction.get_run)
    search_runs = _read(Transaction.search_runs)
    funnel = _read(Transaction.funnel)
    count_runs = _read(Transaction.count_runs)
    replayed_as = _read(Transaction.replayed_as)
    runs_at_steps = _read(Transaction.runs_at_steps)
    email_outcomes = _read(Transaction.email_outcomes)
    held_back_sends = _read(Transaction.held_back_sends)
    list_events = _read(Transaction.list_events)
    campaign_ids = _read(Transaction.campaign_ids)
    list_suppressions = _read(Transaction.list_suppressions)
    list_conversions = _read(Transaction.list_conversions)
    count_conversions = _read(Transaction.count_conversions)
    goal_figures = _read(Transaction.goal_figures)
