"""Rules about local time: the run's zone, quiet hours and send windows.

The schema only knows these are strings and lists; these rules say what is
wrong with them (``25:00``, ``from == to``, ``"monday"``) at the exact value.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from interpreter.language.durations import DurationError, parse_duration
from interpreter.language.lint.context import LintContext
from interpreter.language.local_time import DAY_NAMES, parse_clock, zone_named
from interpreter.language.problems import Problem
from interpreter.language.schema_check import suggest
from interpreter.language.templating import has_template
from interpreter.language.yaml_source import JsonPath

_DAY = timedelta(days=1)


def _clocks(context: LintContext) -> Iterator[tuple[JsonPath, Any]]:
    """Every local time the campaign writes, with its path."""
    data = context.document.data
    quiet = data.get("quiet_hours")
    if isinstance(quiet, dict):
        for key in ("from", "to"):
            if key in quiet:
                yield ("quiet_hours", key), quiet[key]
    for i, step in enumerate(data.get("steps", [])):
        window = step.get("wait_for_window") if isinstance(step, dict) else None
        if isinstance(window, dict):
            for k, value in enumerate(window.get("between", [])):
                yield ("steps", i, "wait_for_window", "between", k), value


def bad_times(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for path, value in _clocks(context):
        if parse_clock(value) is None:
            yield Problem.at(
                source.value(path),
                "bad-time",
                f"{value!r} is not a time of day; write HH:MM on a 24-hour clock, as in '08:00'",
            )


def bad_windows(context: LintContext) -> Iterator[Problem]:
    data = context.document.data
    source = context.document.source
    quiet = data.get("quiet_hours")
    if isinstance(quiet, dict):
        start, end = parse_clock(quiet.get("from")), parse_clock(quiet.get("to"))
        if start is not None and start == end:
            yield Problem.at(
                source.value(("quiet_hours", "to")),
                "bad-window",
                "quiet hours from and to are the same time; give the hour they end, "
                "as in from: '21:00', to: '08:00'",
            )
        elif start is not None and end is not None:
            yield from _spread(context, quiet, start, end)
    for i, step in enumerate(data.get("steps", [])):
        window = step.get("wait_for_window") if isinstance(step, dict) else None
        if isinstance(window, dict):
            yield from _window(context, ("steps", i, "wait_for_window"), window)


def _spread(context: LintContext, quiet: dict[str, Any], start: Any, end: Any) -> Iterator[Problem]:
    # A deferred step goes on at `to` + its share of `spread`; a spread reaching
    # into the next quiet hours would defer it again, day after day.
    try:
        spread = parse_duration(str(quiet.get("spread", "0s")), allow_zero=True)
    except DurationError:
        return  # bad-duration says so
    day = datetime(2000, 1, 1)
    awake = (datetime.combine(day, start) - datetime.combine(day, end)) % _DAY
    if spread >= awake:
        yield Problem.at(
            context.document.source.value(("quiet_hours", "spread")),
            "bad-window",
            f"spread {quiet['spread']} reaches into the next quiet hours; "
            f"keep it shorter than the {_hours(awake)} between to and from",
        )


def _hours(span: timedelta) -> str:
    hours, rest = divmod(int(span.total_seconds()) // 60, 60)
    return f"{hours}h{rest:02d}m" if rest else f"{hours}h"


def _window(context: LintContext, path: JsonPath, window: dict[str, Any]) -> Iterator[Problem]:
    source = context.document.source
    days = window.get("days")
    if isinstance(days, list):
        if not days:
            yield Problem.at(
                source.value((*path, "days")),
                "bad-window",
                "the window opens on no day; list days such as [mon, tue, wed, thu, fri] "
                "or leave days out for every day",
            )
        for k, day in enumerate(days):
            if day not in DAY_NAMES:
                hint = suggest(str(day).lower()[:3], DAY_NAMES) or f"; use {', '.join(DAY_NAMES)}"
                yield Problem.at(
                    source.value((*path, "days", k)),
                    "bad-window",
                    f"{day!r} is not a day name{hint}",
                )
    between = window.get("between")
    if isinstance(between, list) and len(between) == 2:
        opens, closes = parse_clock(between[0]), parse_clock(between[1])
        if opens is not None and opens == closes:
            yield Problem.at(
                source.value((*path, "between", 1)),
                "bad-window",
                "the window opens and closes at the same time; give when it closes, "
                "as in ['09:00', '11:30'], or leave between out for the whole day",
            )


def timezones(context: LintContext) -> Iterator[Problem]:
    data = context.document.data
    source = context.document.source
    # The fallback must be a zone: it is what every run without one uses. A
    # literal `timezone` (no ${ }) can only be a typo when it is not a zone.
    for key in ("timezone_fallback", "timezone"):
        value = data.get(key)
        if not isinstance(value, str) or (key == "timezone" and has_template(value)):
            continue
        if zone_named(value) is None:
            yield Problem.at(
                source.value((key,)),
                "bad-timezone",
                f"{value!r} is not an IANA time zone such as 'Europe/Paris'",
            )


def quiet_hours_on_steps(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for i, step in enumerate(context.document.data.get("steps", [])):
        if isinstance(step, dict) and "quiet_hours" in step and "action" not in step:
            yield Problem.at(
                source.key(("steps", i, "quiet_hours")),
                "quiet-hours-not-action",
                f"step {step.get('id')!r} is not an action, and quiet hours only hold "
                "actions back; remove its quiet_hours",
            )
