"""``flow runs``: list, show and cancel runs."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import click

from interpreter.cli.edge import at_the_edge
from interpreter.cli.fan_out_lines import fan_out_json, fan_out_lines
from interpreter.cli.options import db_option, format_option
from interpreter.cli.output import moment, paint, status, table, to_json
from interpreter.cli.timeline import (
    deferral_line,
    describe_error,
    run_started_at,
    step_kinds,
    timeline_entries,
    timeline_table,
    zone_line,
)
from interpreter.core.model import FINISHED, RUN_STATUSES
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.recovery import cancel_run
from interpreter.daemon.setup import open_engine
from interpreter.errors import DefinitionError, NotFound
from interpreter.store import Store
from interpreter.store.database import open_store
from interpreter.store.records import RunRecord

STATUSES = RUN_STATUSES


@click.group("runs")
def runs() -> None:
    """List, inspect and cancel runs.

    \b
    Example:
      flow runs list --status waiting
      flow runs show run_0123456789abcdef
    """


@runs.command("list")
@click.option("--status", "status_filter", type=click.Choice(STATUSES), help="Only this status.")
@click.option("--campaign", "campaign", metavar="ID", help="Only this campaign's runs.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@db_option
@format_option
@at_the_edge
def list_runs(
    status_filter: str | None,
    campaign: str | None,
    limit: int,
    db_url: str | None,
    output_format: str,
) -> None:
    """The newest runs first.

    \b
    Example:
      flow runs list --status failed --format json
    """
    with open_store(db_url) as store:
        records = store.list_runs(status=status_filter, workflow_id=campaign, limit=limit)
    if output_format == "json":
        click.echo(to_json([_run_json(record) for record in records]))
        return
    if not records:
        click.echo("no runs")
        return
    rows = [
        (
            record.id,
            record.workflow_id,
            status(record.status),
            moment(record.created_at),
            _next(record),
        )
        for record in records
    ]
    click.echo(table(("run", "campaign", "status", "started", "next"), rows))


@runs.command("show")
@click.argument("run_id", metavar="RUN")
@db_option
@format_option
@at_the_edge
def show(run_id: str, db_url: str | None, output_format: str) -> None:
    """One run: its state, its timeline and what it waits for.

    \b
    Example:
      flow runs show run_0123456789abcdef --format json
    """
    with open_store(db_url) as store:
        detail = store.get_run(run_id)
        waits = store.list_waits(run_id)
        fan_outs = store.fan_out_progress(run_id)
        kinds = pinned_step_kinds(store, detail.run.workflow_hash)
    run = detail.run
    if output_format == "json":
        document = _run_json(run)
        document["state"] = run.state
        document["timeline"] = timeline_entries(detail)
        document["waits"] = [asdict(wait) for wait in waits]
        document["fan_outs"] = fan_out_json(fan_outs)
        click.echo(to_json(document))
        return
    click.echo(f"run           {paint(run.id, bold=True)}")
    click.echo(f"campaign      {run.workflow_id} (definition {run.workflow_hash[:12]})")
    click.echo(f"status        {status(run.status)}")
    click.echo(f"started       {moment(run_started_at(detail))}")
    if zone_line(detail) is not None:
        click.echo(f"timezone      {zone_line(detail)}")
    if run.status not in FINISHED and run.wake_at is not None:
        click.echo(f"next          {moment(run.wake_at)}")
    if run.status not in FINISHED and isinstance(run.state.get("deadline"), str):
        click.echo(f"times out     {_stamp(run.state['deadline'])} (the campaign's timeout)")
    if deferral_line(detail) is not None:
        click.echo(f"              {deferral_line(detail)}")
    if run.status in ("failed", "timed_out"):
        click.echo(f"error         {describe_error(run.state.get('error'))}")
    for wait in waits:
        key = f" where {wait.match_path} == {to_json(wait.match_value)}" if wait.match_path else ""
        until = f", times out {moment(wait.timeout_at)}" if wait.timeout_at else ""
        what = {"step": "waits for", "goal": "converts on"}.get(wait.purpose, "cancelled by")
        click.echo(f"{what:<14}{wait.event_name}{key}{until}")
    for line in fan_out_lines(fan_outs):
        click.echo(line)
    click.echo("")
    click.echo(timeline_table(detail, kinds))


@runs.command("cancel")
@click.argument("run_id", metavar="RUN")
@db_option
@at_the_edge
def cancel(run_id: str, db_url: str | None) -> None:
    """Cancel a run that has not finished. Its waits and timers are dropped; a step
    already executing finishes, and nothing after it runs.

    \b
    Example:
      flow runs cancel run_0123456789abcdef
    """
    engine = open_engine([], db_url=db_url)
    try:
        result = cancel_run(engine, run_id, "cancelled by operator")
    finally:
        engine.store.close()
    if result.applied:
        click.echo(f"run {run_id} cancelled")
    else:
        click.echo(f"run {run_id}: cancel requested; a worker holds it and will apply it")


def _next(record: RunRecord) -> str:
    if record.status in FINISHED or record.wake_at is None:
        return "-" if record.status in FINISHED else "waiting for an event"
    return moment(record.wake_at)


def _stamp(text: str) -> str:
    """A time the run's state keeps as text, to the second as the others are."""
    try:
        return moment(datetime.fromisoformat(text))
    except ValueError:
        return text


def pinned_step_kinds(store: Store, workflow_hash: str) -> dict[str, str]:
    """The step kinds of the definition a run is pinned to, for the KIND column;
    none when the stored definition is gone or no longer loads (the recorded
    kinds stand then)."""
    try:
        return step_kinds(Campaigns(store).pinned(workflow_hash))
    except (NotFound, DefinitionError):
        return {}


def _run_json(record: RunRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "campaign": record.workflow_id,
        "definition": record.workflow_hash,
        "status": record.status,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "wake_at": record.wake_at,
        "trigger_event_id": record.trigger_event_id,
    }


# Recovery lives in its own module; it is part of the same `flow runs` group.
from interpreter.cli.runs_recovery import replay, retry  # noqa: E402

runs.add_command(retry)
runs.add_command(replay)
