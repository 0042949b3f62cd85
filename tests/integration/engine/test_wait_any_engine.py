"""``wait_for_event`` with ``any`` through the engine, on SQLite, PostgreSQL and
memory: one indexed wait row per entry, exactly one winner, the losers' rows
gone with the match, and the look-back for every entry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from interpreter.actions.base import JSON, Action, ActionContext
from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import EventIn
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow
from interpreter.store import Store
from tests.integration.engine._engine_harness import ROOT, START, Harness

CLICK = "resend/email.clicked"
SUBSCRIBED = "app/subscription.created"


def engagement() -> Workflow:
    workflow, problems = load_workflow(ROOT / "workflows" / "welcome-engagement.yaml")
    assert workflow is not None, problems
    return workflow


def welcome_id(harness: Harness, run_id: str) -> str:
    state = harness.detail(run_id).run.state
    return str(state["steps"]["welcome"]["output"]["id"])


def actions_run(harness: Harness, run_id: str) -> list[str]:
    return [step for step, _ in harness.executed(run_id)]


def engagement_output(harness: Harness, run_id: str) -> JSON:
    return harness.detail(run_id).run.state["steps"]["engagement"]["output"]


def test_each_entry_is_stored_as_its_own_indexed_wait(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [engagement()], tmp_path)
    run_id = harness.signup(42)
    harness.run_until(timedelta(0))

    waits = store.list_waits(run_id)
    assert [(w.purpose, w.step_id, w.idx, w.event_name, w.match_path) for w in waits] == [
        ("step", "engagement", 0, CLICK, "data.email_id"),
        ("step", "engagement", 1, SUBSCRIBED, "data.user_id"),
    ]
    assert [w.match_value for w in waits] == [welcome_id(harness, run_id), 42]
    assert {w.timeout_at for w in waits} == {START + timedelta(days=3)}
    # Each entry is found by its own key, and only by it.
    assert harness.engine.ingest(SUBSCRIBED, {"user_id": 7}).delivered == 0
    assert harness.engine.ingest(CLICK, {"email_id": "em_other"}).delivered == 0


def test_both_events_at_once_exactly_one_wins_and_the_other_rows_are_gone(
    store: Store, tmp_path: Path
) -> None:
    harness = Harness(store, [engagement()], tmp_path)
    run_id = harness.signup(42)
    harness.run_until(timedelta(hours=1))
    email_id = welcome_id(harness, run_id)

    # One transaction queues both events for the run before it runs again.
    results = harness.engine.ingest_many(
        [EventIn(SUBSCRIBED, {"user_id": 42}), EventIn(CLICK, {"email_id": email_id})]
    )
    assert [r.delivered for r in results] == [1, 1]
    harness.run_until()

    assert actions_run(harness, run_id) == ["welcome", "thanks"]
    output = engagement_output(harness, run_id)
    assert output["index"] == 1 and output["name"] == SUBSCRIBED
    assert output["event"]["id"] == results[0].event_id
    assert store.list_waits(run_id) == []
    assert harness.detail(run_id).run.status == "completed"
    rows = [s for s in harness.detail(run_id).steps if s.step_id == "engagement"]
    assert len(rows) == 1  # one resolution on the timeline, not two


def test_the_losing_entrys_event_later_finds_no_wait(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [engagement()], tmp_path)
    run_id = harness.signup(42)
    harness.run_until(timedelta(hours=2))
    harness.send(CLICK, {"email_id": welcome_id(harness, run_id)})
    harness.run_until(timedelta(hours=3))
    assert store.list_waits(run_id) == []

    assert harness.engine.ingest(SUBSCRIBED, {"user_id": 42}).delivered == 0
    harness.run_until()
    assert actions_run(harness, run_id) == ["welcome", "tips"]
    assert engagement_output(harness, run_id)["index"] == 0


def test_the_timeout_drops_every_entrys_wait(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [engagement()], tmp_path)
    run_id = harness.signup(42)
    harness.run_until()

    assert actions_run(harness, run_id) == ["welcome", "nudge"]
    assert engagement_output(harness, run_id) is None
    assert store.list_waits(run_id) == []


class SubscribeWhileSending:
    """``email.send`` that, while the welcome email goes out, has the user
    subscribe: the second entry's event lands before its wait is stored."""

    name = "email.send"

    def __init__(self, inner: Action, engine: list[Engine]) -> None:
        self.inner = inner
        self.engine = engine

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        output = self.inner(arguments, context)
        if context.step_id == "welcome":
            self.engine[0].ingest(SUBSCRIBED, {"user_id": 42})
        return output


def test_the_look_back_applies_to_an_entry_other_than_the_first(
    store: Store, tmp_path: Path
) -> None:
    engine_box: list[Engine] = []
    actions = dict(build_actions(email_transport=CapturingTransport()))
    actions["email.send"] = SubscribeWhileSending(actions["email.send"], engine_box)
    harness = Harness(store, [engagement()], tmp_path, actions=actions)
    engine_box.append(harness.engine)
    run_id = harness.signup(42)
    harness.run_until()

    assert actions_run(harness, run_id) == ["welcome", "thanks"]
    wait = next(s for s in harness.detail(run_id).steps if s.step_id == "engagement")
    assert wait.finished_at == START
    assert engagement_output(harness, run_id)["name"] == SUBSCRIBED
