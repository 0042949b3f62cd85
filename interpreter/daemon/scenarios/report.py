"""A scenario's outcome as text lines: what was expected against what happened,
with times as offsets from the scenario's start (``+1d2h``).

Each line carries a ``kind`` so that a terminal surface can colour it; the text
itself reads the same without colour.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from interpreter.daemon.scenarios.compare import MISSING, Difference, DiffLine
from interpreter.daemon.scenarios.history import HappenedAction
from interpreter.daemon.scenarios.runner import ScenarioResult
from interpreter.language.durations import format_duration
from interpreter.language.scenario import ExpectedAction
from interpreter.language.values import rfc3339

LineKind = Literal["same", "missing", "extra", "changed", "allowed", "note", "error"]
_KIND: dict[str, LineKind] = {
    " ": "same",
    "-": "missing",
    "+": "extra",
    "~": "changed",
    ".": "allowed",
}
_CLIP = 60


@dataclass(frozen=True)
class ReportLine:
    kind: LineKind
    text: str


def offset(delta: timedelta) -> str:
    return f"+{format_duration(delta)}"


def failure_report(result: ScenarioResult) -> list[ReportLine]:
    """Why ``result`` failed, for the author: the action listing and every other reason."""
    lines: list[ReportLine] = []
    if result.error is not None:
        lines.append(ReportLine("error", f"error: {result.error}"))
    verdict = result.verdict
    action_lines = verdict.lines
    if any(line.sign not in (" ", ".") for line in action_lines) or result.error is not None:
        lines.append(ReportLine("note", _legend(result)))
        lines.extend(_listing(action_lines))
        if not action_lines:
            lines.append(ReportLine("note", "  (no action happened)"))
    for mismatch in verdict.run_counts:
        others = (
            ", ".join(
                f"{count} {status}"
                for status, count in sorted(verdict.counts.items())
                if status != "total"
            )
            or "none"
        )
        lines.append(
            ReportLine(
                "changed",
                f"runs: expected {mismatch.expected} {mismatch.status}, "
                f"happened {mismatch.happened} (runs: {others})",
            )
        )
    if verdict.conversions is not None:
        expected, happened = verdict.conversions
        lines.append(
            ReportLine("changed", f"conversions: expected {expected}, happened {happened}")
        )
    for run in result.runs:
        if run.error is not None:
            lines.append(ReportLine("note", f"run {run.id} failed in {run.error}"))
    return lines


def _legend(result: ScenarioResult) -> str:
    start = rfc3339(result.scenario.start)
    return f"actions: expected (-) against what happened (+), times from {start}:"


def _listing(diff: tuple[DiffLine, ...]) -> list[ReportLine]:
    width = max((len(_step_of(line)) for line in diff), default=0)
    lines: list[ReportLine] = []
    for line in diff:
        kind = _KIND[line.sign]
        sign = " " if line.sign == "." else line.sign
        if line.happened is not None:
            text = _happened_text(line.happened, width)
        else:
            assert line.expected is not None
            text = _expected_text(line.expected, width)
        lines.append(ReportLine(kind, f"  {sign} {text}"))
        if line.sign == "~":
            assert line.expected is not None
            for difference in line.differences:
                lines.append(ReportLine("changed", f"        {_difference_text(difference)}"))
            where = line.expected.location.line
            lines.append(ReportLine("note", f"        (expected at line {where})"))
    return lines


def _step_of(line: DiffLine) -> str:
    if line.happened is not None:
        return line.happened.step
    assert line.expected is not None
    return line.expected.step or "(any step)"


def _happened_text(action: HappenedAction, width: int) -> str:
    head = f"{offset(action.at):<7} {action.step:<{width}}  {action.action:<11}"
    if action.status == "error":
        message = action.error.get("message") if isinstance(action.error, dict) else action.error
        attempt = f" (attempt {action.attempt})" if action.attempt > 1 else ""
        return f"{head} failed{attempt}: {_clip(str(message))}"
    if action.action == "email.send" and isinstance(action.with_, dict):
        # Who and what tell emails apart; an email's output is only its ids.
        shown = {key: action.with_[key] for key in ("to", "subject") if key in action.with_}
        summary = _compact(shown)
    elif action.output is not None:
        summary = f"output {_compact(action.output)}"
    else:
        summary = _compact(action.with_)
    return f"{head} {_clip(summary)}".rstrip()


def _expected_text(entry: ExpectedAction, width: int) -> str:
    at = offset(entry.at) if entry.at is not None else "?"
    parts = [f"{at:<7} {(entry.step or '(any step)'):<{width}}  {(entry.action or ''):<11}"]
    for key, value in (("with", entry.with_), ("output", entry.output), ("error", entry.error)):
        if key in entry.given:
            parts.append(f"{key} {_clip(_compact(value))}")
    if "attempt" in entry.given:
        parts.append(f"attempt {entry.attempt}")
    return " ".join(parts) + f"   (line {entry.location.line}: expected, did not happen)"


def _difference_text(difference: Difference) -> str:
    expected, happened = difference.expected, difference.happened
    if isinstance(expected, timedelta):
        return f"{difference.field}: expected {offset(expected)}, happened {offset(happened)}"
    shown = "nothing (no such key)" if happened is MISSING else _json(happened)
    if difference.field == "error" and happened is MISSING:
        shown = "no error (the action succeeded)"
    return f"{difference.field}: expected {_json(expected)}, happened {shown}"


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{key}={_compact_value(item)}" for key, item in value.items())
    return _json(value)


def _compact_value(value: Any) -> str:
    if isinstance(value, str) and " " not in value and value:
        return value
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _clip(text: str) -> str:
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"
