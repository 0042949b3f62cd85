from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.event_send import EventSendAction
from interpreter.errors import ActionError

MakeContext = Callable[..., ActionContext]


class Recorder:
    """Stands in for the daemon's emit: keeps one event per id, as the store does."""

    def __init__(self) -> None:
        self.events: dict[str, tuple[str, Any]] = {}

    def __call__(self, name: str, event: Any) -> str:
        self.events.setdefault(event["id"], (name, event["data"]))
        return str(event["id"])


def test_emits_name_and_data_and_returns_the_id(make_context: MakeContext) -> None:
    recorder = Recorder()
    output = EventSendAction()(
        {"name": "app/trial.started", "data": {"user_id": 7}}, make_context(emit=recorder)
    )
    assert recorder.events == {output["id"]: ("app/trial.started", {"user_id": 7})}


def test_a_retried_step_emits_the_same_id(make_context: MakeContext) -> None:
    recorder = Recorder()
    arguments = {"name": "app/x", "data": {}}
    first = EventSendAction()(arguments, make_context(emit=recorder, attempt=1))
    second = EventSendAction()(arguments, make_context(emit=recorder, attempt=2))
    assert first == second
    assert len(recorder.events) == 1


def test_another_visit_of_the_step_emits_another_id(make_context: MakeContext) -> None:
    recorder = Recorder()
    arguments = {"name": "app/x"}
    EventSendAction()(arguments, make_context(emit=recorder, idempotency_key="r:s:1"))
    EventSendAction()(arguments, make_context(emit=recorder, idempotency_key="r:s:2"))
    assert len(recorder.events) == 2


def test_an_explicit_id_wins(make_context: MakeContext) -> None:
    recorder = Recorder()
    output = EventSendAction()({"name": "app/x", "id": "mine"}, make_context(emit=recorder))
    assert output == {"id": "mine"}
    assert recorder.events == {"mine": ("app/x", {})}


@pytest.mark.parametrize(
    "arguments", [{"data": {}}, {"name": "app/x", "data": [1]}, {"name": "", "data": {}}]
)
def test_bad_arguments_are_not_retryable(
    make_context: MakeContext, arguments: dict[str, Any]
) -> None:
    with pytest.raises(ActionError) as caught:
        EventSendAction()(arguments, make_context(emit=Recorder()))
    assert caught.value.retryable is False


def test_without_an_emitter_the_step_fails_for_good(make_context: MakeContext) -> None:
    with pytest.raises(ActionError) as caught:
        EventSendAction()({"name": "app/x"}, make_context())
    assert caught.value.retryable is False
