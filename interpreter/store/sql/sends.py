"""Frequency caps: the emails sent to each address in each capped category.

``reserve_send`` is the cap check and the record of the send in one
transaction, under a lock on each recipient, so two workers sending to one
address at the same moment cannot both pass a cap of 1. On PostgreSQL the lock
is a transaction-scoped advisory lock on a hash of the address (released at
commit or rollback); SQLite's write transactions (``BEGIN IMMEDIATE``) are
serialised already.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, select, text

from interpreter.store import tables as t
from interpreter.store.cap_window import HELD_BACK, admitted_at
from interpreter.store.records import Bound, CappedSend
from interpreter.store.sql._connection import OnConnection, insert_or_skip
from interpreter.store.sql.runs import created_in

_s = t.sends.c
_HELD = select(_s.address).where(_s.holder == bindparam("b_holder"))
# The latest sends first, from the start of the longest window on: the only
# rows a cap can count, found by the (address, category, sent_at) index.
_RECENT = (
    select(_s.sent_at)
    .where(
        _s.address == bindparam("b_address"),
        _s.category == bindparam("b_category"),
        _s.sent_at > bindparam("b_since"),
    )
    .order_by(_s.sent_at.desc())
    .limit(bindparam("b_limit"))
)
_RELEASE = delete(t.sends).where(_s.holder.in_(bindparam("b_holders", expanding=True)))
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_r, _st = t.runs.c, t.steps.c


def address_lock_key(address: str) -> int:
    """A signed 64-bit advisory-lock key for a (lower-cased) address."""
    digest = hashlib.blake2b(f"flow-send:{address}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Sends(OnConnection):
    def reserve_send(self, send: CappedSend) -> datetime | None:
        holder, category, caps, now = send.holder, send.category, send.caps, send.at
        wanted = sorted({address.lower() for address in send.addresses})
        if not wanted or not caps:
            return None
        if self._postgres:
            # Sorted, so two sends to the same pair of addresses lock in one order.
            for address in wanted:
                self._c.execute(_LOCK, {"key": address_lock_key(address)})
        if self._c.execute(_HELD, {"b_holder": holder}).first() is not None:
            return None  # a retry or a takeover of a send that was admitted
        since = now - max(cap.per for cap in caps)
        most = max(cap.limit for cap in caps)
        until: datetime | None = None
        for address in wanted:
            parameters = {
                "b_address": address,
                "b_category": category,
                "b_since": since,
                "b_limit": most,
            }
            recent = list(self._c.execute(_RECENT, parameters).scalars())
            blocked = admitted_at(recent, caps, now)
            if blocked is not None and (until is None or blocked > until):
                until = blocked
        if until is not None:
            return until
        rows = [
            {"holder": holder, "address": address, "category": category, "sent_at": now}
            for address in wanted
        ]
        self._c.execute(insert_or_skip(t.sends, self._postgres, ("holder", "address")), rows)
        return None

    def release_sends(self, holders: Sequence[str]) -> int:
        if not holders:
            return 0
        return self._c.execute(_RELEASE, {"b_holders": sorted(set(holders))}).rowcount

    def held_back_sends(self, workflow_id: str, since: Bound, until: Bound) -> dict[str, int]:
        # The funnel's plan: the campaign's runs by runs_workflow_created, their
        # steps by the steps_attempt key; the output is read only for those.
        reason = _st.output["skipped"].as_string()
        skipped = (
            select(reason, func.count())
            .join_from(t.runs, t.steps, _st.run_id == _r.id)
            .where(
                _r.workflow_id == workflow_id,
                _st.kind == "email.send",
                _st.status == "ok",
                reason.in_(HELD_BACK),
            )
            .group_by(reason)
        )
        counts = {str(why): int(n) for why, n in self._c.execute(created_in(skipped, since, until))}
        # A send deferred again and again has a row per deferral: count it once.
        deferred = (
            select(_st.run_id, _st.step_id, _st.visit)
            .join_from(t.runs, t.steps, _st.run_id == _r.id)
            .where(_r.workflow_id == workflow_id, _st.status == "deferred")
            .distinct()
        )
        sends = created_in(deferred, since, until).subquery()
        count = self._c.execute(select(func.count()).select_from(sends)).scalar_one()
        if count:
            counts["deferred"] = int(count)
        return counts

    def sends_to(self, address: str, category: str) -> list[datetime]:
        recent = _RECENT.with_only_columns(_s.sent_at).limit(None)
        parameters = {"b_address": address.lower(), "b_category": category, "b_since": _EPOCH}
        return sorted(self._c.execute(recent, parameters).scalars())


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
