"""``email.send`` and frequency caps, on the in-memory store: the reservation
comes last before the transport, a capped send is skipped or deferred as its
step says, and a transactional category is never capped, caps or not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.email import CapturingTransport, EmailSendAction
from interpreter.errors import ActionDeferred
from interpreter.language.policies import Category, policies_from_text
from interpreter.store.memory import MemoryStore
from interpreter.store.records import CappedSend

MakeContext = Callable[..., ActionContext]
NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
POLICIES, _ = policies_from_text(
    "categories:\n"
    "  promotions: {caps: [{limit: 1, per: 1d}]}\n"
    "  receipts: {transactional: true, caps: [{limit: 1, per: 1d}]}\n"
    "  news: {}\n",
    "policies.yaml",
)
TEXT = {"to": "Ada <Ada@Example.com>", "subject": "Hi", "text": "Hi"}


def action(store: MemoryStore, mail: CapturingTransport) -> EmailSendAction:
    def reserve(
        holder: str, to: Sequence[str], category: Category, now: datetime
    ) -> datetime | None:
        with store.transaction() as tx:
            return tx.reserve_send(CappedSend(holder, tuple(to), category.name, category.caps, now))

    return EmailSendAction(transport=mail, environ={}, reserve_send=reserve)


def context(make_context: MakeContext, key: str, category: str, **more: object) -> ActionContext:
    fields = {"idempotency_key": key, "now": NOW, "policies": POLICIES}
    return make_context(**fields, campaign_category=category, **more)


def test_a_capped_send_is_skipped_and_nothing_leaves(make_context: MakeContext) -> None:
    store, mail = MemoryStore(), CapturingTransport()
    send = action(store, mail)
    first = send(TEXT, context(make_context, "r1:a:1", "promotions"))
    second = send({**TEXT, "to": "ada@example.com"}, context(make_context, "r2:a:1", "promotions"))
    assert first["category"] == "promotions" and "skipped" not in first
    assert second["skipped"] == "capped" and second["category"] == "promotions"
    assert second["to"] == "ada@example.com" and second["subject"] == "Hi"
    assert len(mail.sent) == 1
    with store.reading() as tx:
        assert tx.sends_to("ada@example.com", "promotions") == [NOW]


def test_a_capped_send_whose_step_defers_says_until_when(make_context: MakeContext) -> None:
    store, mail = MemoryStore(), CapturingTransport()
    send = action(store, mail)
    send(TEXT, context(make_context, "r1:a:1", "promotions"))
    with pytest.raises(ActionDeferred) as deferred:
        send(TEXT, context(make_context, "r2:a:1", "promotions", when_capped="defer"))
    assert deferred.value.until == NOW + timedelta(days=1)
    assert deferred.value.output == {
        "deferred": "capped",
        "category": "promotions",
        "until": "2026-01-06T09:00:00Z",
    }
    assert len(mail.sent) == 1


@pytest.mark.parametrize("category", ["receipts", "news"])
def test_transactional_or_uncapped_categories_are_never_capped_nor_counted(
    make_context: MakeContext, category: str
) -> None:
    store, mail = MemoryStore(), CapturingTransport()
    send = action(store, mail)
    for n in range(3):
        output = send(TEXT, context(make_context, f"r{n}:a:1", category))
        assert "skipped" not in output and output["category"] == category
    assert len(mail.sent) == 3
    with store.reading() as tx:
        assert tx.sends_to("ada@example.com", category) == []


def test_a_retry_of_a_sent_step_reuses_its_reservation(make_context: MakeContext) -> None:
    """The same idempotency key (a retry, a worker taking the run over) is the
    same send: it passes again and is counted once."""
    store, mail = MemoryStore(), CapturingTransport()
    send = action(store, mail)
    send(TEXT, context(make_context, "r1:a:1", "promotions"))
    again = send(TEXT, context(make_context, "r1:a:1", "promotions", attempt=2))
    assert "skipped" not in again
    with store.reading() as tx:
        assert tx.sends_to("ada@example.com", "promotions") == [NOW]
