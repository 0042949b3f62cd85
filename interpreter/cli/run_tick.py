"""``flow run CAMPAIGN --tick [TIME]``: a cron campaign's tick, run now or as
at TIME, with the ``flow/cron`` event the daemon's scheduler sends (the tick is
claimed as the scheduler claims it, so a tick is never run twice), and the
words ``flow run`` uses when a campaign is cron and no tick was asked for."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from interpreter.cli.edge import Exit
from interpreter.daemon.cron import cron_triggers, describe_schedule
from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import IngestResult
from interpreter.errors import UsageError
from interpreter.language.definitions import EventTrigger, Workflow
from interpreter.language.values import parse_timestamp

# What ``--tick`` holds when it is given without a TIME.
TICK_NOW = "now"
EXAMPLE_TIME = "2026-03-30T09:00:00+02:00"


def tick_moment(text: str, now: datetime, simulate: bool) -> datetime:
    """The tick ``--tick`` asks for: ``now`` (to the second, as the event id
    shows it) or TIME. A real run's tick cannot lie ahead: claimed in the real
    database, it would hold the scheduler back until then."""
    if text == TICK_NOW:
        return now.astimezone(UTC).replace(microsecond=0)
    moment = parse_timestamp(text)
    if moment is None:
        raise UsageError(
            f"--tick: {text!r} is not an RFC 3339 time with an offset, such as {EXAMPLE_TIME}"
        )
    moment = moment.astimezone(UTC)
    if not simulate and moment > now:
        raise UsageError(
            f"--tick: {text} is in the future; a real run's tick is now or past "
            "(rehearse a later one with --simulate)"
        )
    return moment


def check_cron(campaign: Workflow) -> None:
    if not cron_triggers(campaign):
        raise UsageError(
            f"--tick: {campaign.id} has no cron trigger; start it with --event instead"
        )


def fire_tick(engine: Engine, campaign: Workflow, tick: datetime) -> str:
    """Start the tick's run, as the scheduler does; the run's id."""
    run_id = engine.fire_cron_tick(campaign, tick)
    if run_id is None:
        raise Exit(
            f"no run started: the tick at {tick.isoformat()} was already taken "
            "(by the scheduler or an earlier --tick), or the campaign's entry rules refused it"
        )
    return run_id


def tick_line(campaign: Workflow, tick: datetime) -> str:
    """The tick in UTC and in the schedule's own zone, as its author reads it."""
    zone = cron_triggers(campaign)[0].timezone
    local = tick.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")
    return f"flow/cron tick {tick.isoformat()} ({local}, {zone})"


def no_event_given(campaign: Workflow) -> UsageError:
    """``flow run`` with neither --event nor --tick."""
    if cron_triggers(campaign):
        also = (
            ", or send an event with --event"
            if any(isinstance(t, EventTrigger) for t in campaign.triggers)
            else ""
        )
        return UsageError(
            f"{campaign.id} is a cron campaign ({describe_schedule(campaign)}): "
            f"run its tick with --tick (now) or --tick {EXAMPLE_TIME}{also}"
        )
    return UsageError("--event is required: the trigger event {name, data, id?}")


def why_not_taken(campaign: Workflow, name: str, result: IngestResult) -> str:
    """Why an event started no run, in the words that help: a cron campaign
    that no event of that name triggers is told to use --tick."""
    if result.duplicate:
        return "the event was not taken, because of a duplicate event id"
    listened = {t.event for t in campaign.triggers if isinstance(t, EventTrigger)}
    if name not in listened:
        if cron_triggers(campaign):
            return (
                f"{campaign.id} is a cron campaign ({describe_schedule(campaign)}) and no "
                f"trigger of it takes {name!r}: run its tick with --tick [TIME]"
            )
        return f"no trigger of {campaign.id} takes {name!r}"
    mine = [c for c in result.campaigns if c.campaign == campaign.id and c.reason is not None]
    if mine:  # its own reason: the `if` that was false, the key that failed or is taken
        return mine[0].line
    return f"{campaign.id} started no run for {name!r}"
