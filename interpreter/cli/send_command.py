"""``flow send``: record an event, which starts runs or resolves waits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from interpreter.cli.arguments import event_data, read_json_argument
from interpreter.cli.campaign_loading import campaigns_or_exit
from interpreter.cli.edge import at_the_edge
from interpreter.cli.options import db_option, format_option, workflows_option
from interpreter.cli.output import to_json
from interpreter.daemon.setup import open_engine
from interpreter.daemon.trigger_outcomes import outcome_line
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
    the runs waiting for it. A running `flow worker` carries them on. Prints
    one line per campaign NAME triggers: the run it started, or why none
    (its `if` was false, an expression failed, an entry rule, a debounce).

    \b
    Example:
      flow send app/signup.completed --data '{"user": {"id": 7, "email": "ada@example.com"}}'
      flow send resend/email.clicked --data @workflows/events/email-clicked.data.json --id evt_123
      flow send app/signup.completed --data @workflows/events/signup-completed.data.json --url http://127.0.0.1:8288
    """
    if not name.strip():
        raise UsageError("NAME must not be empty")
    data = event_data(read_json_argument(data_text, "--data"), "--data")
    if server_url is not None:
        outcome = send_event(server_url, name, data, key=event_key, event_id=event_id)
    else:
        engine = open_engine(campaigns_or_exit(workflows_dir), db_url=db_url)
        try:
            outcome = engine.ingest(name, data, event_id=event_id).as_json()
        finally:
            engine.store.close()
    if output_format == "json":
        click.echo(to_json(outcome))
        return
    for line in _lines(name, outcome):
        click.echo(line)


def _lines(name: str, outcome: dict[str, Any]) -> list[str]:
    """One line for the event, then one per campaign its name triggers."""
    event_id = outcome.get("id")
    if outcome.get("duplicate"):
        return [f"event {event_id} was already recorded; nothing done"]
    if "campaigns" not in outcome:  # a server that does not say what it did
        return [str(event_id)]
    started, woken = outcome.get("started") or [], outcome.get("woken") or []
    lines = [
        f"recorded {event_id}: started {len(started)} run(s), woke {len(woken)} waiting run(s)"
    ]
    campaigns = outcome.get("campaigns") or []
    lines += [f"  {outcome_line(campaign)}" for campaign in campaigns]
    lines += [f"  woke {run_id}" for run_id in woken]
    if not campaigns and not woken:
        lines.append(f"  no campaign starts on {name} and no run is waiting for it")
    return lines
