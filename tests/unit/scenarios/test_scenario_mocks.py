"""Mocked steps: a fixed output or error instead of the action; other steps run the action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.registry import run_action
from interpreter.daemon.scenarios.mocks import CallLog, scripted_actions
from interpreter.errors import ActionError
from interpreter.language.scenario import Mock


class Echo:
    name = "log"

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, arguments: Mapping[str, Any], context: ActionContext) -> Any:
        self.calls += 1
        return {"echo": dict(arguments)}


def context(step: str, attempt: int = 1) -> ActionContext:
    return ActionContext(
        run_id="run_1",
        workflow_id="c",
        step_id=step,
        attempt=attempt,
        idempotency_key=f"run_1:{step}",
    )


def test_mocked_output_unmocked_action_and_the_call_order() -> None:
    echo = Echo()
    log = CallLog()
    output = {"rows": [{"plan": "pro"}]}
    actions = scripted_actions({"log": echo}, (Mock("plan", output=output),), log)
    first = run_action("log", {"x": 1}, context("plan"), actions)
    assert first == output
    first["rows"].clear()  # the scenario's own value is not shared
    assert run_action("log", {"x": 1}, context("plan"), actions) == output
    assert run_action("log", {"x": 2}, context("other"), actions) == {"echo": {"x": 2}}
    assert echo.calls == 1
    assert log.calls == [("run_1", "plan", 1), ("run_1", "plan", 1), ("run_1", "other", 1)]


@pytest.mark.parametrize("retryable", [True, False])
def test_mocked_error(retryable: bool) -> None:
    actions = scripted_actions(
        {"log": Echo()}, (Mock("plan", error_message="db down", retryable=retryable),), CallLog()
    )
    with pytest.raises(ActionError) as caught:
        run_action("log", {}, context("plan", attempt=2), actions)
    assert str(caught.value) == "db down"
    assert caught.value.retryable is retryable
