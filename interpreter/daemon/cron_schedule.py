"""A campaign's cron schedules as data and as its author wrote them. Apart from
``cron.py`` (which drives the engine) so that what only reads a definition,
such as why an event started no run, can name the schedule without a cycle."""

from __future__ import annotations

from interpreter.language.definitions import CronTrigger, Workflow


def cron_triggers(workflow: Workflow) -> list[CronTrigger]:
    return [trigger for trigger in workflow.triggers if isinstance(trigger, CronTrigger)]


def describe_schedule(workflow: Workflow) -> str:
    """The campaign's cron schedules as its author wrote them, e.g.
    ``0 9 * * MON, Europe/Paris``; several are joined with "; "."""
    return "; ".join(f"{t.cron}, {t.timezone}" for t in cron_triggers(workflow))
