"""``flow run``: start one run of a campaign and drive it in the foreground."""

from __future__ import annotations

import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from interpreter.cli.arguments import read_json_argument, split_pairs
from interpreter.cli.edge import Exit, at_the_edge
from interpreter.cli.output import offset, paint, status, to_json
from interpreter.cli.timeline import (
    describe_error,
    run_started_at,
    timeline_entries,
    timeline_table,
    zone_line,
)
from interpreter.core._steps import parse_timestamp
from interpreter.core.model import FINISHED
from interpreter.daemon.clock import RealClock, VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.setup import CampaignErrors, load_campaigns, open_engine
from interpreter.daemon.worker import stop_on_signals
from interpreter.errors import UsageError
from interpreter.language.definitions import EventTrigger, Workflow


@click.command("run")
@click.argument("workflow", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--event", "event_text", required=True, metavar="JSON|@FILE|-",
              help="The trigger event {name, data, id?}; name defaults to the campaign's trigger.")
@click.option("--simulate", is_flag=True,
              help="Virtual time: sleeps and timeouts pass at once. Uses a throwaway database "
                   "unless --db is given, so real runs' timers are never fired early.")
@click.option("--start", "start_text", metavar="RFC3339",
              help="With --simulate: the virtual clock's first moment, e.g. "
                   "2026-01-05T22:30:00+01:00 (default: now).")
@click.option("--db", "db_url", envvar="FLOW_DATABASE_URL", metavar="URL",
              help="SQLAlchemy database URL [env FLOW_DATABASE_URL; default .flow/flow.db].")
@click.option("--secret", "secret_pairs", multiple=True, metavar="NAME=VALUE",
              help="A secret the campaign declares (repeatable); else read from the environment.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one object per timeline entry.")
@at_the_edge
def run(
    workflow: Path,
    event_text: str,
    simulate: bool,
    start_text: str | None,
    db_url: str | None,
    secret_pairs: tuple[str, ...],
    output_format: str,
) -> None:
    """Start a run of WORKFLOW for one event and drive it until it finishes.

    The campaign is linted first; lint errors stop here with exit 1. The exit
    status is 0 when the run completes and 1 when it fails or is cancelled.

    \b
    Example:
      flow run workflows/signup-drip.yaml --event @workflows/events/signup.json \\
          --secret APP_DATABASE_URL=sqlite:///workflows/demo/app.db --simulate
      flow run workflows/trial-expiry.yaml --event @workflows/events/trial-paris.json \\
          --simulate --start 2026-01-05T22:30:00+01:00
    """
    start = _virtual_start(start_text, simulate)
    payload = read_json_argument(event_text, "--event")
    secrets = split_pairs(secret_pairs, "--secret")
    try:
        (campaign,) = load_campaigns([workflow])
    except CampaignErrors as errors:
        for problem in errors.problems:
            click.echo(problem.as_text(), err=True)
        raise Exit(f"{workflow}: fix the lint errors above first") from None
    name, data, event_id = _event_parts(payload, campaign)

    with tempfile.TemporaryDirectory(prefix="flow-simulate-") as scratch:
        if simulate and db_url is None:
            db_url = f"sqlite:///{scratch}/simulate.db"
        clock = VirtualClock(start or RealClock().now()) if simulate else RealClock()
        engine = open_engine([campaign], db_url=db_url, secrets=secrets, clock=clock)
        try:
            result = engine.ingest(name, data, event_id=event_id)
            if not result.started:
                why = "a duplicate event id" if result.duplicate else (
                    "its `if` filter or idempotency key (a run with that key exists)")
                raise Exit(f"no run started: the event was not taken, because of {why}")
            run_id = result.started[0]
            if isinstance(clock, VirtualClock):
                engine.run_virtual(clock)
            else:
                _drive_in_foreground(engine, run_id)
            detail = engine.store.get_run(run_id)
        finally:
            engine.store.close()
    _report(detail, output_format, simulate)
    if detail.run.status != "completed":
        raise click.exceptions.Exit(1)


def _virtual_start(text: str | None, simulate: bool) -> datetime | None:
    if text is None:
        return None
    if not simulate:
        raise UsageError("--start sets the virtual clock; it needs --simulate")
    moment = parse_timestamp(text)
    if moment is None:
        raise UsageError(f"--start: {text!r} is not an RFC 3339 time with an offset, "
                         "such as 2026-01-05T22:30:00+01:00")
    return moment.astimezone(UTC)


def _event_parts(payload: Any, campaign: Workflow) -> tuple[str, Any, str | None]:
    if not isinstance(payload, dict):
        raise UsageError("--event: expected a JSON object {name, data}")
    name = payload.get("name")
    if name is None:
        triggers = [t.event for t in campaign.triggers if isinstance(t, EventTrigger)]
        if not triggers:
            raise UsageError("--event: give a name; the campaign has no event trigger")
        name = triggers[0]
    if not isinstance(name, str) or not name:
        raise UsageError("--event: 'name' must be a non-empty string")
    data = payload.get("data", {})
    event_id = payload.get("id")
    if event_id is not None and not isinstance(event_id, str):
        raise UsageError("--event: 'id' must be a string")
    return name, data, event_id


def _drive_in_foreground(engine: Engine, run_id: str) -> None:
    """Real time: drive until the run finishes; Ctrl-C leaves it parked."""
    stop = threading.Event()
    restore = stop_on_signals(stop)
    try:
        while not stop.is_set():
            if engine.drive_once():
                continue
            if engine.store.get_run(run_id).run.status in FINISHED:
                return
            next_wake = engine.store.next_wake_at()
            wait = timedelta(seconds=1) if next_wake is None else next_wake - engine.clock.now()
            stop.wait(min(max(wait.total_seconds(), 0.0), 1.0))
        click.echo(f"flow: run {run_id} parked; `flow worker` will continue it", err=True)
    finally:
        restore()


def _report(detail: Any, output_format: str, simulate: bool) -> None:
    if output_format == "json":
        for entry in timeline_entries(detail):
            click.echo(to_json(entry))
        return
    run = detail.run
    click.echo(f"run {paint(run.id, 'bold')}  campaign {run.workflow_id}"
               + ("  (virtual time)" if simulate else ""))
    # Only for campaigns that chose a zone: the seed campaign's output stays as it was.
    if not str(run.state.get("timezone_why", "the default")).startswith("the default"):
        click.echo(f"timezone {zone_line(detail)}")
    click.echo(timeline_table(detail))
    elapsed = (detail.steps[-1].finished_at if detail.steps else run.updated_at)
    click.echo(f"{status(run.status)} after {offset(elapsed - run_started_at(detail))[1:]}")
    if run.status == "failed":
        click.echo(f"error in {describe_error(run.state.get('error'))}", err=True)
