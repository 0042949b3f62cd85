"""Every store test runs on a SQLite file and, when configured, on PostgreSQL
(the ``db_url`` and ``store`` fixtures live in tests/conftest.py).

Tests taking the ``store`` fixture state the contract of the named operations;
they also run on the in-memory store, so that its unit-test face keeps the
same behaviour as the databases.
"""

from __future__ import annotations
