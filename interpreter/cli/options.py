"""Options several commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db", "db_url", envvar="FLOW_DATABASE_URL", metavar="URL",
    help="SQLAlchemy database URL [env FLOW_DATABASE_URL; default sqlite:///.flow/flow.db].",
)
workflows_option = click.option(
    "--workflows", "workflows_dir", default="workflows", show_default=True,
    type=click.Path(file_okay=True, path_type=Path),
    help="The campaigns (a folder of YAML files, or one file) that events may start.",
)
secret_option = click.option(
    "--secret", "secret_pairs", multiple=True, metavar="NAME=VALUE",
    help="A secret a campaign declares (repeatable); else read from the environment.",
)
format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="json for scripts.",
)
