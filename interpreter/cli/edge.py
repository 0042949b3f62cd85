"""Where errors become one line and an exit code: the CLI's only error mapping.

Each kind of error is one branch: click's own (usage mistakes, ``--help``),
flow's (``FlowError``, whose class declares its exit code), an interrupt, and
anything else, which is a bug: one line, exit 70, never a traceback unless
``FLOW_DEBUG`` asks for it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from interpreter.errors import FlowError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class Exit(click.ClickException):
    """An error already worded for the user, with its exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        # ClickException declares exit_code on the class; each Exit carries its own.
        self.exit_code = exit_code  # type: ignore[misc]  # a ClassVar in click's stubs

    def show(self, file: Any = None) -> None:
        # One problem a line, each marked as flow's, so a list of them reads as one.
        for line in self.message.splitlines() or [""]:
            click.echo(f"flow: {line}", err=True)


def at_the_edge(function: F) -> F:
    """Turn flow's errors, raised by a command, into one line on stderr and the
    exit code their kind declares."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except FlowError as error:
            raise Exit(str(error), error.exit_code) from None
        except KeyboardInterrupt:
            raise click.Abort() from None

    return wrapper  # type: ignore[return-value]  # functools.wraps loses the signature type


def exit_status(call: Callable[[], Any]) -> int:
    """Run a click command line; its exit status, with every error shown as one line."""
    try:
        result = call()
    except click.exceptions.Abort:
        click.echo("flow: aborted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except Exception as error:  # the last line of defence: never a traceback
        if os.environ.get("FLOW_DEBUG"):
            raise
        detail = " ".join(str(error).split())[:300]
        click.echo(
            f"flow: internal error: {type(error).__name__}: {detail} "
            "(set FLOW_DEBUG=1 for the traceback)",
            err=True,
        )
        return EXIT_INTERNAL
    return int(result or 0)  # a command returns None or its exit code
