"""The text a ``${ }`` interpolation resolved to, remembering which parts were data.

``"Hi ${ event.data.name }"`` resolves to a plain ``str`` for every consumer
that only wants the text (a log line, an HTTP body, a SQL parameter). A consumer
that treats strings as templates (``email.send`` renders its subject and
bodies with Jinja) must not render the data as template code: a signup named
``{{ run.id }}`` is a name, not an expression. ``Interpolated`` is that text
with its pieces kept, in the way ``markupsafe.Markup`` is a ``str`` that keeps
what it knows about its characters.

The pieces live only in memory: a value written to the database and read back
is a plain ``str`` again, so a template consumer must get its arguments from
the command it executes, as the daemon's engine does.
"""

from __future__ import annotations

from typing import Any

Pieces = tuple[tuple[bool, str, Any], ...]


class Interpolated(str):
    """A ``str`` whose ``pieces`` say which parts are literal and which are data.

    Each piece is ``(is_data, text, value)``: joined in order the texts give the
    string; ``value`` is a data piece's JSON value before it became text (a
    template tag such as ``{% if ${ x } %}`` needs ``false``, not ``"false"``).
    """

    __slots__ = ("pieces",)
    pieces: Pieces

    def __new__(cls, pieces: Pieces) -> Interpolated:
        text = super().__new__(cls, "".join(piece[1] for piece in pieces))
        text.pieces = pieces
        return text

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        # A copy or a pickle is a plain str, as the database gives back: the
        # memory store (which deep-copies) then behaves as the SQL one.
        return str, (str(self),)
