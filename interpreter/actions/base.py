"""What every action adapter receives and returns.

An action gets the resolved ``with`` values and an ``ActionContext``; it returns
a JSON-friendly output or raises ``ActionError`` whose ``retryable`` says
whether trying again could help. Anything else it raises is treated as a
retryable failure by the caller, because an unknown error is usually transient
(a dropped connection) and the retry policy bounds the cost of being wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from interpreter.language.policies import NO_POLICIES, Policies
from interpreter.language.values import JSON as JSON  # re-exported: the one alias


@dataclass(frozen=True, kw_only=True)
class ActionContext:
    """Everything an action may know about the run it acts for.

    ``files`` are the campaign's pinned template texts by the path written in
    the YAML. ``emit`` records an event (for ``event.send``) and returns its id.
    ``render_scope`` is the CEL scope (event, vars, steps, run) for templates.
    ``now`` is the moment the engine carries the command out, on its clock (the
    virtual one under ``--simulate``): an action that needs the time (an email's
    ``Date``) takes it from here, never from the wall clock. None only where no
    engine calls the action (a test); the action then uses its own clock.
    """

    run_id: str
    workflow_id: str
    step_id: str
    attempt: int
    idempotency_key: str
    files: Mapping[str, str] = field(default_factory=dict)
    render_scope: Mapping[str, JSON] = field(default_factory=dict)
    data_dir: Path = Path(".flow")
    emit: Callable[[str, JSON], str] | None = None
    now: datetime | None = None
    # The campaign's ``category`` and its folder's policies: an ``email.send``
    # finds its message category from them (``Policies.category_of``).
    campaign_category: str | None = None
    policies: Policies = NO_POLICIES
    # The step's ``when_capped``: what an ``email.send`` does when a frequency
    # cap of its category is full (``skip`` or ``defer``).
    when_capped: str = "skip"


class Action(Protocol):
    name: str

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON: ...
