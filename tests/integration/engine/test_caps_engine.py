"""Frequency caps through the real engine, on SQLite and PostgreSQL: two
campaigns share one cap (the scenarios play one campaign at a time), a
deferred send is a durable timer that fires at exactly the right instant, a
send that fails for good stops counting, and two workers sending to one
address at once never both pass a cap of 1."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest

from interpreter.actions.base import Action
from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.core.model import StepDeferred
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.caps import reserve_send
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.leases import recorded_result
from interpreter.errors import ActionError
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow
from interpreter.store import StepRecord, Store
from interpreter.store.database import open_store
from tests.integration.engine._engine_harness import START

POLICIES = """\
categories:
  promotions: {caps: [{limit: 1, per: 1d}]}
  receipts: {transactional: true}
"""
NEWSLETTER = """\
id: newsletter
category: promotions
on: {event: app/newsletter}
steps:
  - id: issue
    action: email.send
    with: {to: "${ event.data.email }", subject: "${ event.data.subject }", text: news}
"""
WINBACK = """\
id: winback
category: promotions
on: {event: app/winback}
steps:
  - id: offer
    action: email.send
    when_capped: defer
    with: {to: "${ event.data.email }", subject: Come back, text: 10% off}
  - id: receipt
    action: email.send
    with: {to: "${ event.data.email }", subject: Receipt, text: thanks, category: receipts}
"""
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def campaigns(folder: Path) -> list[Workflow]:
    (folder / "policies.yaml").write_text(POLICIES)
    loaded: list[Workflow] = []
    for name, text in (("newsletter.yaml", NEWSLETTER), ("winback.yaml", WINBACK)):
        (folder / name).write_text(text)
        workflow, problems = load_workflow(folder / name)
        assert workflow is not None, [p.as_text() for p in problems]
        loaded.append(workflow)
    return loaded


def engine(store: Store, folder: Path, clock: VirtualClock, mail: CapturingTransport) -> Engine:
    actions: Mapping[str, Action] = build_actions(
        email_transport=mail,
        environ={},
        reserve_send=lambda holder, to, category, now: reserve_send(
            store, holder, to, category, now
        ),
    )
    return Engine(
        store, Campaigns(store, campaigns(folder)), clock, data_dir=folder / "data", actions=actions
    )


def test_a_send_capped_by_another_campaign_is_deferred_to_the_instant_and_survives_a_restart(
    db_url: str, tmp_path: Path
) -> None:
    mail = CapturingTransport()
    clock = VirtualClock(START)
    with open_store(db_url) as store:
        first = engine(store, tmp_path, clock, mail)
        first.ingest("app/newsletter", {"email": "ada@example.com", "subject": "Issue 1"})
        first.run_virtual(clock, START + HOUR)
        # An hour later another campaign's offer to the same inbox (another case).
        (winback,) = first.ingest("app/winback", {"email": "ADA@Example.com"}).started
        first.run_virtual(clock, START + HOUR)
        detail = store.get_run(winback)
        assert (detail.run.status, detail.run.wake_at) == ("sleeping", START + DAY)
        [deferred] = [row for row in detail.steps if row.step_id == "offer"]
        assert (deferred.status, deferred.attempt) == ("deferred", 1)
        assert deferred.output == {
            "deferred": "capped",
            "category": "promotions",
            "until": "2026-01-06T09:00:00Z",
        }
        # The newsletter's next issue within the day is capped too, and skipped.
        (second,) = first.ingest(
            "app/newsletter", {"email": "ada@example.com", "subject": "Issue 2"}
        ).started
        first.run_virtual(clock, START + 2 * HOUR)
        [skipped] = store.get_run(second).steps
        assert skipped.output is not None and skipped.output["skipped"] == "capped"
        assert [str(m.message["Subject"]) for m in mail.sent] == ["Issue 1"]
    # A new engine and store, a second before the instant, then at it.
    with open_store(db_url) as store:
        later = VirtualClock(START + DAY - timedelta(seconds=1))
        again = engine(store, tmp_path, later, mail)
        again.run_virtual(later, START + DAY - timedelta(seconds=1))
        assert [str(m.message["Subject"]) for m in mail.sent] == ["Issue 1"]
        again.run_virtual(later, START + 2 * DAY)
        detail = store.get_run(winback)
        assert detail.run.status == "completed"
        sent = [(r.step_id, r.status, r.attempt, r.finished_at) for r in detail.steps]
        assert sent == [
            ("offer", "deferred", 1, START + HOUR),
            ("offer", "ok", 2, START + DAY),  # exactly a day after Issue 1
            ("receipt", "ok", 1, START + DAY),
        ]
        assert [str(m.message["Subject"]) for m in mail.sent] == [
            "Issue 1",
            "Come back",
            "Receipt",
        ]
        with store.reading() as tx:
            assert tx.sends_to("ada@example.com", "promotions") == [START, START + DAY]
            assert tx.sends_to("ada@example.com", "receipts") == []  # transactional: not counted


class FailingFor(CapturingTransport):
    """Refuses, for good, every email whose subject is ``subject``."""

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject

    def send(self, message: Message, idempotency_key: str) -> None:
        if message["Subject"] == self.subject:
            raise ActionError("550 mailbox unavailable", retryable=False)
        super().send(message, idempotency_key)


def test_a_send_that_fails_for_good_no_longer_counts(db_url: str, tmp_path: Path) -> None:
    mail = FailingFor("Broken")
    clock = VirtualClock(START)
    with open_store(db_url) as store:
        flow = engine(store, tmp_path, clock, mail)
        (broken,) = flow.ingest(
            "app/newsletter", {"email": "ada@example.com", "subject": "Broken"}
        ).started
        flow.run_virtual(clock, START + HOUR)
        assert store.get_run(broken).run.status == "failed"
        with store.reading() as tx:
            assert tx.sends_to("ada@example.com", "promotions") == []
        flow.ingest("app/newsletter", {"email": "ada@example.com", "subject": "Fixed"})
        flow.run_virtual(clock, START + HOUR)
        assert [str(m.message["Subject"]) for m in mail.sent] == ["Fixed"]


@pytest.mark.postgres
def test_two_workers_sending_to_one_address_at_once_send_one_email(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two engines, each with its own store (its own connections), as two
    worker processes would be; each drives its own run to the same address at
    the same instant, round after round. Exactly one email per round leaves."""
    mail = CapturingTransport()
    stores = [open_store(postgres_url), open_store(postgres_url)]
    try:
        clocks = [VirtualClock(START), VirtualClock(START)]
        workers = [engine(s, tmp_path, c, mail) for s, c in zip(stores, clocks, strict=True)]
        rounds = 12
        runs: list[tuple[str, str]] = []
        for r in range(rounds):
            email = {"email": f"user{r}@example.com", "subject": f"Round {r}"}
            (one,) = workers[0].ingest("app/newsletter", email).started
            (two,) = workers[1].ingest("app/newsletter", email).started
            runs.append((one, two))
        barrier = threading.Barrier(2)

        def drive(index: int) -> None:
            for pair in runs:
                barrier.wait()
                assert workers[index].drive_run(pair[index])

        threads = [threading.Thread(target=drive, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        decided = 0
        for r, pair in enumerate(runs):
            outputs = [stores[0].get_run(run_id).steps[0].output for run_id in pair]
            skipped = [o for o in outputs if isinstance(o, dict) and o.get("skipped") == "capped"]
            sent = [m for m in mail.sent if m.message["To"] == f"user{r}@example.com"]
            assert (len(skipped), len(sent)) == (1, 1), outputs
            decided += 1
        assert decided == rounds
    finally:
        for store in stores:
            store.close()


def test_a_recorded_deferral_replays_as_the_same_deferral() -> None:
    """A worker that takes a run over finds the deferred attempt's row and feeds
    the core the deferral it recorded, instead of checking the caps again."""
    row = StepRecord(
        "r1",
        "offer",
        1,
        1,
        "email.send",
        "deferred",
        None,
        {"deferred": "capped", "category": "promotions", "until": "2026-01-06T09:00:00Z"},
        None,
        START,
        START,
    )
    assert recorded_result(row) == StepDeferred("offer", 1, START + DAY)
