"""The seed campaign's paths, through the engine and a real store (SQLite file,
PostgreSQL, and the in-memory store), on a virtual clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from interpreter.daemon.ingest import EventIn
from interpreter.store import Store
from tests.integration.engine._engine_harness import Harness, seed_campaign

DAY = timedelta(days=1)


def welcome_id(harness: Harness, run_id: str) -> str:
    email_id: str = harness.detail(run_id).run.state["steps"]["welcome_email"]["output"]["id"]
    return email_id


def test_no_click_gets_the_trial_offer_after_three_days(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(1)
    harness.run_until()
    assert harness.detail(run_id).run.status == "completed"
    assert harness.executed(run_id) == [
        ("welcome_email", timedelta(0)),
        ("check_plan", 3 * DAY),
        ("trial_offer_email", 3 * DAY),
    ]
    assert harness.subjects() == ["Welcome to ACME", "Free ACME Pro trial"]


def test_a_click_brings_tips_a_day_later_and_the_offer_a_day_after(
    store: Store, tmp_path: Path
) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(1)
    harness.run_until(timedelta(hours=2))
    harness.send("resend/email.clicked", {"email_id": welcome_id(harness, run_id)})
    harness.run_until()
    assert harness.executed(run_id) == [
        ("welcome_email", timedelta(0)),
        ("send_power_user_tips", DAY + timedelta(hours=2)),
        ("check_plan", 2 * DAY + timedelta(hours=2)),
        ("trial_offer_email", 2 * DAY + timedelta(hours=2)),
    ]
    assert harness.subjects() == [
        "Welcome to ACME",
        "Supercharge your ACME experience",
        "Free ACME Pro trial",
    ]


def test_a_pro_user_gets_no_trial_offer(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(2, email="grace@example.com")  # plan "pro" in the demo app db
    harness.run_until()
    detail = harness.detail(run_id)
    assert detail.run.status == "completed"
    assert [s.step_id for s in detail.steps if s.status == "skipped"] == ["trial_offer_email"]
    assert harness.subjects() == ["Welcome to ACME"]


def test_a_click_on_another_email_does_not_count(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(1)
    harness.run_until(timedelta(hours=1))
    harness.send("resend/email.clicked", {"email_id": "em_someone_else"})
    harness.run_until()
    assert "send_power_user_tips" not in [step for step, _ in harness.executed(run_id)]
    assert harness.subjects() == ["Welcome to ACME", "Free ACME Pro trial"]


def test_user_deleted_cancels_the_run_and_nothing_more_is_sent(
    store: Store, tmp_path: Path
) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(7)
    other = harness.signup(8, email="linus@example.com")
    harness.run_until(DAY)
    harness.send("app/user.deleted", {"user_id": 7})
    harness.run_until()
    assert harness.detail(run_id).run.status == "cancelled"
    assert harness.detail(other).run.status == "completed"
    assert store.list_waits(run_id) == []
    assert harness.subjects().count("Free ACME Pro trial") == 1  # only the other user's


def test_a_duplicate_signup_starts_nothing(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    harness.signup(1)
    again = harness.engine.ingest(
        "app/signup.completed", {"user": {"id": 1, "email": "ada@example.com"}}
    )
    assert again.started == () and not again.duplicate
    same_id = harness.engine.ingest("app/signup.completed", {"user": {"id": 9}}, event_id="e-1")
    replay = harness.engine.ingest("app/signup.completed", {"user": {"id": 9}}, event_id="e-1")
    assert len(same_id.started) == 1 and replay.duplicate and replay.started == ()
    assert len(store.list_runs()) == 2


def test_a_batch_of_events_behaves_as_the_events_one_by_one(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    user = {"id": 3, "email": "bo@example.com", "first_name": "Bo"}
    results = harness.engine.ingest_many(
        [
            EventIn("app/signup.completed", {"user": user}, id="s-1"),
            EventIn("app/signup.completed", {"user": user}, id="s-2"),  # same user: no second run
            EventIn("app/signup.completed", {"user": user}, id="s-1"),  # same event id
            EventIn("app/signup.completed", {"user": {**user, "id": 4}}),
        ]
    )
    assert [len(r.started) for r in results] == [1, 0, 0, 1]
    assert [r.duplicate for r in results] == [False, False, True, False]
    harness.run_until(timedelta(hours=1))
    ids = [harness.detail(r.started[0]).steps[0].output["id"] for r in (results[0], results[3])]
    clicks = harness.engine.ingest_many(
        [EventIn("resend/email.clicked", {"email_id": email_id}) for email_id in ids]
    )
    assert [r.delivered for r in clicks] == [1, 1]
    harness.run_until()
    assert {run.status for run in store.list_runs()} == {"completed"}
    assert harness.subjects().count("Supercharge your ACME experience") == 2
