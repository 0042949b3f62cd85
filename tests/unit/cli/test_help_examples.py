"""Every example in every command's ``--help`` is a command that parses, and
every file it names exists in the repository, so it pastes as written from the
repository root."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click

from interpreter.cli.main import _register, cli, main

ROOT = Path(__file__).resolve().parents[3]
# Files an example writes rather than reads.
_OUTPUTS = {"-o", "--format"}


_register()  # the subcommands join the group as `flow` starts


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def _examples(help_text: str) -> list[str]:
    """The example lines after ``Example:``/``Examples:``, continuations joined."""
    block = re.split(r"\n\s*Examples?:\n", help_text, maxsplit=1)
    if len(block) < 2:
        return []
    lines: list[str] = []
    for line in block[1].splitlines():
        if not line.strip() or not line.startswith("    "):
            break
        text = line.strip()
        if lines and lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1] + " " + text
        else:
            lines.append(text)
    return lines


def _help(path: tuple[str, ...]) -> str:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    with click.Context(command, info_name=" ".join(("flow", *path))) as context:
        return command.get_help(context)


def _check(example: str) -> list[str]:
    """What is wrong with one example line, or nothing."""
    words = shlex.split(example.split(" | ")[0], comments=True)
    while words and re.match(r"^[A-Z_]+=", words[0]):
        words.pop(0)  # VAR=value before the command
    if words[0] == "curl":
        return (
            []
            if "localhost:8288" in example or "127.0.0.1:8288" in example
            else [f"{example}: not the default port"]
        )
    assert words[0] == "flow", example
    wrong = []
    for before, word in zip(["", *words], words, strict=False):
        name = word[1:] if word.startswith("@") else word
        if before in _OUTPUTS:
            continue
        if (word.startswith("@") or name.startswith("workflows/")) and not (ROOT / name).exists():
            wrong.append(f"{example}: {name} does not exist")
    command: click.Command = cli
    rest = words[1:]
    while isinstance(command, click.Group) and rest and rest[0] in command.commands:
        command = command.commands[rest[0]]
        rest = rest[1:]
    try:
        command.make_context(command.name or "flow", rest)  # parses, never invokes
    except click.ClickException as error:
        wrong.append(f"{example}: {error.format_message()}")
    return wrong


def test_every_help_example_parses_and_names_files_that_exist() -> None:
    checked = 0
    wrong: list[str] = []
    for path in _commands(cli):
        for example in _examples(_help(path)):
            wrong.extend(_check(example))
            checked += 1
    assert wrong == []
    # Every command carries an example; forty-odd lines in all.
    assert checked >= 40


def test_the_help_of_every_command_shows_an_example() -> None:
    without = [" ".join(path) for path in _commands(cli) if not _examples(_help(path))]
    assert without == []
    assert main(["--help"]) == 0
