"""Frequency caps for ``email.send``: a category's ``caps`` in ``policies.yaml``
bound how many emails of that category one address gets within a rolling
window, across every campaign.

The check and the record of the send are one store transaction
(``reserve_send``, wired by ``interpreter.daemon.email_setup``), made right
before the email is handed to the transport and keyed by the step's
idempotency key: a retry or a worker taking the run over reuses the record, and
the engine drops it when the step fails for good. A capped send is skipped
(``{skipped: "capped", category}``) or, with the step's ``when_capped: defer``,
deferred to the earliest instant every cap admits it, and checked again then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from interpreter.actions.base import JSON, ActionContext
from interpreter.errors import ActionDeferred
from interpreter.language.policies import Category
from interpreter.language.values import rfc3339

# (holder, bare addresses, category, now): None when every cap admitted the
# send and it is recorded, else the earliest instant at which they all would.
SendReservation = Callable[[str, Sequence[str], Category, datetime], datetime | None]


def capped_output(
    reserve: SendReservation | None,
    category: Category | None,
    addresses: Sequence[str],
    context: ActionContext,
    now: datetime,
) -> dict[str, JSON] | None:
    """None when the send may go (recorded), the skip output when it is capped
    and its step skips; raises ``ActionDeferred`` when its step defers. A
    transactional category, or one without caps, is never capped."""
    if reserve is None or category is None or category.transactional or not category.caps:
        return None
    until = reserve(context.idempotency_key, addresses, category, now)
    if until is None:
        return None
    if context.when_capped == "defer":
        output: JSON = {"deferred": "capped", "category": category.name, "until": rfc3339(until)}
        raise ActionDeferred(
            f"email.send: {category.name} cap reached; deferred to {rfc3339(until)}",
            until=until,
            output=output,
        )
    return {"skipped": "capped", "category": category.name}
