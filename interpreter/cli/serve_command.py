"""``flow serve``: the daemon, with its HTTP event API, workers and cron."""

from __future__ import annotations

from datetime import timedelta
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
from interpreter.daemon.logging_setup import LogFormat, configure_logging
from interpreter.daemon.secrets import check_declared
from interpreter.daemon.serve import ServeSettings, serve
from interpreter.http.serving import serve_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8288,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port, printed at start).",
)
@db_option
@workflows_option
@secret_option
@click.option(
    "--concurrency",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker threads driving due runs in this process.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per log line.",
)
@lease_option
@batch_option
@click.option(
    "--poll",
    "poll_seconds",
    default=0.2,
    show_default=True,
    type=click.FloatRange(min=0.01),
    envvar="FLOW_POLL_SECONDS",
    help="How often idle workers look for work no wake-up announced "
    "(SQLite across processes; PostgreSQL while LISTEN is down) "
    "[env FLOW_POLL_SECONDS].",
)
@at_the_edge
def serve_command(
    host: str,
    port: int,
    db_url: str | None,
    workflows_dir: Path,
    secret_pairs: tuple[str, ...],
    concurrency: int,
    log_format: LogFormat,
    lease_seconds: int,
    batch: int,
    poll_seconds: float,
) -> int:
    """Run the daemon: the HTTP event API, workers driving due runs, and cron
    triggers, in one process, until SIGTERM or Ctrl-C (the batch in hand is
    finished and saved). SIGHUP reloads the campaigns (a set with lint errors
    is refused and the old one kept). Start several against one PostgreSQL
    database to share the work.

    \b
    Examples:
      flow serve
      flow serve --db postgresql://postgres@127.0.0.1:5432/flow --concurrency 4 --log-format json
      curl localhost:8288/e/local-key -H 'content-type: application/json' -d '{"name": "app/x"}'
    """
    workflows = campaigns_or_exit(workflows_dir)
    secrets = split_pairs(secret_pairs, "--secret")
    check_declared(workflows, secrets)
    configure_logging(log_format)
    settings = ServeSettings(
        workflows=workflows_dir,
        db_url=db_url,
        host=host,
        port=port,
        concurrency=concurrency,
        poll=timedelta(seconds=poll_seconds),
        lease_seconds=lease_seconds,
        batch=batch,
        secrets=secrets,
    )
    return serve(settings, workflows, app_factory=serve_app)
