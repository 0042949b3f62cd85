"""Options several commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from interpreter.daemon.engine import DEFAULT_BATCH, DEFAULT_LEASE_SECONDS

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    "db_url",
    envvar="FLOW_DATABASE_URL",
    metavar="URL",
    help="SQLAlchemy database URL [env FLOW_DATABASE_URL; default sqlite:///.flow/flow.db].",
)
workflows_option = click.option(
    "--workflows",
    "workflows_dir",
    default="workflows",
    show_default=True,
    type=click.Path(file_okay=True, path_type=Path),
    help="The campaigns (a folder of YAML files, or one file) that events may start.",
)
secret_option = click.option(
    "--secret",
    "secret_pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A secret a campaign declares (repeatable); else read from the environment.",
)
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json for scripts.",
)
lease_option = click.option(
    "--lease-seconds",
    default=DEFAULT_LEASE_SECONDS,
    show_default=True,
    type=click.IntRange(min=2),
    envvar="FLOW_LEASE_SECONDS",
    help="How long a claimed run stays this daemon's while it works (renewed as it "
    "goes); a dead daemon's runs are taken over after it [env FLOW_LEASE_SECONDS].",
)
batch_option = click.option(
    "--batch",
    default=DEFAULT_BATCH,
    show_default=True,
    type=click.IntRange(1, 10_000),
    envvar="FLOW_BATCH",
    help="Runs each worker thread claims at a time [env FLOW_BATCH].",
)
