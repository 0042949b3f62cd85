"""The store: flow's runs, steps, waits and events in SQLite or PostgreSQL
(or in memory, for tests), behind the named operations of ``operations``."""

from __future__ import annotations

from interpreter.store.database import DEFAULT_URL, open_store, upgrade
from interpreter.store.handle import Store
from interpreter.store.operations import Transaction
from interpreter.store.records import (
    Definition,
    Delivery,
    EventRecord,
    RunDetail,
    RunRecord,
    RunSave,
    RunStart,
    StepRecord,
    Wait,
)

__all__ = ["DEFAULT_URL", "Store", "Transaction", "open_store", "upgrade"]
__all__ += ["Definition", "Delivery", "EventRecord", "RunSave", "RunStart"]
__all__ += ["RunDetail", "RunRecord", "StepRecord", "Wait"]
