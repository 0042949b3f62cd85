"""Every command's --help shows an example: people copy before they read."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from interpreter.cli.main import _register, cli


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*prefix, name)))
    return found


_register()
ALL = commands(cli)


def test_the_commands_are_all_there() -> None:
    top = {path[0] for path in ALL}
    assert top >= {
        "lint",
        "run",
        "test",
        "send",
        "worker",
        "serve",
        "runs",
        "graph",
        "db",
        "suppressions",
    }


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert f"flow {' '.join(path)}" in result.output or f"flow {path[0]}" in result.output
