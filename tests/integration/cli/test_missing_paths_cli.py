"""A path that does not exist is exit 2 and one line naming it, for every
command and every option that takes a path, in-process through ``main(argv)``.

The table is checked against the commands themselves: each parameter that
takes a path (a click.Path, --db, --event, --data) must have a row, so a new
command or option that takes a path cannot slip past this test."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from interpreter.cli.main import _register, cli
from tests._cli import run_flow

CAMPAIGN = """\
id: tiny
on: {event: app/ping}
steps:
  - id: note
    action: log
    with: {message: pong}
"""

MISSING_DB = "sqlite:///no-such-folder/flow.db"

# (argv, the parameter whose path is missing, the missing path as the message names it).
# "campaign.yaml" is a real campaign in the working folder; "no-such..." paths are not there.
CASES: list[tuple[tuple[str, ...], str, str]] = [
    (("lint", "no-such.yaml"), "paths", "no-such.yaml"),
    (("graph", "no-such.yaml"), "workflow", "no-such.yaml"),
    (("graph", "campaign.yaml", "--output", "no-such-folder/g.svg"), "output", "no-such-folder"),
    (("run", "no-such.yaml", "--event", "{}"), "workflow", "no-such.yaml"),
    (("run", "campaign.yaml", "--event", "@no-such.json"), "event_text", "no-such.json"),
    (("run", "campaign.yaml", "--event", "{}", "--also", "no-such"), "also", "no-such"),
    (("run", "campaign.yaml", "--event", "{}", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("test", "no-such.test.yaml"), "paths", "no-such.test.yaml"),
    (("test", ".", "--format", "junit", "no-such-folder/r.xml"), "report", "no-such-folder"),
    (("send", "app/ping", "--data", "@no-such.json"), "data_text", "no-such.json"),
    (("send", "app/ping", "--workflows", "no-such"), "workflows_dir", "no-such"),
    (
        ("send", "app/ping", "--workflows", "campaign.yaml", "--db", MISSING_DB),
        "db_url",
        "no-such-folder",
    ),
    (("worker", "--workflows", "no-such"), "workflows_dir", "no-such"),
    (("worker", "--workflows", "campaign.yaml", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("serve", "--port", "0", "--workflows", "no-such"), "workflows_dir", "no-such"),
    (
        ("serve", "--port", "0", "--workflows", "campaign.yaml", "--db", MISSING_DB),
        "db_url",
        "no-such-folder",
    ),
    (("runs", "list", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("runs", "show", "run_x", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("runs", "cancel", "run_x", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("runs", "retry", "run_x", "--workflows", "no-such"), "workflows_dir", "no-such"),
    (("runs", "retry", "run_x", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (
        ("runs", "replay", "--campaign", "tiny", "--status", "failed", "--workflows", "no-such"),
        "workflows_dir",
        "no-such",
    ),
    (
        (
            "runs",
            "replay",
            "--campaign",
            "tiny",
            "--status",
            "failed",
            "--dry-run",
            "--db",
            MISSING_DB,
        ),
        "db_url",
        "no-such-folder",
    ),
    (("db", "upgrade", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("suppressions", "list", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("suppressions", "add", "a@example.com", "--db", MISSING_DB), "db_url", "no-such-folder"),
    (("suppressions", "remove", "a@example.com", "--db", MISSING_DB), "db_url", "no-such-folder"),
]

# Options that take a path inside a string: a database URL, or JSON given as @FILE.
_PATH_IN_TEXT = {"db_url", "event_text", "data_text"}


def _takes_a_path(parameter: click.Parameter) -> bool:
    kind = parameter.type
    types = kind.types if isinstance(kind, click.Tuple) else [kind]
    return parameter.name in _PATH_IN_TEXT or any(isinstance(t, click.Path) for t in types)


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], set[str]]:
    """Every command under ``group``, with the names of its path parameters."""
    found: dict[tuple[str, ...], set[str]] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(_commands(command, (*prefix, name)))
        else:
            found[(*prefix, name)] = {p.name or "" for p in command.params if _takes_a_path(p)}
    return found


def _command_of(argv: tuple[str, ...]) -> tuple[str, ...]:
    return argv[:2] if argv[0] in ("runs", "db", "suppressions") else argv[:1]


def test_the_table_covers_every_path_every_command_takes() -> None:
    _register()
    expected = {command: names for command, names in _commands(cli).items() if names}
    checked: dict[tuple[str, ...], set[str]] = {}
    for argv, parameter, _ in CASES:
        checked.setdefault(_command_of(argv), set()).add(parameter)
    assert checked == expected
    # 16 commands take a path today (every one flow has); 27 paths among them.
    assert len(checked) == 16
    assert len(CASES) == sum(len(names) for names in expected.values()) == 27


@pytest.mark.parametrize(
    ("argv", "parameter", "missing"), CASES, ids=[" ".join(c[0]) for c in CASES]
)
def test_a_path_that_is_not_there_is_exit_2_and_one_line(
    tmp_path: Path, argv: tuple[str, ...], parameter: str, missing: str
) -> None:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    # `flow test` finds this file; its report folder is checked before it is read.
    (tmp_path / "campaign.test.yaml").write_text("campaign: campaign.yaml\n", encoding="utf-8")
    result = run_flow(argv, cwd=tmp_path)
    assert result.returncode == 2, (parameter, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines == [lines[0]] and lines[0].startswith("flow: "), result.stderr
    assert f"{missing}: no such file or folder" in lines[0]
    assert "Traceback" not in result.stderr
