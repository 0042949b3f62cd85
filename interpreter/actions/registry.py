"""Every built-in action by name, and the one way the daemon runs them.

``build_actions`` takes what differs between deployments (the email transport,
an HTTP client, the environment); ``ACTIONS`` is the default set, which sends
email to the outbox under each run's data directory. ``run_action`` is the
boundary: whatever an action raises leaves it as an ``ActionError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

import httpx

from interpreter.actions.base import JSON, Action, ActionContext
from interpreter.actions.email import EmailSendAction, EmailTransport
from interpreter.actions.email.caps import SendReservation
from interpreter.actions.email.send import SuppressionCheck
from interpreter.actions.event_send import EventSendAction
from interpreter.actions.http_request import HttpRequestAction
from interpreter.actions.log import LogAction
from interpreter.actions.sql_query import SqlQueryAction
from interpreter.errors import ActionDeferred, ActionError


def build_actions(
    *,
    email_transport: EmailTransport | None = None,
    http_client: httpx.Client | None = None,
    http_transport: httpx.BaseTransport | None = None,
    environ: Mapping[str, str] | None = None,
    suppressed: SuppressionCheck | None = None,
    reserve_send: SendReservation | None = None,
) -> Mapping[str, Action]:
    """The built-in actions, configured; ``None`` everywhere gives the defaults.

    ``suppressed`` tells ``email.send`` which recipients are on the suppression
    list, and ``reserve_send`` checks a category's frequency caps and records
    the send (``interpreter.daemon.email_setup`` wires both to the store).
    """
    actions: list[Action] = [
        LogAction(),
        HttpRequestAction(client=http_client, transport=http_transport),
        SqlQueryAction(),
        EventSendAction(),
        EmailSendAction(
            transport=email_transport,
            environ=environ,
            suppressed=suppressed,
            reserve_send=reserve_send,
        ),
    ]
    return MappingProxyType({action.name: action for action in actions})


ACTIONS: Mapping[str, Action] = build_actions()


def run_action(
    name: str,
    arguments: Mapping[str, JSON],
    context: ActionContext,
    actions: Mapping[str, Action] = ACTIONS,
) -> JSON:
    """Run action ``name``; its output, or an ``ActionError`` saying whether to retry.

    An exception the action did not anticipate counts as retryable: it is most
    often transient, and the step's retry policy bounds the cost of being wrong.
    An output that is not JSON is a bug in the action that no retry will fix.
    """
    action = actions.get(name)
    if action is None:
        known = ", ".join(sorted(actions))
        raise ActionError(f"unknown action {name!r} (known: {known})", retryable=False)
    try:
        output = action(arguments, context)
    except (ActionError, ActionDeferred):
        raise
    except Exception as error:
        detail = " ".join(str(error).split())[:300]
        message = f"{name}: unexpected {type(error).__name__}" + (f": {detail}" if detail else "")
        raise ActionError(message, retryable=True) from error
    try:
        json.dumps(output, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ActionError(f"{name}: output is not JSON: {error}", retryable=False) from None
    return output


def has_outside_effect(
    name: str, arguments: Mapping[str, JSON], actions: Mapping[str, Action] = ACTIONS
) -> bool:
    """Whether running action ``name`` again after a crash could repeat an effect
    outside flow's database (an email delivered, a request made, a row written):
    the engine records such an action's outcome the moment it completes. An
    action says no through an ``outside_effect(arguments)`` method; one without
    that method is taken to have effects, the safe side."""
    check = getattr(actions.get(name), "outside_effect", None)
    return True if check is None else bool(check(arguments))
