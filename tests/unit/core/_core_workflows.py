"""Campaigns for the core's tests, built from the frozen definitions directly so
these tests depend on nothing but the core and CEL.

``expr`` and ``data`` stand in for the loader: ``data("${ vars.email }")`` gives
the Interpolation the loader would, and every expression gets a distinct line so
a test can check that an error points at the right one.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from interpreter.core.advance import advance, new_run_state
from interpreter.core.model import Command, Event, Input, RunState, Start
from interpreter.language.definitions import (
    ActionStep,
    CancelOn,
    EventTrigger,
    Expression,
    Interpolation,
    Location,
    RetryPolicy,
    SleepStep,
    Step,
    SwitchCase,
    SwitchStep,
    WaitForEventStep,
    Workflow,
)

FILE = "campaign.yaml"
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
_lines = itertools.count(10)


def loc(line: int | None = None, column: int = 5) -> Location:
    return Location(FILE, line if line is not None else next(_lines), column)


def expr(source: str, line: int | None = None, column: int = 9) -> Expression:
    return Expression(source, loc(line, column))


_PART = re.compile(r"\$\{(.*?)\}")


def data(value: Any) -> Any:
    """A data field as the loader gives it: ``${ }`` strings become Interpolations."""
    if isinstance(value, dict):
        return {key: data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [data(item) for item in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    line = next(_lines)
    parts: list[str | Expression] = []
    position = 0
    for match in _PART.finditer(value):
        if match.start() > position:
            parts.append(value[position : match.start()])
        parts.append(Expression(match.group(1).strip(), loc(line, match.start(1) + 1)))
        position = match.end()
    if position < len(value):
        parts.append(value[position:])
    return Interpolation(tuple(parts))


def campaign(*steps: Step, **options: Any) -> Workflow:
    options.setdefault("id", "test-campaign")
    options.setdefault("source_file", FILE)
    options.setdefault("content_hash", "hash-1")
    options.setdefault("retry", RetryPolicy(attempts=3, initial_delay=timedelta(seconds=10)))
    options.setdefault("vars", (("email", data("${ event.data.user.email }")),))
    return Workflow(steps=tuple(steps), **options)


def email(step_id: str, subject: str, **options: Any) -> ActionStep:
    return ActionStep(
        id=step_id,
        location=loc(),
        action="email.send",
        with_=data({"to": "${ vars.email }", "subject": subject, "template": "t.html"}),
        **options,
    )


def seed() -> Workflow:
    """``workflows/signup-drip.yaml``, step for step."""
    return campaign(
        ActionStep(
            id="welcome_email",
            location=loc(),
            action="email.send",
            with_=data(
                {
                    "to": "${ vars.email }",
                    "subject": "Welcome to ACME",
                    "template": "templates/welcome.html",
                }
            ),
        ),
        WaitForEventStep(
            id="wait_for_engagement",
            location=loc(),
            event="resend/email.clicked",
            match=expr("async.data.email_id == steps.welcome_email.output.id"),
            timeout=timedelta(days=3),
        ),
        SwitchStep(
            id="route",
            location=loc(),
            cases=(
                SwitchCase(
                    if_=expr("steps.wait_for_engagement.output == null"),
                    next="check_plan",
                    location=loc(),
                ),
            ),
        ),
        SleepStep(id="delay_power_tips", location=loc(), duration=timedelta(days=1)),
        ActionStep(
            id="send_power_user_tips",
            location=loc(),
            action="email.send",
            with_=data(
                {
                    "to": "${ vars.email }",
                    "subject": "Supercharge your ACME experience",
                    "template": "templates/power-tips.html",
                }
            ),
        ),
        SleepStep(id="delay_trial", location=loc(), duration=timedelta(days=1)),
        ActionStep(
            id="check_plan",
            location=loc(),
            action="sql.query",
            with_=data(
                {
                    "url": "${ secrets.APP_DATABASE_URL }",
                    "query": "SELECT plan FROM users WHERE email = :email",
                    "params": {"email": "${ vars.email }"},
                }
            ),
        ),
        ActionStep(
            id="trial_offer_email",
            location=loc(),
            if_=expr(
                "size(steps.check_plan.output.rows) == 0 "
                '|| steps.check_plan.output.rows[0].plan != "pro"',
                line=90,
                column=9,
            ),
            action="email.send",
            with_=data(
                {
                    "to": "${ vars.email }",
                    "subject": "Free ACME Pro trial",
                    "template": "templates/trial-offer.html",
                }
            ),
        ),
        id="signup-drip-campaign",
        triggers=(EventTrigger(event="app/signup.completed", location=loc()),),
        idempotency=expr("event.data.user.id"),
        cancel_on=(
            CancelOn(
                event="app/user.deleted",
                if_=expr("async.data.user_id == event.data.user.id"),
                location=loc(),
            ),
        ),
        secrets=("APP_DATABASE_URL",),
        vars=(
            ("email", data("${ event.data.user.email }")),
            ("first_name", data("${ event.data.user.first_name }")),
        ),
    )


SECRETS = {"APP_DATABASE_URL": "sqlite:///app.db", "HOME": "/root"}


def event(name: str, data: Any, at: datetime = T0, event_id: str | None = None) -> Event:
    return Event(id=event_id or f"evt-{name}-{at.timestamp():.0f}", name=name, data=data, ts=at)


def signup(user_id: int = 42, email_address: str = "ada@example.com") -> Event:
    user = {"id": user_id, "email": email_address, "first_name": "Ada"}
    return event("app/signup.completed", {"user": user}, event_id="evt-signup")


@dataclass
class Run:
    """Feeds inputs to one run the way the engine would, keeping what came out."""

    workflow: Workflow
    state: RunState
    secrets: Mapping[str, str] = field(default_factory=lambda: dict(SECRETS))
    now: datetime = T0
    log: list[tuple[datetime, Input]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The status, typed wide so tests can check it again after a change."""
        return self.state.status

    @classmethod
    def start(cls, workflow: Workflow, trigger: Event | None = None, run_id: str = "run-1") -> Run:
        run = cls(workflow, new_run_state(workflow, run_id))
        run.send(Start(trigger or signup()))
        return run

    def send(self, input: Input, at: datetime | None = None) -> list[Command]:
        if at is not None:
            self.now = at
        self.log.append((self.now, input))
        self.state, commands = advance(self.workflow, self.state, input, self.now, self.secrets)
        self.commands.extend(commands)
        return commands

    def later(self, delta: timedelta, input: Input) -> list[Command]:
        return self.send(input, self.now + delta)


def replay(
    workflow: Workflow, run_id: str, log: Iterable[tuple[datetime, Input]]
) -> tuple[RunState, list[Command]]:
    state = new_run_state(workflow, run_id)
    every: list[Command] = []
    for at, input in log:
        state, commands = advance(workflow, state, input, at, SECRETS)
        every.extend(commands)
    return state, every
