"""Cron triggers: which ticks of a schedule are due, and the scheduler that
fires each of them once across every daemon sharing the database.

A tick is claimed with ``claim_cron_tick`` in the transaction that starts its
run (``Engine.fire_cron_tick``), so exactly one daemon wins it and a tick is
never taken without its run.

Where a campaign's schedule resumes:

- In a running daemon, from the moment it last looked: every tick in between
  is fired, so a busy or briefly paused loop misses none.
- After a restart, from the latest tick any daemon claimed for the campaign
  (the ``cron_ticks`` rows). Ticks missed while no daemon ran are caught up,
  but only the most recent ``catch_up`` of them (default 1): a weekly email
  is sent once after an outage, not once for every week that was missed.
- A campaign that never fired starts counting when the daemon first sees it.

The scheduler is handed ``now``; only the serve loop reads the real clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter  # type: ignore[import-untyped]  # croniter ships no types

from interpreter.daemon.cron_schedule import cron_triggers, describe_schedule
from interpreter.daemon.engine import Engine
from interpreter.language.definitions import CronTrigger, Workflow

log = logging.getLogger("flow.cron")

# However many ticks a restart missed, at most this many are fired (the latest).
DEFAULT_CATCH_UP = 1


def recent_ticks(
    trigger: CronTrigger, after: datetime, upto: datetime, limit: int
) -> list[datetime]:
    """The latest ``limit`` ticks of ``trigger`` in (after, upto], oldest first, in UTC.

    Walked backwards from ``upto``, so a long outage costs ``limit`` steps, not
    one per tick missed."""
    zone = ZoneInfo(trigger.timezone)
    # croniter's get_prev excludes its start; start a second later so that a
    # tick at exactly ``upto`` counts, and drop anything past ``upto``.
    schedule = croniter(trigger.cron, (upto + timedelta(seconds=1)).astimezone(zone))
    ticks: list[datetime] = []
    while len(ticks) < limit:
        tick = _utc(schedule.get_prev(datetime))
        if tick <= after:
            break
        if tick <= upto:
            ticks.append(tick)
    return ticks[::-1]


def next_tick(trigger: CronTrigger, after: datetime) -> datetime:
    """The first tick of ``trigger`` strictly after ``after``, in UTC."""
    schedule = croniter(trigger.cron, after.astimezone(ZoneInfo(trigger.timezone)))
    return _utc(schedule.get_next(datetime))


def ticks_within(
    trigger: CronTrigger, since: datetime, before: datetime, limit: int
) -> list[datetime]:
    """The ticks of ``trigger`` in [since, before), oldest first, in UTC, at most
    ``limit`` + 1 of them (so a caller can tell that there are too many): the
    ticks a scenario plays (``until: 3w`` from a Monday sees three Mondays)."""
    ticks: list[datetime] = []
    # Ticks fall on whole minutes: a microsecond back makes ``since`` itself count.
    tick = next_tick(trigger, since - timedelta(microseconds=1))
    while tick < before and len(ticks) <= limit:
        ticks.append(tick)
        tick = next_tick(trigger, tick)
    return ticks


def upcoming_tick(workflow: Workflow, now: datetime) -> datetime | None:
    """The campaign's next tick after ``now`` (the earliest of its schedules), or
    None for a campaign without cron."""
    return min((next_tick(t, now) for t in cron_triggers(workflow)), default=None)


@dataclass(frozen=True)
class Fired:
    campaign: str
    tick: datetime
    run_id: str | None  # None: another daemon had the tick


class CronScheduler:
    """Fires the due ticks of the campaigns an engine knows. Not thread-safe:
    one scheduler loop per daemon calls ``fire_due``."""

    def __init__(self, engine: Engine, *, catch_up: int = DEFAULT_CATCH_UP) -> None:
        self.engine = engine  # its campaigns are swapped on reload; progress is kept
        self.catch_up = catch_up
        self._progress: dict[str, datetime] = {}

    def fire_due(self, now: datetime) -> list[Fired]:
        """Claim and start every tick due by ``now`` that was not processed yet."""
        fired: list[Fired] = []
        for workflow in self.engine.campaigns.current():
            triggers = cron_triggers(workflow)
            if not triggers:
                continue
            since = self._resume_point(workflow.id, now)
            if since >= now:
                continue
            ticks = sorted(
                {
                    tick
                    for trigger in triggers
                    for tick in recent_ticks(trigger, since, now, self.catch_up)
                }
            )[-self.catch_up :]
            for tick in ticks:
                run_id = self.engine.fire_cron_tick(workflow, tick)
                fired.append(Fired(workflow.id, tick, run_id))
                if run_id is not None:
                    log.info(
                        "cron %s: tick %s started run %s",
                        workflow.id,
                        tick.isoformat(),
                        run_id,
                        extra={"campaign": workflow.id, "tick": tick.isoformat(), "run": run_id},
                    )
            self._progress[workflow.id] = now
        return fired

    def next_due(self, now: datetime) -> datetime | None:
        """When the next tick of any known campaign falls, or None without cron."""
        upcoming = [upcoming_tick(workflow, now) for workflow in self.engine.campaigns.current()]
        return min((tick for tick in upcoming if tick is not None), default=None)

    def _resume_point(self, workflow_id: str, now: datetime) -> datetime:
        known = self._progress.get(workflow_id)
        if known is not None:
            return known
        with self.engine.store.reading() as tx:
            latest = tx.latest_cron_tick(workflow_id)
        if latest is None:
            log.info("cron %s: never fired; counting from %s", workflow_id, now.isoformat())
            self._progress[workflow_id] = now
            return now
        return _utc(latest)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


__all__ = ["cron_triggers", "describe_schedule"]
