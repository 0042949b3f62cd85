"""The run's local time: which zone it lives in, and when quiet hours and send
windows let it go on. Decisions only; ``_steps`` and ``advance`` apply them to
the state, as for any other step.

The zone is fixed once, at run start: an address book that changes a user's
zone later must not move a run's windows under it halfway through.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from interpreter.core.model import JSON, RunState
from interpreter.errors import ExpressionError
from interpreter.language import cel
from interpreter.language.definitions import QuietHours, WaitForWindowStep, Workflow
from interpreter.language.local_time import next_window, quiet_until, zone_named
from interpreter.language.templating import expressions_in

UTC_ZONE = ZoneInfo("UTC")


def resolve_timezone(workflow: Workflow, scope: Mapping[str, Any]) -> tuple[str, str]:
    """The run's zone name and why it is that one.

    A ``timezone`` that fails, gives null, an empty string, a non-string or a
    name that is no zone falls back: many users have no zone on file, and that
    is not an error.
    """
    fallback = workflow.timezone_fallback
    template = workflow.timezone
    if template is None:
        default = "the default" if fallback == "UTC" else "timezone_fallback"
        return fallback, f"{default}; the campaign sets no timezone"
    try:
        value = cel.render(template, scope)
    except ExpressionError as error:
        return fallback, f"fallback: timezone failed: {error.message}"
    if value is None:
        return fallback, "fallback: the timezone is null"
    if not isinstance(value, str):
        return fallback, f"fallback: {json.dumps(value, default=str)} is not a string"
    if not value.strip():
        return fallback, "fallback: the timezone is an empty string"
    if zone_named(value) is None:
        return fallback, f"fallback: {value!r} is not a time zone"
    return value, _source(template)


def _source(template: Any) -> str:
    expressions = expressions_in(template)
    if not expressions:
        return "set by the campaign"
    if all(expression.source.strip().startswith("event.") for expression in expressions):
        return "from the event"
    return "from the campaign's timezone expression"


def run_zone(state: RunState) -> ZoneInfo:
    # A stored name that no longer resolves (tzdata lost a zone) reads as UTC
    # rather than failing a run that has already started.
    return zone_named(state.timezone) or UTC_ZONE


def spread_share(run_id: str, spread: timedelta) -> timedelta:
    """A whole number of seconds in ``[0, spread)``, the same for every call with
    this run id, so that deferred steps leave spread out and replays agree."""
    seconds = int(spread.total_seconds())
    if seconds <= 0:
        return timedelta(0)
    digest = hashlib.sha256(run_id.encode("utf-8")).digest()
    return timedelta(seconds=int.from_bytes(digest[:8], "big") % seconds)


def quiet_deferral(quiet: QuietHours, state: RunState, now: datetime) -> datetime | None:
    """When a step due ``now`` may go on, or None if ``now`` is not in quiet hours."""
    ends = quiet_until(now, run_zone(state), quiet.start, quiet.end)
    if ends is None:
        return None
    return ends + spread_share(state.run_id, quiet.spread)


def window_opening(step: WaitForWindowStep, state: RunState, now: datetime) -> datetime | None:
    """None when ``now`` is inside one of the step's windows, else when the next opens."""
    return next_window(now, run_zone(state), step.days, step.opens, step.closes)


def local_rfc3339(moment: datetime, state: RunState) -> JSON:
    """An instant in RFC 3339 with the run's own offset: ``2026-01-06T08:00:00+01:00``."""
    return moment.astimezone(run_zone(state)).isoformat()
