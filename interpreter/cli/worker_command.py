"""``flow worker``: drive every due run in the database until stopped."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import click

from interpreter.cli.arguments import split_pairs
from interpreter.cli.campaign_loading import campaigns_or_exit
from interpreter.cli.edge import at_the_edge
from interpreter.cli.options import (
    batch_option,
    db_option,
    lease_option,
    secret_option,
    workflows_option,
)
from interpreter.daemon.email_setup import email_destination
from interpreter.daemon.secrets import check_declared
from interpreter.daemon.setup import open_engine
from interpreter.daemon.signals import handling_signals
from interpreter.daemon.worker import work

# Where open_engine keeps the outbox (its default data directory).
DATA_DIR = Path(".flow")


@click.command("worker")
@db_option
@workflows_option
@secret_option
@lease_option
@batch_option
@click.option(
    "--until-idle",
    is_flag=True,
    help="Exit once no run is due (for scripts and cron jobs); sleeping runs stay parked.",
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@at_the_edge
def worker(
    db_url: str | None,
    workflows_dir: Path,
    secret_pairs: tuple[str, ...],
    lease_seconds: int,
    batch: int,
    until_idle: bool,
    quiet: bool,
) -> None:
    """Drive every due run in the database, in the foreground, until Ctrl-C or
    SIGTERM. The batch in hand is finished and saved; everything else stays
    parked in the database for the next worker.

    \b
    Example:
      APP_DATABASE_URL=sqlite:///workflows/demo/app.db flow worker --db sqlite:///.flow/flow.db
      APP_DATABASE_URL=sqlite:///workflows/demo/app.db flow worker --until-idle
    """
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    campaigns = campaigns_or_exit(workflows_dir)
    secrets = split_pairs(secret_pairs, "--secret")
    check_declared(campaigns, secrets)
    engine = open_engine(
        campaigns,
        db_url=db_url,
        secrets=secrets,
        lease_seconds=lease_seconds,
        batch=batch,
        data_dir=DATA_DIR,
    )
    stop = threading.Event()
    if not quiet:
        until = "until no run is due" if until_idle else "Ctrl-C to stop"
        click.echo(f"flow worker {engine.owner} on {engine.store.url}; {until}", err=True)
        click.echo(f"email: {email_destination(os.environ, DATA_DIR)}", err=True)
    try:
        with handling_signals(stop.set, stopping="finishing the batch in hand"):
            processed = work(engine, stop, until_idle=until_idle)
    finally:
        engine.store.close()
    if not quiet:
        click.echo(f"flow worker stopped after advancing {processed} run(s)", err=True)
