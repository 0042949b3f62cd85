"""The suppression list: addresses (lower-cased) no campaign email is sent to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Dialect

from interpreter.store import tables as t
from interpreter.store.records import Suppression
from interpreter.store.sql._connection import OnConnection, insert_or_skip

_s = t.suppressions.c
_SUPPRESSED = select(_s.address).where(_s.address == bindparam("b_address"))
_SUPPRESSED_AMONG = select(_s.address).where(
    _s.address.in_(bindparam("b_addresses", expanding=True))
)
_REMOVE = delete(t.suppressions).where(_s.address == bindparam("b_address"))
_LIST = (
    select(_s.address, _s.reason, _s.detail, _s.created_at)
    .order_by(_s.created_at.desc(), _s.address)
    .limit(bindparam("b_limit"))
)


@lru_cache(maxsize=4)
def suppressed_sql(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The one-address suppression SELECT as the driver takes it: its SQL text
    and, for a positional paramstyle, the order of its parameter names."""
    compiled = _SUPPRESSED.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None


class Suppressions(OnConnection):
    def add_suppression(self, address: str, reason: str, detail: str | None, now: datetime) -> bool:
        add = insert_or_skip(t.suppressions, self._postgres, ("address",), _s.address)
        row = {"address": address.lower(), "reason": reason, "detail": detail, "created_at": now}
        return self._c.execute(add, row).first() is not None

    def remove_suppression(self, address: str) -> bool:
        return self._c.execute(_REMOVE, {"b_address": address.lower()}).rowcount > 0

    def suppressed_among(self, addresses: Sequence[str]) -> set[str]:
        wanted = sorted({address.lower() for address in addresses})
        if not wanted:
            return set()
        if len(wanted) == 1:  # the common case, without an expanding IN to render
            found = self._c.execute(_SUPPRESSED, {"b_address": wanted[0]})
        else:
            found = self._c.execute(_SUPPRESSED_AMONG, {"b_addresses": wanted})
        return set(found.scalars())

    def list_suppressions(self, limit: int = 1000) -> list[Suppression]:
        return [Suppression(*row) for row in self._c.execute(_LIST, {"b_limit": limit})]
