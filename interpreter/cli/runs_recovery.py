"""``flow runs retry`` and ``flow runs replay``: recovery, each command one call
into ``interpreter.daemon.recovery``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from interpreter.cli.arguments import split_pairs
from interpreter.cli.campaign_loading import campaigns_or_exit
from interpreter.cli.edge import Exit, at_the_edge
from interpreter.cli.options import db_option, format_option, secret_option, workflows_option
from interpreter.cli.output import moment, status, table, to_json
from interpreter.cli.timeline import describe_error
from interpreter.daemon.clock import RealClock
from interpreter.daemon.recovery import (
    REPLAYABLE,
    Replayed,
    pinned_secret_names,
    replay_runs,
    retry_run,
    select_replay,
)
from interpreter.daemon.setup import open_engine
from interpreter.errors import UsageError
from interpreter.language.definitions import Workflow
from interpreter.language.durations import DurationError, parse_duration
from interpreter.store.database import open_store

# Below this many runs a progress bar would only flicker.
PROGRESS_FROM = 50


@click.command("retry")
@click.argument("run_id", metavar="RUN")
@db_option
@workflows_option
@secret_option
@at_the_edge
def retry(
    run_id: str, db_url: str | None, workflows_dir: Path, secret_pairs: tuple[str, ...]
) -> None:
    """Resume a failed run at the step that failed, keeping everything recorded
    before it. It runs under the definition it started with; a failed action is
    tried again with the same idempotency key and a fresh retry budget. Exit 1
    when the run is not failed, or fails again.

    \b
    Example:
      flow runs retry run_0123456789abcdef --secret APP_DATABASE_URL=sqlite:///workflows/demo/app.db
    """
    overrides = split_pairs(secret_pairs, "--secret")
    current = _current_campaigns(workflows_dir)
    with open_store(db_url) as store:
        names = pinned_secret_names(store, run_id)
    engine = open_engine(current, db_url=db_url, secrets=overrides, secret_names=names)
    try:
        result = retry_run(engine, run_id)
        error = engine.store.get_run(run_id).run.state.get("error")
    finally:
        engine.store.close()
    if not result.applied:
        click.echo(
            f"run {run_id}: retry requested at step {result.step_id}; "
            "a worker holds it and will apply it"
        )
        return
    click.echo(f"run {run_id} retried at step {result.step_id}: {result.status}")
    if result.status == "failed":
        raise Exit(f"run {run_id} failed again: {describe_error(error)}")


@click.command("replay")
@click.option("--campaign", required=True, metavar="ID", help="The campaign whose runs to replay.")
@click.option(
    "--status",
    "status_filter",
    required=True,
    type=click.Choice(REPLAYABLE),
    help="Replay the runs that ended so.",
)
@click.option("--since", metavar="T", help="Runs started at or after T: RFC 3339, or 24h ago.")
@click.option("--until", metavar="T", help="Runs started before T: RFC 3339, or 1h ago.")
@click.option("--dry-run", is_flag=True, help="List what would be replayed; change nothing.")
@db_option
@workflows_option
@format_option
@at_the_edge
def replay(
    campaign: str,
    status_filter: str,
    since: str | None,
    until: str | None,
    dry_run: bool,
    db_url: str | None,
    workflows_dir: Path,
    output_format: str,
) -> None:
    """Start fresh runs, under the campaign's current definition, from the stored
    trigger events of the selected runs. Each run is replayed once at most (the
    new run's idempotency key is replay:<run id>); a running `flow worker`
    drives the new runs.

    \b
    Example:
      flow runs replay --campaign signup-drip-campaign --status failed --since 24h --dry-run
    """
    now = RealClock().now()
    window = (_moment(since, "--since", now), _moment(until, "--until", now))
    if dry_run:
        with open_store(db_url) as store:
            selected = select_replay(store, campaign, status_filter, *window)
        if output_format == "json":
            click.echo(
                to_json(
                    [
                        {
                            "run": r.id,
                            "campaign": r.workflow_id,
                            "status": r.status,
                            "created_at": r.created_at,
                            "trigger_event_id": r.trigger_event_id,
                        }
                        for r in selected
                    ]
                )
            )
            return
        rows = [
            (r.id, status(r.status), moment(r.created_at), r.trigger_event_id or "-")
            for r in selected
        ]
        if rows:
            click.echo(table(("run", "status", "started", "trigger event"), rows))
        click.echo(f"{len(rows)} run(s) would be replayed")
        return
    engine = open_engine(campaigns_or_exit(workflows_dir), db_url=db_url)
    try:
        selected = select_replay(engine.store, campaign, status_filter, *window)
        with _progress(len(selected)) as advance:
            results = replay_runs(engine, selected, progress=advance)
    finally:
        engine.store.close()
    _report(results, output_format)


def _current_campaigns(workflows_dir: Path) -> list[Workflow]:
    """The campaigns events emitted by a retried run may start: none when the
    default folder is not there, but a --workflows the user gave must exist."""
    source = click.get_current_context().get_parameter_source("workflows_dir")
    if source is click.core.ParameterSource.DEFAULT and not workflows_dir.exists():
        return []
    return campaigns_or_exit(workflows_dir)


def _moment(text: str | None, option: str, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            return now - parse_duration(text.strip())
        except DurationError:
            raise UsageError(
                f"{option}: {text!r} is neither an RFC 3339 time nor a duration such as 24h"
            ) from None
    if moment.tzinfo is None:
        raise UsageError(f"{option}: {text!r} needs a timezone, such as Z or +02:00")
    return moment


class _progress:
    """A click progress bar on a terminal for a large selection; else nothing."""

    def __init__(self, total: int) -> None:
        self._bar: Any = None
        if total >= PROGRESS_FROM and sys.stdout.isatty():
            self._bar = click.progressbar(length=total, label="replaying")

    def __enter__(self) -> Callable[[Replayed], None]:
        if self._bar is not None:
            self._bar.__enter__()
        return self._step

    def _step(self, _result: Replayed) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)


def _report(results: list[Replayed], output_format: str) -> None:
    if output_format == "json":
        click.echo(
            to_json(
                [
                    {"replayed": r.original_id, "run": r.run_id, "skipped": r.skipped}
                    for r in results
                ]
            )
        )
        return
    started = [r for r in results if r.run_id is not None]
    if results and len(results) < PROGRESS_FROM:
        rows = [(r.original_id, r.run_id or "-", r.skipped or "started") for r in results]
        click.echo(table(("replayed", "new run", "result"), rows))
    skipped = len(results) - len(started)
    click.echo(
        f"{len(started)} run(s) started, {skipped} skipped; a running `flow worker` drives them"
    )
