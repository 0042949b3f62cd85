"""``flow run``: start one run of a campaign (for an event, or a cron tick) and
drive it in the foreground."""

from __future__ import annotations

import os
import tempfile
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from interpreter.cli.arguments import event_data, read_json_argument, split_pairs
from interpreter.cli.campaign_loading import campaigns_or_exit
from interpreter.cli.edge import Exit, at_the_edge
from interpreter.cli.options import db_option, format_option, secret_option
from interpreter.cli.output import offset, paint, status, to_json
from interpreter.cli.run_tick import (
    TICK_NOW,
    check_cron,
    fire_tick,
    no_event_given,
    tick_line,
    tick_moment,
    why_not_taken,
)
from interpreter.cli.timeline import (
    describe_error,
    run_started_at,
    step_kinds,
    timeline_entries,
    timeline_table,
    zone_line,
)
from interpreter.core.model import FINISHED
from interpreter.daemon.clock import RealClock, VirtualClock
from interpreter.daemon.cron import cron_triggers
from interpreter.daemon.email_setup import email_destination
from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import IngestResult
from interpreter.daemon.secrets import check_declared
from interpreter.daemon.setup import open_engine
from interpreter.daemon.signals import handling_signals
from interpreter.errors import UsageError
from interpreter.language.definitions import EventTrigger, Workflow
from interpreter.language.values import parse_timestamp
from interpreter.store import Store

# Where runs keep their files: the outbox is under it, in the working directory.
DATA_DIR = Path(".flow")
OUTBOX = DATA_DIR / "outbox"


@click.command("run")
@click.argument("workflow", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--event",
    "event_text",
    metavar="JSON|@FILE|-",
    help="The trigger event {name, data, id?}; name defaults to the campaign's trigger.",
)
@click.option(
    "--tick",
    "tick_text",
    is_flag=False,
    flag_value=TICK_NOW,
    metavar="[RFC3339]",
    help="Instead of --event, for a cron campaign: run its tick now, or as at "
    "TIME (e.g. 2026-03-30T09:00:00+02:00), with the flow/cron event the "
    "scheduler sends. Under --simulate the virtual clock starts at TIME.",
)
@click.option(
    "--simulate",
    is_flag=True,
    help="Virtual time: sleeps and timeouts pass at once. Uses a throwaway database "
    "unless --db is given, so real runs' timers are never fired early. Email "
    "goes to the outbox, whatever FLOW_SMTP_URL or Resend settings say.",
)
@click.option(
    "--deliver",
    is_flag=True,
    help="With --simulate: send email as the environment configures (SMTP, Resend) "
    "instead of to the outbox.",
)
@click.option(
    "--start",
    "start_text",
    metavar="RFC3339",
    help="With --simulate: the virtual clock's first moment, e.g. "
    "2026-01-05T22:30:00+01:00 (default: now).",
)
@click.option(
    "--also",
    "also",
    multiple=True,
    # Not click's exists=True: a missing path gets flow's one line, as WORKFLOW does.
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Other campaigns (files or folders) the run's events may start, such as "
    "a broadcast's per-recipient campaign; their runs are driven too (repeatable).",
)
@db_option
@secret_option
@format_option
@at_the_edge
def run(
    workflow: Path,
    event_text: str | None,
    tick_text: str | None,
    simulate: bool,
    deliver: bool,
    start_text: str | None,
    also: tuple[Path, ...],
    db_url: str | None,
    secret_pairs: tuple[str, ...],
    output_format: str,
) -> None:
    """Start a run of WORKFLOW for one event (or, with --tick, one cron tick)
    and drive it until it finishes.

    The campaign is linted first; lint errors stop here with exit 1. The exit
    status is 0 when the run completes and 1 when it fails or is cancelled.
    Under --simulate email is written to the outbox (.flow/outbox/) and never
    delivered, unless --deliver is given. --format json prints JSON Lines: one
    object per timeline entry {at, run, step, kind, status, attempt, output},
    then one summary {run, status, duration} (duration in seconds).

    \b
    Example:
      flow run workflows/signup-drip.yaml --event @workflows/events/signup-completed.event.json \\
          --secret APP_DATABASE_URL=sqlite:///workflows/demo/app.db --simulate
      flow run workflows/trial-expiry.yaml --simulate --start 2026-01-05T22:30:00+01:00 \\
          --event @workflows/events/trial-started-paris.event.json
      flow run workflows/weekly-newsletter.yaml --tick 2026-03-30T09:00:00+02:00 \\
          --secret APP_DATABASE_URL=sqlite:///workflows/demo/app.db --simulate
      flow run workflows/signup-drip.yaml --event @workflows/events/signup-completed.event.json \\
          --secret APP_DATABASE_URL=sqlite:///workflows/demo/app.db --simulate --format json \\
          | tail -n 1   # {"run": ..., "status": ..., "duration": ...}
    """
    if deliver and not simulate:
        raise UsageError("--deliver goes with --simulate; a real run delivers as configured")
    if event_text is not None and tick_text is not None:
        raise UsageError("--event and --tick: give one (an event, or a cron tick)")
    start = _virtual_start(start_text, simulate)
    payload = None if event_text is None else read_json_argument(event_text, "--event")
    secrets = split_pairs(secret_pairs, "--secret")
    campaigns = campaigns_or_exit(workflow)
    if len(campaigns) != 1:
        raise Exit(f"{workflow}: not a campaign file")
    (campaign,) = campaigns
    tick: datetime | None = None
    if tick_text is not None:
        check_cron(campaign)
        tick = tick_moment(tick_text, start or RealClock().now(), simulate)
    elif payload is None:
        raise no_event_given(campaign)
    name, data, event_id = ("", None, None) if tick is not None else _event_parts(payload, campaign)
    others = [c for path in also for c in campaigns_or_exit(path) if c.id != campaign.id]
    check_declared([campaign, *others], secrets)

    with tempfile.TemporaryDirectory(prefix="flow-simulate-") as scratch:
        if simulate and db_url is None:
            db_url = f"sqlite:///{scratch}/simulate.db"
        clock = VirtualClock(start or tick or RealClock().now()) if simulate else RealClock()
        engine = open_engine(
            [campaign, *others],
            db_url=db_url,
            secrets=secrets,
            clock=clock,
            data_dir=DATA_DIR,
            deliver=deliver or not simulate,
        )
        started: str | None = None
        try:
            if tick is not None:
                run_id = fire_tick(engine, campaign, tick)
                if output_format != "json":
                    click.echo(tick_line(campaign, tick))
            else:
                run_id = _event_run(engine, campaign, name, data, event_id)
            if isinstance(clock, VirtualClock):
                engine.run_virtual(clock)
            else:
                _drive_in_foreground(engine, run_id)
            detail = engine.store.get_run(run_id)
            started = _other_runs(engine.store, run_id) if others else None
        finally:
            engine.store.close()
    _report(detail, output_format, simulate, step_kinds(campaign))
    if started is not None and output_format != "json":
        click.echo(f"other runs it started: {started}")
    _email_note(detail, output_format, rehearsal=simulate and not deliver)
    # A run its goal ended (``converted``) worked as well as one that completed.
    if detail.run.status not in ("completed", "converted"):
        raise click.exceptions.Exit(1)


def _event_run(
    engine: Engine, campaign: Workflow, name: str, data: Any, event_id: str | None
) -> str:
    """Send the event; the run it started, or a clear line why there is none."""
    result = engine.ingest(name, data, event_id=event_id)
    if result.debounced:
        click.echo(f"flow: event {result.event_id} debounced; waiting for its burst", err=True)
        result = _burst_started(engine, campaign.id, result)
    if not result.started:
        raise Exit(f"no run started: {why_not_taken(campaign, name, result)}")
    return result.started[0]


def _other_runs(store: Store, run_id: str) -> str:
    """The runs besides ``run_id`` (the children of a fan-out), by status."""
    counts = Counter(r.status for r in store.list_runs(limit=1_000_000) if r.id != run_id)
    total = sum(counts.values())
    return f"{total:,}" + "".join(f", {n:,} {status}" for status, n in sorted(counts.items()))


def _virtual_start(text: str | None, simulate: bool) -> datetime | None:
    if text is None:
        return None
    if not simulate:
        raise UsageError("--start sets the virtual clock; it needs --simulate")
    moment = parse_timestamp(text)
    if moment is None:
        raise UsageError(
            f"--start: {text!r} is not an RFC 3339 time with an offset, "
            "such as 2026-01-05T22:30:00+01:00"
        )
    return moment.astimezone(UTC)


def _event_parts(payload: Any, campaign: Workflow) -> tuple[str, Any, str | None]:
    if not isinstance(payload, dict):
        raise UsageError("--event: expected a JSON object {name, data}")
    name = payload.get("name")
    if name is None:
        triggers = [t.event for t in campaign.triggers if isinstance(t, EventTrigger)]
        if not triggers:
            if cron_triggers(campaign):
                raise no_event_given(campaign)
            raise UsageError("--event: give a name; the campaign has no event trigger")
        name = triggers[0]
    if not isinstance(name, str) or not name:
        raise UsageError("--event: 'name' must be a non-empty string")
    data = event_data(payload.get("data"), "--event: 'data'")
    event_id = payload.get("id")
    if event_id is not None and not isinstance(event_id, str):
        raise UsageError("--event: 'id' must be a string")
    return name, data, event_id


def _burst_started(engine: Engine, campaign_id: str, result: IngestResult) -> IngestResult:
    """Drive until the event's burst has started its run (on virtual time, at
    once); the result with that run, or with none if the entry rules refused it."""
    stop = threading.Event()
    with handling_signals(stop.set, stopping="leaving the burst to `flow worker`"):
        while not stop.is_set():
            engine.drive_once()
            runs = engine.store.list_runs(workflow_id=campaign_id, limit=10)
            mine = [run.id for run in runs if run.trigger_event_id == result.event_id]
            if mine:
                return replace(result, started=(mine[0],))
            wake = engine.next_wake_at()
            if wake is None:
                return result
            clock = engine.clock
            if isinstance(clock, VirtualClock):
                clock.advance_to(max(wake, clock.now()))
            else:
                stop.wait(min(max((wake - clock.now()).total_seconds(), 0.0), 1.0))
    raise Exit("flow: the burst is pending; `flow worker` will start its run")


def _drive_in_foreground(engine: Engine, run_id: str) -> None:
    """Real time: drive until the run finishes; Ctrl-C leaves it parked."""
    stop = threading.Event()
    with handling_signals(stop.set, stopping="finishing the batch in hand"):
        while not stop.is_set():
            if engine.drive_once():
                continue
            if engine.store.get_run(run_id).run.status in FINISHED:
                return
            next_wake = engine.next_wake_at()
            wait = timedelta(seconds=1) if next_wake is None else next_wake - engine.clock.now()
            stop.wait(min(max(wait.total_seconds(), 0.0), 1.0))
        click.echo(f"flow: run {run_id} parked; `flow worker` will continue it", err=True)


def _report(detail: Any, output_format: str, simulate: bool, kinds: dict[str, str]) -> None:
    run = detail.run
    elapsed = detail.steps[-1].finished_at if detail.steps else run.updated_at
    took = elapsed - run_started_at(detail)
    if output_format == "json":
        for entry in timeline_entries(detail):
            click.echo(to_json(entry))
        # The last line says how it ended, so a script reads the outcome
        # without replaying the timeline (and knows the stream is complete).
        click.echo(to_json({"run": run.id, "status": run.status, "duration": took}))
        return
    click.echo(
        f"run {paint(run.id, bold=True)}  campaign {run.workflow_id}"
        + ("  (virtual time)" if simulate else "")
    )
    # Only for campaigns that chose a zone: the seed campaign's output stays as it was.
    if not str(run.state.get("timezone_why", "the default")).startswith("the default"):
        click.echo(f"timezone {zone_line(detail)}")
    click.echo(timeline_table(detail, kinds))
    click.echo(f"{status(run.status)} after {offset(took)[1:]}")
    if run.status == "failed":
        click.echo(f"error in {describe_error(run.state.get('error'))}", err=True)


def _email_note(detail: Any, output_format: str, *, rehearsal: bool) -> None:
    """Where the run's emails went, so nobody wonders whether they were sent:
    a rehearsal's to the outbox, else wherever the environment's email set-up
    sends them (``email_destination``, the line `flow worker` starts with)."""
    written = sum(
        1
        for step in detail.steps
        if step.kind == "email.send"
        and step.status == "ok"
        and isinstance(step.output, dict)
        and "skipped" not in step.output
    )
    if not written:
        return
    emails = f"{written} email{'s' * (written != 1)}"
    if rehearsal:
        note = f"{emails} written to {OUTBOX}/, none delivered (--deliver sends them)"
    else:
        note = f"{emails} handed to {email_destination(os.environ, DATA_DIR)}"
    click.echo(note, err=output_format == "json")
