"""Split, on_error and the run timeout on a real store (SQLite, PostgreSQL and
memory): the deadline is a timer the store knows, and a split keeps its path
through a retry, a worker taking the run over, and a replay."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from interpreter.actions.base import JSON, ActionContext
from interpreter.core._split import bucket_of, key_text, path_for
from interpreter.daemon.engine import Engine
from interpreter.daemon.recovery import replay_runs, retry_run, select_replay
from interpreter.errors import ActionError
from interpreter.language import cel
from interpreter.language.definitions import Expression, Location, SplitStep
from interpreter.store import Store
from tests.integration.engine._engine_harness import START, Harness, campaign_from_text

TIMEOUT = """
id: timeout-demo
on: {event: app/signup}
timeout: 2d
cancel_on:
  - event: app/user.deleted
steps:
  - id: welcome
    action: email.send
    with: {to: ada@example.com, subject: Welcome, text: Hi}
  - id: wait_for_purchase
    wait_for_event: {event: app/purchase}
  - id: thanks
    action: email.send
    with: {to: ada@example.com, subject: Thanks, text: Thanks}
"""


class Hook:
    """``log``, doing what the test says on each call."""

    name = "log"

    def __init__(self) -> None:
        self.calls = 0
        self.on_call: Callable[[ActionContext], None] = lambda context: None

    def outside_effect(self, arguments: Mapping[str, JSON]) -> bool:
        return False

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        self.calls += 1
        self.on_call(context)
        return {"logged": True}


def _harness(store: Store, text: str, tmp_path: Path, hook: Hook | None = None) -> Harness:
    harness = Harness(store, [campaign_from_text(text, tmp_path)], tmp_path)
    if hook is not None:
        harness.engine.actions = {**harness.engine.actions, "log": hook}
    return harness


def test_a_run_times_out_at_its_deadline_with_its_waits_and_timers_dropped(
    store: Store, tmp_path: Path
) -> None:
    harness = _harness(store, TIMEOUT, tmp_path)
    run_id = harness.engine.ingest("app/signup", {}).started[0]
    harness.engine.drive_once()
    assert store.get_run(run_id).run.status == "waiting"
    # The wait has no timeout: the wake-up the store keeps is the run's deadline.
    assert store.next_wake_at() == START + timedelta(days=2)
    assert sorted(w.purpose for w in store.list_waits(run_id)) == ["cancel", "step"]
    harness.run_until()
    detail = store.get_run(run_id)
    assert detail.run.status == "timed_out"
    assert harness.clock.now() == START + timedelta(days=2)
    assert store.list_waits(run_id) == []
    assert store.next_wake_at() is None
    last = detail.steps[-1]
    assert (last.step_id, last.kind, last.status) == ("wait_for_purchase", "timed_out", "error")
    # A purchase after the deadline thanks nobody.
    harness.send("app/purchase", {})
    harness.run_until()
    assert harness.subjects() == ["Welcome"]


ACTION_AT_DEADLINE = """
id: slow-at-deadline
on: {event: app/signup}
timeout: 1h
steps:
  - id: pause
    sleep: 59m
  - id: slow
    action: log
    with: {message: slow}
  - id: after
    action: email.send
    with: {to: ada@example.com, subject: After, text: After}
"""


def test_an_action_running_at_the_deadline_finishes_and_nothing_after_it_runs(
    store: Store, tmp_path: Path
) -> None:
    hook = Hook()
    harness = _harness(store, ACTION_AT_DEADLINE, tmp_path, hook)
    hook.on_call = lambda context: harness.clock.advance_to(START + timedelta(hours=2))
    run_id = harness.engine.ingest("app/signup", {}).started[0]
    harness.run_until()
    detail = store.get_run(run_id)
    assert detail.run.status == "timed_out"
    assert hook.calls == 1
    rows = [(s.step_id, s.kind, s.status) for s in detail.steps]
    assert rows == [
        ("pause", "sleep", "ok"),
        ("slow", "log", "ok"),
        ("slow", "timed_out", "error"),
    ]
    assert harness.mail.sent == []


SPLIT = """
id: split-demo
on: {event: app/signup}
steps:
  - id: offer
    split:
      key: %s
      paths:
        - {name: a, weight: 50, next: note_a}
        - {name: b, weight: 50, next: note_b}
  - id: note_a
    action: log
    with: {message: a}
    next: welcome
  - id: note_b
    action: log
    with: {message: b}
  - id: welcome
    action: email.send
    with: {to: ada@example.com, subject: "path ${ steps.offer.output.path }", text: Hi}
"""


def _split_rows(store: Store, run_id: str) -> list[JSON]:
    return [s.output for s in store.get_run(run_id).steps if s.kind == "split"]


def test_a_retried_action_and_an_operator_retry_keep_the_split_path(
    store: Store, tmp_path: Path
) -> None:
    hook = Hook()

    def fail_twice(context: ActionContext) -> None:
        if hook.calls == 1:
            raise ActionError("busy", retryable=True)
        if hook.calls == 2:
            raise ActionError("refused", retryable=False)

    hook.on_call = fail_twice
    harness = _harness(store, SPLIT % "event.data.user", tmp_path, hook)
    run_id = harness.engine.ingest("app/signup", {"user": "u-7"}).started[0]
    harness.run_until()
    assert store.get_run(run_id).run.status == "failed"
    retry_run(harness.engine, run_id)
    harness.run_until()
    assert store.get_run(run_id).run.status == "completed"
    expected = bucket_of("split-demo", "offer", "u-7")
    assert len(_split_rows(store, run_id)) == 1  # entered once: the retries resumed after it
    output = _split_rows(store, run_id)[0]
    assert isinstance(output, dict) and output["bucket"] == expected
    assert harness.subjects() == [f"path {output['path']}"]
    assert hook.calls == 3


def _path_at(seconds: int) -> str:
    """The path the formula gives `string(now)` at START + seconds."""
    text = key_text(
        cel.evaluate(
            Expression("string(now)", Location("t", 1, 1)),
            {"now": START + timedelta(seconds=seconds)},
        )
    )
    step = campaign_from_text(SPLIT % "string(now)", Path("/tmp")).step("offer")
    assert isinstance(step, SplitStep)
    return path_for(bucket_of("split-demo", "offer", text), step.paths).name


class Crash(BaseException):
    """Stands in for SIGKILL: nothing after it runs, nothing is saved."""


def test_a_worker_taking_a_run_over_keeps_the_path_its_predecessor_recorded(
    store: Store, tmp_path: Path
) -> None:
    # The key reads `now`, so choosing again at takeover time would pick another
    # path; take over at a moment where it would, to prove the recorded one wins.
    later = next(s for s in range(61, 400) if _path_at(s) != _path_at(0))
    hook = Hook()
    closing = "  - id: closing\n    action: log\n    with: {message: done}\n"
    harness = _harness(store, SPLIT % "string(now)" + closing, tmp_path, hook)
    run_id = harness.engine.ingest("app/signup", {}).started[0]

    def crash_at_closing(context: ActionContext) -> None:
        if context.step_id == "closing":
            raise Crash

    hook.on_call = crash_at_closing
    with pytest.raises(Crash):
        _worker(harness, "w1").drive_once()
    recorded = _split_rows(store, run_id)
    assert len(recorded) == 1  # recorded with the email, ahead of the run's state
    first = recorded[0]
    assert isinstance(first, dict) and first["path"] == _path_at(0)
    harness.clock.advance_to(START + timedelta(seconds=later))
    hook.on_call = lambda context: None
    assert _worker(harness, "w2").drive_once() == 1
    detail = store.get_run(run_id)
    assert detail.run.status == "completed"
    assert _split_rows(store, run_id) == [first]
    assert detail.run.state["steps"]["offer"]["output"] == first
    assert harness.subjects() == [f"path {first['path']}"]  # sent once, not again


def _worker(harness: Harness, owner: str) -> Engine:
    engine = harness.engine
    return Engine(
        engine.store, engine.campaigns, harness.clock, owner=owner, actions=engine.actions
    )


def test_a_replay_keeps_the_path_and_bucket_of_the_run_it_replays(
    store: Store, tmp_path: Path
) -> None:
    hook = Hook()

    def refuse_first(context: ActionContext) -> None:
        if hook.calls == 1:
            raise ActionError("refused", retryable=False)

    hook.on_call = refuse_first
    # No key: the run id decides, and a replay is a new run with a new id.
    harness = _harness(store, SPLIT.replace("      key: %s\n", ""), tmp_path, hook)
    run_id = harness.engine.ingest("app/signup", {}).started[0]
    harness.run_until()
    assert store.get_run(run_id).run.status == "failed"
    original = _split_rows(store, run_id)
    replayed = replay_runs(harness.engine, select_replay(store, "split-demo", "failed"))
    new_id = replayed[0].run_id
    assert new_id is not None and new_id != run_id
    harness.run_until()
    assert store.get_run(new_id).run.status == "completed"
    assert _split_rows(store, new_id) == original
