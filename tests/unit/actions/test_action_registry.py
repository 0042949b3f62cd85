from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from interpreter.actions.base import JSON, Action, ActionContext
from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import ACTIONS, build_actions, run_action
from interpreter.errors import ActionError

MakeContext = Callable[..., ActionContext]


class Fake:
    def __init__(self, name: str, behaviour: Callable[[], JSON]) -> None:
        self.name = name
        self._behaviour = behaviour

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        return self._behaviour()


def registry(*actions: Action) -> Mapping[str, Action]:
    return {action.name: action for action in actions}


def test_the_default_registry_has_every_builtin_action() -> None:
    assert set(ACTIONS) == {"log", "http.request", "sql.query", "event.send", "email.send"}
    assert all(action.name == name for name, action in ACTIONS.items())


def test_an_unknown_action_is_not_retryable(make_context: MakeContext) -> None:
    with pytest.raises(ActionError) as caught:
        run_action("sms.send", {}, make_context())
    assert caught.value.retryable is False
    assert "sms.send" in str(caught.value)


def test_an_unexpected_exception_becomes_a_retryable_one_line_error(
    make_context: MakeContext,
) -> None:
    def crash() -> JSON:
        raise ConnectionResetError("peer\nwent away")

    with pytest.raises(ActionError) as caught:
        run_action("x", {}, make_context(), registry(Fake("x", crash)))
    assert caught.value.retryable is True
    assert str(caught.value) == "x: unexpected ConnectionResetError: peer went away"


def test_action_errors_pass_through_unchanged(make_context: MakeContext) -> None:
    error = ActionError("x: bad", retryable=False)

    def fail() -> JSON:
        raise error

    with pytest.raises(ActionError) as caught:
        run_action("x", {}, make_context(), registry(Fake("x", fail)))
    assert caught.value is error


@pytest.mark.parametrize("output", [{"when": object()}, float("nan")])
def test_an_output_that_is_not_json_is_refused(make_context: MakeContext, output: Any) -> None:
    with pytest.raises(ActionError) as caught:
        run_action("x", {}, make_context(), registry(Fake("x", lambda: output)))
    assert caught.value.retryable is False


def test_a_configured_registry_sends_email_through_its_transport(
    make_context: MakeContext,
) -> None:
    transport = CapturingTransport()
    actions = build_actions(email_transport=transport, environ={})
    output = run_action(
        "email.send", {"to": "a@x.example", "subject": "s", "text": "t"}, make_context(), actions
    )
    assert transport.sent[0].message["Message-ID"] == output["message_id"]
    assert not (make_context().data_dir / "outbox").exists()
