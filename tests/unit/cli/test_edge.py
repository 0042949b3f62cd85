"""The CLI's one error mapping: each error kind declares its exit code, and
the edge turns any of them into one line and that code."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from interpreter.cli.edge import EXIT_INTERNAL, EXIT_INTERRUPTED, at_the_edge, exit_status
from interpreter.cli.main import _register
from interpreter.errors import (
    ActionError,
    DefinitionError,
    ExpressionError,
    FlowError,
    NotFound,
    StoreError,
    UsageError,
)


def raising(error: BaseException) -> click.Command:
    @click.command()
    @at_the_edge
    def command() -> None:
        raise error

    return command


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("--since: not a time"), 2),
        (NotFound("no run run_x"), 1),
        (StoreError("the database is locked"), 1),
        (DefinitionError("bad campaign"), 1),
        (ExpressionError("no such key", location="c.yaml:3:4"), 1),
        (ActionError("smtp refused", retryable=True), 1),
        (FlowError(), 1),
    ],
)
def test_each_kind_exits_with_the_code_its_class_declares(
    error: FlowError, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert type(error).exit_code == code
    status = exit_status(lambda: raising(error).main([], standalone_mode=False))
    assert status == code
    assert capsys.readouterr().err == f"flow: {error}\n"


def test_a_bug_is_one_line_and_exit_70(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOW_DEBUG", raising=False)
    status = exit_status(lambda: raising(ZeroDivisionError("x")).main([], standalone_mode=False))
    assert status == EXIT_INTERNAL
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("flow: internal error: ZeroDivisionError: x")


def test_an_interrupt_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    status = exit_status(lambda: raising(KeyboardInterrupt()).main([], standalone_mode=False))
    assert status == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "flow: aborted\n"


def test_every_error_kind_in_flow_declares_an_exit_code() -> None:
    _register()  # imports every command module, and so every error kind they can raise

    def kinds(root: type[FlowError]) -> list[type[FlowError]]:
        return [root, *(kind for sub in root.__subclasses__() for kind in kinds(sub))]

    found = kinds(FlowError)
    assert len(found) >= 10  # the walk reached the daemon's and the HTTP client's kinds
    assert all(kind.exit_code in (1, 2) for kind in found)


def test_multi_line_messages_mark_each_line() -> None:
    result = CliRunner().invoke(raising(FlowError("first\nsecond")), [])
    assert result.exit_code == 1
    assert result.output == "flow: first\nflow: second\n"
