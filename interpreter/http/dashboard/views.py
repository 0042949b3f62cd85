"""What the run-detail page shows, computed from stored rows: the timeline of
attempts with their delays, pending waits with their expressions, and timers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from interpreter.core.model import FINISHED
from interpreter.language.definitions import (
    WaitForAnyStep,
    WaitForEventStep,
    WaitForWindowStep,
    Workflow,
)
from interpreter.language.graph.model import window_text
from interpreter.language.local_time import describe_local, zone_named
from interpreter.store.records import RunDetail, StepRecord, Wait


@dataclass(frozen=True)
class Attempt:
    step: StepRecord
    took: timedelta
    # Since the previous attempt of the same step (and visit) finished: the retry delay.
    delay: timedelta | None

    @property
    def shown(self) -> str:
        """The status as the timeline reads it: a send that went without its
        email (suppressed, unsubscribed, capped, quiet hours) is "skipped",
        not "ok", though the step itself succeeded."""
        return "skipped" if self.skipped_why is not None else self.step.status

    @property
    def skipped_why(self) -> str | None:
        output = self.step.output
        why = output.get("skipped") if isinstance(output, dict) else None
        return str(why) if self.step.status == "ok" and why else None


@dataclass(frozen=True)
class PendingWait:
    purpose: str
    step_id: str | None
    event: str
    source: str | None  # the ``if`` as written
    key: str | None  # its indexed equality with the run's value substituted
    timeout_at: datetime | None
    since: datetime
    # For one entry of a wait's ``any``: "entry 1 of 2, then tips" (or "then the
    # following step"); None for a single wait or a cancel.
    entry: str | None = None


@dataclass(frozen=True)
class Timer:
    what: str
    due_at: datetime


def attempts(detail: RunDetail) -> list[Attempt]:
    last: dict[tuple[str, int], datetime] = {}
    rows = []
    for step in detail.steps:
        key = (step.step_id, step.visit)
        previous = last.get(key)
        delay = step.started_at - previous if previous is not None and step.attempt > 1 else None
        rows.append(Attempt(step, step.finished_at - step.started_at, delay))
        last[key] = step.finished_at
    return rows


def pending_waits(waits: list[Wait], workflow: Workflow | None) -> list[PendingWait]:
    steps = {step.id: step for step in workflow.steps} if workflow is not None else {}
    cancels = workflow.cancel_on if workflow is not None else ()
    shown = []
    for wait in waits:
        source = None
        step = steps.get(wait.step_id or "")
        entry = None
        if wait.purpose == "step" and isinstance(step, WaitForEventStep) and step.match:
            source = step.match.source
        elif wait.purpose == "step" and isinstance(step, WaitForAnyStep):
            source, entry = _entry(step, wait.idx)
        elif wait.purpose == "cancel" and wait.idx < len(cancels) and cancels[wait.idx].if_:
            cancel_if = cancels[wait.idx].if_
            source = cancel_if.source if cancel_if is not None else None
        elif wait.purpose == "goal" and workflow is not None and workflow.goal is not None:
            goal_if = workflow.goal.if_
            source = goal_if.source if goal_if is not None else None
        key = None
        if wait.match_path is not None:
            value = json.dumps(wait.match_value, ensure_ascii=False)
            key = f"async.{wait.match_path} == {value}"
        shown.append(
            PendingWait(
                wait.purpose,
                wait.step_id,
                wait.event_name,
                source,
                key,
                wait.timeout_at,
                wait.since,
                entry,
            )
        )
    return shown


def _entry(step: WaitForAnyStep, index: int) -> tuple[str | None, str | None]:
    """An ``any`` entry's ``if`` as written, and which entry it is and where it leads."""
    if not 0 <= index < len(step.entries):
        return None, None
    entry = step.entries[index]
    then = f"then {entry.next}" if entry.next is not None else "then the following step"
    where = f"entry {index + 1} of {len(step.entries)} (whichever comes first), {then}"
    return (entry.match.source if entry.match is not None else None), where


def timers(detail: RunDetail, workflow: Workflow | None) -> list[Timer]:
    """The run's next timer from its state (a sleep's end, a wait's timeout or a
    retry's due time), and its deadline when the campaign has a timeout."""
    state: dict[str, Any] = detail.run.state
    deadline = state.get("deadline")
    if detail.run.status in FINISHED:
        return []
    ending = (
        [Timer("the run times out", datetime.fromisoformat(deadline))]
        if isinstance(deadline, str)
        else []
    )
    return _step_timer(detail, workflow) + ending


def _step_timer(detail: RunDetail, workflow: Workflow | None) -> list[Timer]:
    state: dict[str, Any] = detail.run.state
    wake = state.get("wake_at")
    if not isinstance(wake, str) or detail.run.status in FINISHED:
        return []
    due = datetime.fromisoformat(wake)
    cursor = state.get("cursor")
    step = None
    if workflow is not None and isinstance(cursor, int) and 0 <= cursor < len(workflow.steps):
        step = workflow.steps[cursor]
    name = step.id if step is not None else "?"
    kind = getattr(step, "kind", "")
    local = describe_local(due, zone_named(state.get("timezone")) or ZoneInfo("UTC"))
    if kind in ("sleep", "sleep_until"):
        what = f"step {name} wakes"
    elif isinstance(step, WaitForWindowStep):
        what = f"step {name}: its window ({window_text(step)}) opens {local}"
    elif kind == "action" and state.get("throttled_until"):
        what = f"step {name} throttled: waiting for its turn at {local}"
    elif kind == "action" and detail.run.status == "sleeping":
        what = f"step {name} deferred by quiet hours until {local}"
    elif kind == "wait_for_event":
        what = f"step {name} times out"
    elif int(state.get("attempt") or 0) > 0:
        what = f"step {name}: next attempt"
    else:
        what = f"step {name} is due"
    return [Timer(what, due)]
