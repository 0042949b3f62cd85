"""Determinism: the same inputs give the same states and commands, so a run can be
rebuilt from its recorded inputs after a crash."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.advance import advance, new_run_state
from interpreter.core.model import (
    EventReceived,
    RunAction,
    StepFailed,
    StepSucceeded,
    TimerFired,
)
from tests.unit.core._core_workflows import Run, event, replay, seed


def _clicked_run_with_a_retry() -> Run:
    run = Run.start(seed(), run_id="run-7")
    run.later(timedelta(seconds=2), StepFailed("welcome_email", "503", True, 1))
    run.send(TimerFired(), run.state.wake_at)
    run.later(timedelta(seconds=2), StepSucceeded("welcome_email", {"id": "m-1"}, 2))
    clicked = event("resend/email.clicked", {"email_id": "m-1"}, run.now + timedelta(hours=1))
    run.later(timedelta(hours=1), EventReceived(clicked))
    run.send(TimerFired(), run.state.wake_at)
    run.later(timedelta(seconds=1), StepSucceeded("send_power_user_tips", {"id": "m-2"}, 1))
    run.send(TimerFired(), run.state.wake_at)
    run.later(timedelta(seconds=1), StepSucceeded("check_plan", {"rows": []}, 1))
    run.later(timedelta(seconds=1), StepSucceeded("trial_offer_email", {"id": "m-3"}, 1))
    return run


def test_replaying_recorded_inputs_reproduces_the_final_state_and_commands() -> None:
    run = _clicked_run_with_a_retry()
    assert run.status == "completed"

    state, commands = replay(seed(), "run-7", run.log)

    assert state == run.state
    assert commands == run.commands


def test_every_intermediate_state_is_reproduced_by_a_fresh_definition() -> None:
    first = _clicked_run_with_a_retry()
    workflow = seed()  # a fresh load of the same campaign
    state = new_run_state(workflow, "run-7")
    for at, input in first.log:
        state_a, commands_a = advance(workflow, state, input, at, first.secrets)
        state_b, commands_b = advance(workflow, state, input, at, first.secrets)
        assert (state_a, commands_a) == (state_b, commands_b)
        state = state_a
    assert state == first.state


def test_replay_stops_where_the_log_stops_and_continues_identically() -> None:
    run = _clicked_run_with_a_retry()
    for cut in range(1, len(run.log)):
        state, _ = replay(seed(), "run-7", run.log[:cut])
        for at, input in run.log[cut:]:
            state, _ = advance(seed(), state, input, at, run.secrets)
        assert state == run.state


def test_retry_timers_depend_on_the_run_not_on_chance() -> None:
    def retry_at(run_id: str) -> object:
        run = Run.start(seed(), run_id=run_id)
        run.later(timedelta(seconds=1), StepFailed("welcome_email", "503", True, 1))
        return run.state.wake_at

    assert retry_at("run-a") == retry_at("run-a")
    assert len({retry_at(f"run-{n}") for n in range(10)}) > 1


def test_a_crashed_action_reissued_after_replay_keeps_its_idempotency_key() -> None:
    run = Run.start(seed(), run_id="run-9")
    original = run.commands[-1]

    _, reissued = replay(seed(), "run-9", run.log)  # a new process after kill -9

    assert isinstance(original, RunAction)
    assert reissued[-1] == original
