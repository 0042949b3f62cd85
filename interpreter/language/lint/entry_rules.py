"""Rules about when runs start: ``entry`` (or ``idempotency``) and ``debounce``.

A ``period``, ``timeout`` or ``reentry_after`` that is not a positive duration
is ``bad-duration``, reported while building; the keys' CEL is checked with
every other expression (``expression_rules``).
"""

from __future__ import annotations

from collections.abc import Iterator

from interpreter.language.definitions import EventTrigger
from interpreter.language.durations import DurationError, format_duration, parse_duration
from interpreter.language.lint.context import LintContext
from interpreter.language.problems import Problem


def entry_and_idempotency(context: LintContext) -> Iterator[Problem]:
    data = context.document.data
    if "entry" in data and "idempotency" in data:
        yield Problem.at(
            context.document.source.key(("idempotency",)),
            "entry-and-idempotency",
            "`idempotency` and `entry` both set the key runs are compared by; "
            "keep `entry` and move the key into it as `entry: {key: ...}`",
        )


def debounce_rules(context: LintContext) -> Iterator[Problem]:
    workflow = context.workflow
    rule = workflow.debounce
    if rule is None:
        return
    if not any(isinstance(trigger, EventTrigger) for trigger in workflow.triggers):
        yield Problem.at(
            rule.location,
            "debounce-without-events",
            "`debounce` applies to trigger events and this campaign has only cron "
            "triggers; remove it",
            "warning",
        )
    if rule.timeout is not None and rule.timeout <= rule.period and _both_read(context):
        yield Problem.at(
            context.document.source.value(("debounce", "timeout")),
            "debounce-timeout-within-period",
            f"a timeout of {format_duration(rule.timeout)} is not longer than the period "
            f"({format_duration(rule.period)}), so every run starts {format_duration(rule.timeout)}"
            " after a burst's first event; make it longer or remove it",
            "warning",
        )


def _both_read(context: LintContext) -> bool:
    """Whether period and timeout are durations as written (else building
    reported ``bad-duration`` and left a placeholder not worth comparing)."""
    written = context.document.data["debounce"]
    try:
        parse_duration(str(written["period"]))
        parse_duration(str(written["timeout"]))
    except DurationError:
        return False
    return True
