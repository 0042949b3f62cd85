"""Column types that behave the same on SQLite and PostgreSQL.

Both are imported by the migrations too, so keep their DDL stable: changing
what ``load_dialect_impl`` returns is a schema change and needs a revision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Sequence keys: BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid alias.
Serial = BigInteger().with_variant(Integer(), "sqlite")
# JSON documents; none_as_null so that a missing output is SQL NULL, not 'null'.
Document: TypeEngine[Any] = JSON(none_as_null=True).with_variant(
    JSONB(none_as_null=True), "postgresql"
)

# Fixed width, so that SQLite's text comparison orders instants correctly.
_SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class Instant(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime with microsecond precision.

    PostgreSQL keeps it as ``timestamptz``. SQLite has no such type, so it is
    kept as fixed-width UTC text, which sorts and compares like the instant.
    A naive datetime is refused: guessing its zone would misplace timers.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: flow stores aware UTC times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # _SQLITE_FORMAT, written by isoformat at half strftime's cost (and
            # zero-padded below year 1000, where strftime's %Y is not).
            return value.isoformat(" ", "microseconds")[:26]
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            try:  # a sixth of strptime's cost; it reads _SQLITE_FORMAT too
                return datetime.fromisoformat(value).replace(tzinfo=UTC)
            except ValueError:  # a year below 1000 as strftime wrote it
                return datetime.strptime(value, _SQLITE_FORMAT).replace(tzinfo=UTC)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)
