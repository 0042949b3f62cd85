"""The suppression list: addresses (lower-cased) no campaign email is sent to,
or none of one topic (message category). The whole list is category ''."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import bindparam, delete, literal_column, select
from sqlalchemy.engine import Dialect

from interpreter.store import tables as t
from interpreter.store.records import Suppression, blocking
from interpreter.store.sql._connection import OnConnection, insert_or_skip

_s = t.suppressions.c
# The rows that block a send of ``b_category`` ('' when it has none, so only
# the whole list blocks it).
# The empty string is written into the SQL (not bound) so the prebuilt one-address
# SELECT that ``Store.suppressed_among`` runs on the driver has only named binds.
_BLOCKING = _s.category.in_([literal_column("''"), bindparam("b_category")])
_SUPPRESSED = select(_s.address, _s.category).where(_s.address == bindparam("b_address"), _BLOCKING)
_SUPPRESSED_AMONG = select(_s.address, _s.category).where(
    _s.address.in_(bindparam("b_addresses", expanding=True)), _BLOCKING
)
_REMOVE = delete(t.suppressions).where(
    _s.address == bindparam("b_address"), _s.category == bindparam("b_category")
)
_TOPICS_LEFT = select(_s.category).where(_s.address == bindparam("b_address"), _s.category != "")
_LIST = (
    select(_s.address, _s.reason, _s.detail, _s.created_at, _s.category)
    .order_by(_s.created_at.desc(), _s.address, _s.category)
    .limit(bindparam("b_limit"))
)


@lru_cache(maxsize=4)
def suppressed_sql(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The one-address suppression SELECT as the driver takes it: its SQL text
    and, for a positional paramstyle, the order of its parameter names."""
    compiled = _SUPPRESSED.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None


class Suppressions(OnConnection):
    def add_suppression(self, suppression: Suppression) -> bool:
        add = insert_or_skip(t.suppressions, self._postgres, ("address", "category"), _s.address)
        row = {
            "address": suppression.address.lower(),
            "category": suppression.category or "",
            "reason": suppression.reason,
            "detail": suppression.detail,
            "created_at": suppression.created_at,
        }
        return self._c.execute(add, row).first() is not None

    def remove_suppression(self, address: str, category: str | None = None) -> bool:
        found = self._c.execute(
            _REMOVE, {"b_address": address.lower(), "b_category": category or ""}
        )
        return found.rowcount > 0

    def suppressed_among(
        self, addresses: Sequence[str], category: str | None = None
    ) -> dict[str, str | None]:
        wanted = sorted({address.lower() for address in addresses})
        if not wanted:
            return {}
        topic = category or ""
        if len(wanted) == 1:  # the common case, without an expanding IN to render
            found = self._c.execute(_SUPPRESSED, {"b_address": wanted[0], "b_category": topic})
        else:
            found = self._c.execute(_SUPPRESSED_AMONG, {"b_addresses": wanted, "b_category": topic})
        return blocking([(row[0], row[1]) for row in found])

    def topics_left(self, address: str) -> set[str]:
        return set(self._c.execute(_TOPICS_LEFT, {"b_address": address.lower()}).scalars())

    def list_suppressions(self, limit: int = 1000) -> list[Suppression]:
        return [
            Suppression(address, reason, detail, created_at, category or None)
            for address, reason, detail, created_at, category in self._c.execute(
                _LIST, {"b_limit": limit}
            )
        ]
