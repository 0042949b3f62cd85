"""The suppression list: addresses campaign email is never sent to.

An address lands here when its owner unsubscribes (the one-click link), when a
provider reports a permanent bounce or a complaint, or when an operator adds it
(``flow suppressions add``). ``email.send`` checks it before every send and
skips a suppressed recipient, so the run goes on without the email.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from interpreter.store import Store
from interpreter.store.records import Suppression

REASONS = ("unsubscribed", "bounced", "complained", "manual")
# The suppressions table's address column (RFC 5321 allows 64 + 1 + 255).
MAX_ADDRESS_CHARS = 320

log = logging.getLogger("flow.suppressions")


def suppress(
    store: Store,
    addresses: Sequence[str],
    reason: str,
    now: datetime,
    detail: str | None = None,
    category: str | None = None,
) -> list[str]:
    """Add ``addresses`` to the whole list, or to one ``category`` (a topic they
    left); returns those that were not there yet (lower-cased).

    An address longer than ``MAX_ADDRESS_CHARS`` cannot be a real one and does
    not fit the column: it is dropped with a warning and the others are still
    suppressed (a provider's complaint must not fail, and be redelivered
    forever, over one bad address)."""
    added: list[str] = []
    with store.transaction() as tx:
        for address in addresses:
            address = address.strip()
            if len(address) > MAX_ADDRESS_CHARS:
                log.warning(
                    "not suppressing an address of %d characters (%s: %.40r...): the limit is %d",
                    len(address),
                    reason,
                    address,
                    MAX_ADDRESS_CHARS,
                )
                continue
            if address and tx.add_suppression(Suppression(address, reason, detail, now, category)):
                added.append(address.lower())
    return added


def unsuppress(store: Store, address: str, category: str | None = None) -> bool:
    """Remove ``address`` from the whole list, or from one ``category``; False
    if it was not there."""
    with store.transaction() as tx:
        return tx.remove_suppression(address.strip(), category)


def suppressed_among(
    store: Store, addresses: Sequence[str], category: str | None = None
) -> dict[str, str | None]:
    """What ``email.send`` asks: which of ``addresses`` may not get an email of
    ``category``, each with None (the whole list) or the category they left."""
    return store.suppressed_among(addresses, category)


def list_suppressions(store: Store, limit: int = 1000) -> list[Suppression]:
    with store.reading() as tx:
        return tx.list_suppressions(limit)


def suppress_from_provider_event(store: Store, name: str, data: Any, now: datetime) -> list[str]:
    """Suppress the recipients of a provider's bounce or complaint event.

    ``name`` is the event as recorded (``resend/email.bounced``) or the
    provider's type (``email.bounced``); ``data`` is the payload's ``data``.
    A bounce suppresses only when permanent (``data.bounce.type`` is
    ``Permanent``): a full mailbox may take mail again tomorrow. A complaint
    (``email.complained``) always suppresses. Other events change nothing.
    Returns the addresses newly suppressed.
    """
    kind = name.rpartition("/")[2]
    if not isinstance(data, Mapping) or kind not in ("email.bounced", "email.complained"):
        return []
    detail = str(data.get("email_id") or "") or None
    if kind == "email.bounced":
        bounce = data.get("bounce")
        bounce_type = bounce.get("type") if isinstance(bounce, Mapping) else None
        if str(bounce_type or "").lower() != "permanent":
            return []
        reason = "bounced"
    else:
        reason = "complained"
    return suppress(store, _addresses(data.get("to")), reason, now, detail)


def _addresses(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
