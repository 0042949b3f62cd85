"""Where errors become one line and an exit code: the CLI's only error mapping."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from interpreter.errors import DefinitionError, FlowError, NotFound, UsageError

F = TypeVar("F", bound=Callable[..., Any])


class Exit(click.ClickException):
    """An error already worded for the user, with its exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        # ClickException declares exit_code on the class; each Exit carries its own.
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        # One problem a line, each marked as flow's, so a list of them reads as one.
        for line in self.message.splitlines() or [""]:
            click.echo(f"flow: {line}", err=True)


def at_the_edge(function: F) -> F:
    """Turn flow's errors into one line on stderr and an exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except UsageError as error:
            raise Exit(str(error), 2) from None
        except NotFound as error:
            raise Exit(str(error), 1) from None
        except (DefinitionError, FlowError) as error:
            raise Exit(str(error), 1) from None
        except KeyboardInterrupt:
            raise click.Abort() from None

    return wrapper  # type: ignore[return-value]  # functools.wraps loses the signature type
