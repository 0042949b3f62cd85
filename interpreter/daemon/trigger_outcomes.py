"""What an event did to each campaign whose trigger names it: a run started,
or why none did, as data the sender is shown (``flow send``, ``POST /e/``, the
dashboard's test event) instead of a line in the server's log.

Every reason is decided from what ingestion already holds in hand (the
trigger's ``if``, the entry key, the holder of that key it looked up, the
burst), so saying why costs no query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from interpreter.daemon.cron_schedule import describe_schedule
from interpreter.errors import ExpressionError
from interpreter.language.definitions import CronTrigger, Expression, Workflow
from interpreter.language.durations import format_duration
from interpreter.language.values import JSON, rfc3339_seconds
from interpreter.store.records import BurstEvent, RunRecord

# Why a campaign the event's name matched started no run.
Reason = Literal["if_false", "expression_error", "entry", "debounced", "cron_only"]


@dataclass(frozen=True, slots=True)
class CampaignOutcome:
    """One campaign's answer to one event: ``run_id`` when a run started,
    else ``reason`` and ``message`` (a human's sentence). For an expression,
    ``expression`` is its source and ``location`` its file:line:column in the
    campaign's YAML (``field`` names which one: ``if``, ``entry.key``,
    ``debounce.key``); for an error, ``error`` is CEL's message."""

    campaign: str
    run_id: str | None = None
    reason: Reason | None = None
    message: str = ""
    field: str | None = None
    expression: str | None = None
    location: str | None = None
    error: str | None = None

    @property
    def line(self) -> str:
        return outcome_line(self.as_json())

    def as_json(self) -> dict[str, JSON]:
        shown: dict[str, JSON] = {"campaign": self.campaign, "run": self.run_id}
        if self.run_id is None:
            shown.update(reason=self.reason, message=self.message)
        for key, value in (
            ("field", self.field),
            ("expression", self.expression),
            ("location", self.location),
            ("error", self.error),
        ):
            if value is not None:
                shown[key] = value
        return shown


def outcome_line(shown: Mapping[str, JSON]) -> str:
    """``welcome: started run_...`` or ``trial: not started: its if was false
    (...)``, from the JSON form (``flow send --url`` has only that)."""
    campaign, run_id = shown.get("campaign"), shown.get("run")
    if run_id is not None:
        return f"{campaign}: started {run_id}"
    if shown.get("reason") == "debounced":
        return f"{campaign}: {shown.get('message')}"
    return f"{campaign}: not started: {shown.get('message')}"


def started(workflow: Workflow, run_id: str) -> CampaignOutcome:
    return CampaignOutcome(workflow.id, run_id)


def if_false(workflow: Workflow, conditions: list[Expression]) -> CampaignOutcome:
    """Every trigger for the event had an ``if``, and each was false."""
    shown = " / ".join(condition.source for condition in conditions)
    return CampaignOutcome(
        workflow.id,
        reason="if_false",
        message=f"its if was false ({shown})",
        field="if",
        expression=shown,
        location=str(conditions[0].location),
    )


def expression_failed(
    workflow: Workflow, field: str, expression: Expression, error: ExpressionError
) -> CampaignOutcome:
    """An ``if`` or a key did not evaluate (a missing member, a wrong type)."""
    location = error.location or str(expression.location)
    return CampaignOutcome(
        workflow.id,
        reason="expression_error",
        message=f"its {field.replace('.', ' ')} failed at {location}: {error.message}",
        field=field,
        expression=expression.source,
        location=location,
        error=error.message,
    )


def debounced(workflow: Workflow, burst: BurstEvent) -> CampaignOutcome:
    rule = workflow.debounce
    assert rule is not None  # only a debounced campaign makes a burst
    due = rfc3339_seconds(burst.due_at)
    latest = (
        "" if burst.timeout_at is None else f", {rfc3339_seconds(burst.timeout_at)} at the latest"
    )
    quiet = format_duration(rule.period)
    return CampaignOutcome(
        workflow.id,
        reason="debounced",
        message=f"debounced: its run starts after {quiet} without another event (at {due}{latest})",
        field="debounce",
        location=str(rule.location),
    )


def entry_held(workflow: Workflow, why: str) -> CampaignOutcome:
    """The entry rules (``entry``, ``idempotency``) held the run back."""
    rule = workflow.entry
    return CampaignOutcome(
        workflow.id,
        reason="entry",
        message=why,
        field="entry",
        location=None if rule is None else str(rule.location),
    )


def key_taken(key: str) -> str:
    """The plain rule (skip, no re-entry): the store's unique key refused the
    run, so there is no holder in hand to name (finding it would cost a query)."""
    return f"a run with the key {key} exists already, and a key starts one run"


def holder_running(key: str, holder: RunRecord) -> str:
    return f"a run with the key {key} is still {holder.status} ({holder.id}; if_running: skip)"


def holder_finished(key: str, holder: RunRecord) -> str:
    return f"a run with the key {key} has already run ({holder.id}) and entry has no reentry_after"


def reentry_too_soon(key: str, holder: RunRecord, after: datetime) -> str:
    return (
        f"a run with the key {key} started at {rfc3339_seconds(holder.created_at)} ({holder.id});"
        f" reentry_after lets the next start from {rfc3339_seconds(after)}"
    )


def cron_only(workflow: Workflow) -> CampaignOutcome:
    """An event sent to a campaign that starts on its cron schedule only."""
    schedules = describe_schedule(workflow)
    return CampaignOutcome(
        workflow.id,
        reason="cron_only",
        message=f"it starts on its cron schedule only ({schedules}), never on a sent event;"
        f" to run a tick now: flow run {workflow.source_file or workflow.id} --tick",
        field="on",
    )


def is_cron_only(workflow: Workflow) -> bool:
    return bool(workflow.triggers) and all(isinstance(t, CronTrigger) for t in workflow.triggers)
