"""``flow suppressions``: list, add and remove suppressed email addresses."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from interpreter.cli.edge import Exit, at_the_edge
from interpreter.cli.options import db_option, format_option
from interpreter.cli.output import moment, rfc3339, table, to_json
from interpreter.daemon.suppressions import REASONS, list_suppressions, suppress, unsuppress
from interpreter.store.database import open_store


@click.group("suppressions")
def suppressions() -> None:
    """The addresses campaign email is never sent to: unsubscribed, bounced for
    good, complained, or added by hand. A send to one of them is skipped and
    its run goes on.

    With --category, an entry covers one message category of policies.yaml
    (a topic the recipient left) and leaves the others; without it, every
    email, transactional ones included.

    \b
    Example:
      flow suppressions list
      flow suppressions add ada@example.com
      flow suppressions add ada@example.com --category marketing
      flow suppressions remove ada@example.com
    """


_category_option = click.option(
    "--category",
    default=None,
    metavar="NAME",
    help="One message category (topic) only; default: every email.",
)


@suppressions.command("list")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@_category_option
@db_option
@format_option
@at_the_edge
def list_command(limit: int, category: str | None, db_url: str | None, output_format: str) -> None:
    """The suppressed addresses, newest first; CATEGORY "all" is the whole list.

    \b
    Example:
      flow suppressions list --format json
      flow suppressions list --category marketing
    """
    with open_store(db_url) as store:
        found = list_suppressions(store, limit)
    if category is not None:
        found = [
            s for s in found if s.category == category or (category == "all" and not s.category)
        ]
    if output_format == "json":
        click.echo(
            to_json(
                [
                    {
                        "address": s.address,
                        "category": s.category,
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
    rows = [
        (s.address, s.category or "(all)", s.reason, moment(s.created_at), s.detail or "")
        for s in found
    ]
    click.echo(table(("address", "category", "reason", "since", "detail"), rows))


@suppressions.command("add")
@click.argument("addresses", metavar="ADDRESS...", nargs=-1, required=True)
@click.option("--reason", type=click.Choice(REASONS), default="manual", show_default=True)
@_category_option
@db_option
@at_the_edge
def add_command(
    addresses: tuple[str, ...], reason: str, category: str | None, db_url: str | None
) -> None:
    """Stop all campaign email to ADDRESS, or only that of one --category.

    \b
    Example:
      flow suppressions add ada@example.com grace@example.com
      flow suppressions add ada@example.com --category tips
    """
    for address in addresses:
        if "@" not in address or any(c.isspace() for c in address.strip()):
            raise Exit(f"not an email address: {address!r}", 2)
    with open_store(db_url) as store:
        added = suppress(store, list(addresses), reason, datetime.now(UTC), category=category)
    scope = f" from {category}" if category else ""
    for address in addresses:
        known = address.strip().lower() not in added
        done = "already suppressed" if known else "suppressed"
        click.echo(f"{address.strip().lower()}: {done}{scope}")


@suppressions.command("remove")
@click.argument("address", metavar="ADDRESS")
@_category_option
@db_option
@at_the_edge
def remove_command(address: str, category: str | None, db_url: str | None) -> None:
    """Allow campaign email to ADDRESS again (of one --category, if given).
    Exit 1 if it was not suppressed.

    \b
    Example:
      flow suppressions remove ada@example.com
      flow suppressions remove ada@example.com --category tips
    """
    with open_store(db_url) as store:
        removed = unsuppress(store, address, category)
    scope = f" from {category}" if category else ""
    if not removed:
        raise Exit(f"{address.strip().lower()} is not suppressed{scope}", 1)
    click.echo(f"{address.strip().lower()}: removed{scope}")
