"""``flow send``: record an event, which starts runs or resolves waits."""

from __future__ import annotations

from pathlib import Path

import click

from interpreter.cli.arguments import event_data, read_json_argument
from interpreter.cli.campaign_loading import campaigns_or_exit
from interpreter.cli.edge import at_the_edge
from interpreter.cli.options import db_option, format_option, workflows_option
from interpreter.cli.output import to_json
from interpreter.daemon.setup import open_engine
from interpreter.errors import UsageError
from interpreter.http.client import send_event


@click.command("send")
@click.argument("name")
@click.option(
    "--data",
    "data_text",
    default="{}",
    show_default=True,
    metavar="JSON|@FILE|-",
    help="The event's data: a JSON object, as the event API takes.",
)
@click.option(
    "--id", "event_id", metavar="ID", help="The sender's event id; the same id is recorded once."
)
@click.option(
    "--url",
    "server_url",
    metavar="URL",
    help="Send through a flow server's event API (http://host:port) instead of "
    "writing to the database.",
)
@click.option(
    "--key",
    "event_key",
    envvar="FLOW_EVENT_KEY",
    metavar="KEY",
    help="The event key for --url [env FLOW_EVENT_KEY].",
)
@db_option
@workflows_option
@format_option
@at_the_edge
def send(
    name: str,
    data_text: str,
    event_id: str | None,
    server_url: str | None,
    event_key: str | None,
    db_url: str | None,
    workflows_dir: Path,
    output_format: str,
) -> None:
    """Record event NAME: it starts the runs of campaigns it triggers and wakes
    the runs waiting for it. A running `flow worker` carries them on.

    \b
    Example:
      flow send app/signup.completed --data '{"user": {"id": 7, "email": "ada@example.com"}}'
      flow send resend/email.clicked --data @click.json --id evt_123
      flow send app/signup.completed --data @signup.json --url http://127.0.0.1:8288
    """
    if not name.strip():
        raise UsageError("NAME must not be empty")
    data = event_data(read_json_argument(data_text, "--data"), "--data")
    if server_url is not None:
        sent_id = send_event(server_url, name, data, key=event_key, event_id=event_id)
        click.echo(to_json({"id": sent_id}) if output_format == "json" else sent_id)
        return
    engine = open_engine(campaigns_or_exit(workflows_dir), db_url=db_url)
    try:
        result = engine.ingest(name, data, event_id=event_id)
    finally:
        engine.store.close()
    if output_format == "json":
        click.echo(
            to_json(
                {
                    "id": result.event_id,
                    "duplicate": result.duplicate,
                    "started": list(result.started),
                    "resumed": result.delivered,
                    "debounced": list(result.debounced),
                }
            )
        )
        return
    if result.duplicate:
        click.echo(f"event {result.event_id} was already recorded; nothing done")
        return
    click.echo(
        f"recorded {result.event_id}: started {len(result.started)} run(s), "
        f"woke {result.delivered} waiting run(s)"
    )
    for run_id in result.started:
        click.echo(f"  started {run_id}")
    for campaign in result.debounced:
        click.echo(f"  debounced by {campaign}: its run starts when the burst goes quiet")
