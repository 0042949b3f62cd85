"""A run's timeline: every recorded step attempt, as offsets from the run's start."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from interpreter.cli.output import offset, paint, rfc3339, status, table
from interpreter.language.definitions import ActionStep, Workflow
from interpreter.language.durations import format_duration
from interpreter.language.local_time import describe_local, zone_named
from interpreter.store.records import RunDetail, StepRecord


def run_started_at(detail: RunDetail) -> datetime:
    started = detail.run.state.get("started_at")
    if isinstance(started, str):
        return datetime.fromisoformat(started)
    return detail.run.created_at


def timeline_entries(detail: RunDetail) -> list[dict[str, Any]]:
    """One JSON object per entry: ``at``, ``run``, ``step``, ``kind``, ``output``
    (and ``status``, ``attempt``, ``error`` where they say something)."""
    entries = []
    for step in detail.steps:
        entry: dict[str, Any] = {
            "at": rfc3339(step.finished_at),
            "run": detail.run.id,
            "step": step.step_id,
            "kind": step.kind,
            "status": step.status,
            "attempt": step.attempt,
            "output": step.output,
        }
        if step.error is not None:
            entry["error"] = step.error
        entries.append(entry)
    return entries


def step_kinds(workflow: Workflow) -> dict[str, str]:
    """Each step's kind as the campaign declares it: the action for an action
    step (``email.send``), else the step's own kind (``wait_for_event``)."""
    return {
        step.id: step.action if isinstance(step, ActionStep) else step.kind
        for step in workflow.steps
    }


def timeline_table(detail: RunDetail, kinds: Mapping[str, str] | None = None) -> str:
    """The timeline as a table. Its KIND column is the step's kind from
    ``kinds`` (the run's campaign), also for the rows that record what befell
    a step rather than what it did (skipped, on_error, timed_out, quiet_hours,
    throttle): those say so in WHAT HAPPENED."""
    if not detail.steps:
        return "no steps recorded yet"
    start = run_started_at(detail)
    kinds = kinds or {}
    rows = [
        (
            offset(step.finished_at - start),
            step.step_id,
            kinds.get(step.step_id, step.kind),
            status(step.status),
            _summary(step),
        )
        for step in detail.steps
    ]
    return table(("at", "step", "kind", "status", "what happened"), rows)


def zone_line(detail: RunDetail) -> str | None:
    """The run's zone and why: "Europe/Paris, from the event"."""
    state = detail.run.state
    zone, why = state.get("timezone"), state.get("timezone_why")
    if not isinstance(zone, str):
        return None  # a run saved before runs had a zone
    return f"{zone}, {why}" if why else zone


def deferral_line(detail: RunDetail) -> str | None:
    """ "deferred by quiet hours until 2026-01-06 08:00 Europe/Paris" while the run
    sleeps on an action that quiet hours hold back; read from its timer, so a
    worker that woke late and deferred again shows the new time."""
    run = detail.run
    if run.status != "sleeping" or run.wake_at is None or not detail.steps:
        return None
    if detail.steps[-1].kind == "throttle":
        return f"throttled until {describe_local(run.wake_at, ZoneInfo('UTC'))}"
    if detail.steps[-1].kind != "quiet_hours":
        return None
    zone = zone_named(run.state.get("timezone")) or ZoneInfo("UTC")
    return f"deferred by quiet hours until {describe_local(run.wake_at, zone)}"


def describe_error(error: Any) -> str:
    """A failed run's error as one line: where, then what."""
    if not isinstance(error, dict):
        return str(error)
    step = error.get("step")
    where = f"step {step}" if step else "the run's start (vars)"
    location = f" at {error['location']}" if error.get("location") else ""
    return f"{where}{location}: {error.get('message')}"


def _summary(step: StepRecord) -> str:
    if step.kind == "on_error" and isinstance(step.output, dict):
        return paint(on_error_summary(step.output), "yellow")
    if step.kind == "split" and isinstance(step.output, dict):
        return f"took path {step.output.get('path')} (bucket {step.output.get('bucket')})"
    if step.kind == "timed_out" and isinstance(step.output, dict):
        return paint(f"the run's timeout ran out at {step.output.get('deadline')}", "red")
    if step.status == "error" and isinstance(step.error, dict):
        text = str(step.error.get("message", step.error))
        if step.attempt > 1:
            text = f"attempt {step.attempt}: {text}"
        return paint(text, "red")
    if step.status == "skipped":
        return "skipped: its `if` was false"
    if step.kind == "wait_for_event":
        output = step.output
        return "timed out" if output is None else f"matched {_compact(output)}"
    if step.kind in ("sleep", "sleep_until"):
        return "woke"
    if step.kind == "throttle" and isinstance(step.output, dict):
        return throttle_summary(step.output)
    if step.kind in ("quiet_hours", "wait_for_window") and isinstance(step.output, dict):
        return local_time_summary(step.kind, step.output)
    if isinstance(step.output, dict) and step.output.get("skipped") == "quiet_hours":
        return "skipped: due in quiet hours"
    if isinstance(step.output, dict) and step.output.get("skipped") == "capped":
        return f"skipped: the {step.output.get('category')} frequency cap is full"
    if step.status == "deferred" and isinstance(step.output, dict):
        category, until = step.output.get("category"), _local(step.output.get("until"))
        return f"deferred: the {category} frequency cap is full until {until} UTC"
    if step.kind == "switch" and isinstance(step.output, dict):
        target = step.output.get("next")
        return f"jumped to {target}" if target else "no case matched: fell through"
    return _compact(step.output)


def on_error_summary(output: dict[str, Any]) -> str:
    """ "failed for good after 2 attempts, went on to offer: <message>" """
    found = output.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    attempts = error.get("attempts")
    tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
    return f"failed for good{tries}, went on to {output.get('next')}: {error.get('message')}"


def throttle_summary(output: dict[str, Any]) -> str:
    """ "throttled 2.4s, until 2026-01-05 09:00:02": how long a throttled action
    (or a send over the send rate) waited for its turn."""
    seconds = output.get("waited_seconds")
    waited = f"{seconds:.1f}s" if isinstance(seconds, int | float) and seconds < 60 else None
    if waited is None and isinstance(seconds, int | float):
        waited = format_duration(timedelta(seconds=round(seconds)))
    return f"throttled {waited}, until {_local(output.get('throttled_until'))}"


def local_time_summary(kind: str, output: dict[str, Any]) -> str:
    """ "deferred by quiet hours until 2026-01-06 08:00 Europe/Paris", or when a
    send window let the run go on, in the run's own local time."""
    if kind == "quiet_hours":
        return f"deferred by quiet hours until {_local(output.get('deferred_until'))}" + (
            f" {output['zone']}" if output.get("zone") else ""
        )
    return f"window open at {_local(output.get('opened_at'))}"


def _local(stamp: Any) -> str:
    # The core writes these instants with the run's own offset, so the wall
    # time in the text is the recipient's.
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    text = f"{moment:%Y-%m-%d %H:%M}"
    return text + (f":{moment.second:02d}" if moment.second else "")


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={_compact(item)}" for key, item in value.items())
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), default=str)
