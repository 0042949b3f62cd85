"""The store: flow's runs, steps, waits and events in SQLite or PostgreSQL
(or in memory, for tests), behind the named operations of ``operations``."""

from __future__ import annotations

from interpreter.store.database import DEFAULT_URL, open_store, upgrade
from interpreter.store.operations import Transaction
from interpreter.store.reads import Store
from interpreter.store.records import (
    ClaimedRun,
    Definition,
    Delivery,
    EventRecord,
    InboxItem,
    RunDetail,
    RunRecord,
    RunSave,
    RunStart,
    StepRecord,
    StoredEvent,
    Suppression,
    Wait,
    WaitCandidate,
)

__all__ = [
    "DEFAULT_URL",
    "ClaimedRun",
    "Definition",
    "Delivery",
    "EventRecord",
    "InboxItem",
    "RunDetail",
    "RunRecord",
    "RunSave",
    "RunStart",
    "StepRecord",
    "Store",
    "StoredEvent",
    "Suppression",
    "Transaction",
    "Wait",
    "WaitCandidate",
    "open_store",
    "upgrade",
]
