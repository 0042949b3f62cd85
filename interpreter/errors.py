"""The one exception root of flow.

Each subclass's docstring is its default message. Subclasses carry fields, not
just strings, and only the CLI and HTTP edges turn them into exit codes or
status codes. ``exit_code`` is the CLI's status for each kind, declared with
the kind (``interpreter/cli/edge.py`` reads it): 1 for a problem with the
campaign, the data or the world, 2 for a command used wrongly.
"""

from __future__ import annotations

from typing import Any, ClassVar


class FlowError(Exception):
    """flow failed."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        self.message = message or (type(self).__doc__ or "").strip()
        self.fields = fields
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class DefinitionError(FlowError):
    """The campaign definition is invalid."""


class ExpressionError(FlowError):
    """A CEL expression could not be compiled or evaluated.

    ``location`` names where the expression stands in the YAML, when known.
    """

    def __init__(self, message: str | None = None, *, location: str | None = None) -> None:
        super().__init__(message, location=location)
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ActionError(FlowError):
    """An action failed.

    ``retryable`` says whether running the same action again could succeed.
    """

    def __init__(self, message: str | None = None, *, retryable: bool = False) -> None:
        super().__init__(message, retryable=retryable)
        self.retryable = retryable


class ActionDeferred(FlowError):
    """The action may not run yet: the step is to try it again at ``until``.

    Not a failure (no retry budget is spent): ``email.send`` raises it when a
    frequency cap is full and its step says ``when_capped: defer``. ``output``
    is what the timeline shows for the deferred attempt.
    """

    def __init__(self, message: str | None = None, *, until: Any, output: Any = None) -> None:
        super().__init__(message, until=until, output=output)
        self.until = until
        self.output = output


class StoreError(FlowError):
    """The database could not be used."""


class NotFound(StoreError):
    """No such record."""


class UsageError(FlowError):
    """The command was used wrongly."""

    exit_code = 2


class NoSuchPath(UsageError):
    """A path the command was given does not exist.

    A command used wrongly, whichever command it is: ``flow lint``, ``flow run``,
    ``flow worker --workflows`` and the rest all exit 2 for it. ``path`` is the
    path as the user typed it; ``where`` names what took it (an option such as
    ``--output``, or a database URL), if the path alone would not say.
    """

    def __init__(self, path: object, *, where: str | None = None) -> None:
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{path}: no such file or folder", path=str(path), where=where)
        self.path = str(path)
        self.where = where
