"""Rules about triggers: a cron schedule's shape and its time zone."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from interpreter.language.definitions import CronTrigger
from interpreter.language.lint.context import LintContext
from interpreter.language.problems import Problem


def cron_triggers(context: LintContext) -> Iterator[Problem]:
    data = context.document.data
    source = context.document.source
    for i, trigger in enumerate(context.workflow.triggers):
        if not isinstance(trigger, CronTrigger):
            continue
        base = ("on", i) if isinstance(data["on"], list) else ("on",)
        if len(trigger.cron.split()) != 5:
            yield Problem.at(
                source.value((*base, "cron")),
                "bad-cron",
                f"{trigger.cron!r} is not a five-field cron schedule such as '0 9 * * 1'",
            )
        try:
            ZoneInfo(trigger.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            yield Problem.at(
                source.value((*base, "timezone")),
                "bad-timezone",
                f"{trigger.timezone!r} is not an IANA time zone such as 'Europe/Paris'",
            )
