"""``SqlTransaction``: the store's operations on one connection, for SQLite and
PostgreSQL alike. A thin facade: each concern's statements and operations live
in its own module under ``store/sql``; the contract is ``operations.Transaction``.

A ``SqlTransaction`` lives inside ``SqlStore.transaction()`` (a write
transaction: ``BEGIN IMMEDIATE`` on SQLite) or ``SqlStore.reading()``. The
engine may carry out several runs' operations in one transaction, so that their
outcomes commit together (group commit).
"""

from __future__ import annotations

from interpreter.store.sql.browsing import Browsing
from interpreter.store.sql.cron import Cron
from interpreter.store.sql.definitions import Definitions
from interpreter.store.sql.events import Events
from interpreter.store.sql.runs import Runs
from interpreter.store.sql.sends import Sends
from interpreter.store.sql.suppressions import Suppressions
from interpreter.store.sql.waits import Waits


class SqlTransaction(Definitions, Events, Runs, Waits, Cron, Suppressions, Sends, Browsing):
    """Every named operation, bound to one connection inside a transaction."""
