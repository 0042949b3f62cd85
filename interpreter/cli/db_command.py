"""``flow db``: the database's schema."""

from __future__ import annotations

import click

from interpreter.cli.edge import at_the_edge
from interpreter.cli.options import db_option, format_option
from interpreter.cli.output import to_json
from interpreter.store.database import SchemaUpgrade
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
@format_option
@at_the_edge
def upgrade(db_url: str | None, output_format: str) -> None:
    """Migrate the database to the newest schema (a fresh one is migrated on
    first use anyway), and say which it was: created (no schema yet), migrated
    (from an older revision) or current (nothing to do).

    \b
    Example:
      flow db upgrade --db sqlite:///.flow/flow.db
      flow db upgrade --format json   # {"outcome": "current", "from": "0010", ...}
    """
    done = upgrade_schema(db_url)
    if output_format == "json":
        click.echo(
            to_json(
                {
                    "outcome": done.outcome,
                    "from": done.before,
                    "revision": done.revision,
                    "database": done.database,
                }
            )
        )
        return
    click.echo(_sentence(done))


def _sentence(done: SchemaUpgrade) -> str:
    if done.outcome == "created":
        return f"created the schema at revision {done.revision} in {done.database}"
    if done.outcome == "migrated":
        return (
            f"migrated the schema of {done.database} from revision {done.before} to {done.revision}"
        )
    return f"the schema of {done.database} is current (revision {done.revision}); nothing to do"
