"""``flow db``: the database's schema."""

from __future__ import annotations

import click

from interpreter.cli.edge import at_the_edge
from interpreter.cli.options import db_option
from interpreter.store.database import upgrade as upgrade_schema


@click.group("db")
def db() -> None:
    """Manage flow's database schema.

    \b
    Example:
      flow db upgrade --db postgresql://postgres@127.0.0.1:5432/flow
    """


@db.command("upgrade")
@db_option
@at_the_edge
def upgrade(db_url: str | None) -> None:
    """Migrate the database to the newest schema (a fresh one is migrated on first use anyway).

    \b
    Example:
      flow db upgrade --db sqlite:///.flow/flow.db
    """
    revision = upgrade_schema(db_url)
    click.echo(f"database at schema revision {revision}")
