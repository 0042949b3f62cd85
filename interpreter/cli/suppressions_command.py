"""``flow suppressions``: list, add and remove suppressed email addresses."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from interpreter.cli.edge import Exit, at_the_edge
from interpreter.cli.options import db_option, format_option
from interpreter.cli.output import rfc3339, table, to_json
from interpreter.daemon.suppressions import REASONS, list_suppressions, suppress, unsuppress
from interpreter.store.database import open_store


@click.group("suppressions")
def suppressions() -> None:
    """The addresses campaign email is never sent to: unsubscribed, bounced for
    good, complained, or added by hand. A send to one of them is skipped and
    its run goes on.

    \b
    Example:
      flow suppressions list
      flow suppressions add ada@example.com
      flow suppressions remove ada@example.com
    """


@suppressions.command("list")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@db_option
@format_option
@at_the_edge
def list_command(limit: int, db_url: str | None, output_format: str) -> None:
    """The suppressed addresses, newest first.

    \b
    Example:
      flow suppressions list --format json
    """
    with open_store(db_url) as store:
        found = list_suppressions(store, limit)
    if output_format == "json":
        click.echo(
            to_json(
                [
                    {
                        "address": s.address,
                        "reason": s.reason,
                        "detail": s.detail,
                        "created_at": rfc3339(s.created_at),
                    }
                    for s in found
                ]
            )
        )
        return
    if not found:
        click.echo("no suppressed addresses")
        return
    rows = [(s.address, s.reason, rfc3339(s.created_at), s.detail or "") for s in found]
    click.echo(table(("address", "reason", "since", "detail"), rows))


@suppressions.command("add")
@click.argument("addresses", metavar="ADDRESS...", nargs=-1, required=True)
@click.option("--reason", type=click.Choice(REASONS), default="manual", show_default=True)
@db_option
@at_the_edge
def add_command(addresses: tuple[str, ...], reason: str, db_url: str | None) -> None:
    """Stop all campaign email to ADDRESS.

    \b
    Example:
      flow suppressions add ada@example.com grace@example.com
    """
    for address in addresses:
        if "@" not in address or any(c.isspace() for c in address.strip()):
            raise Exit(f"not an email address: {address!r}", 2)
    with open_store(db_url) as store:
        added = suppress(store, list(addresses), reason, datetime.now(UTC))
    for address in addresses:
        known = address.strip().lower() not in added
        click.echo(f"{address.strip().lower()}: {'already suppressed' if known else 'suppressed'}")


@suppressions.command("remove")
@click.argument("address", metavar="ADDRESS")
@db_option
@at_the_edge
def remove_command(address: str, db_url: str | None) -> None:
    """Allow campaign email to ADDRESS again. Exit 1 if it was not suppressed.

    \b
    Example:
      flow suppressions remove ada@example.com
    """
    with open_store(db_url) as store:
        removed = unsuppress(store, address)
    if not removed:
        raise Exit(f"{address.strip().lower()} is not suppressed", 1)
    click.echo(f"{address.strip().lower()}: removed")
