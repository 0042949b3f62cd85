"""String and bytes literals decoded as the CEL specification says.

cel-python keeps an unknown escape as it stands (``"\\?"`` is two characters),
knows neither ``\\?``, ``\\``` nor ``\\X41``, and gives no error for a bad escape.
The language definition's escapes are: ``\\\\ \\? \\" \\' \\``` and
``\\a \\b \\f \\n \\r \\t \\v``; ``\\xHH`` or ``\\XHH``; ``\\uHHHH`` and
``\\UHHHHHHHH`` (strings only, never a surrogate); and octal ``\\[0-3][0-7][0-7]``.
In a string ``\\x`` and octal escapes give code points, in bytes they give
bytes. Raw literals (``r"..."``) keep every backslash. Anything else is an
error, reported with its offset so that lint can point at the character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import lark

_SIMPLE = {
    "\\": "\\",
    "?": "?",
    '"': '"',
    "'": "'",
    "`": "`",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_ESCAPE = re.compile(
    r"\\(?:([\\?\"'`abfnrtv])|[xX]([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})"
    r"|U([0-9A-Fa-f]{8})|([0-3][0-7]{2})|(.?))",
    re.DOTALL,
)


_LITERAL_TOKENS = frozenset({"STRING_LIT", "MLSTRING_LIT", "BYTES_LIT"})


@dataclass(frozen=True)
class LiteralError(Exception):
    """A literal the specification does not allow; ``offset`` is into its token."""

    message: str
    offset: int


def _body(token: str, prefix: int) -> tuple[str, int, bool]:
    """The text between the quotes, where it starts in the token, and if raw."""
    raw = token[prefix : prefix + 1] in ("r", "R")
    start = prefix + (1 if raw else 0)
    quote = 3 if token[start : start + 3] in ('"""', "'''") else 1
    return token[start + quote : len(token) - quote], start + quote, raw


def decode_string(token: str) -> str:
    body, start, raw = _body(token, 0)
    if raw:
        return body
    out: list[str] = []
    position = 0
    for match in _ESCAPE.finditer(body):
        out.append(body[position : match.start()])
        simple, hex2, hex4, hex8, octal, bad = match.groups()
        if simple is not None:
            out.append(_SIMPLE[simple])
        elif hex2 or octal:
            out.append(chr(int(hex2, 16) if hex2 else int(octal, 8)))
        elif hex4 or hex8:
            code = int(hex4 or hex8, 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise LiteralError("invalid unicode code point in escape", start + match.start())
            out.append(chr(code))
        else:
            raise LiteralError(f"invalid escape '\\{bad}'", start + match.start())
        position = match.end()
    out.append(body[position:])
    return "".join(out)


def decode_bytes(token: str) -> bytes:
    body, start, raw = _body(token, 1)
    if raw:
        return body.encode("utf-8")
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(body):
        out += body[position : match.start()].encode("utf-8")
        simple, hex2, hex4, hex8, octal, bad = match.groups()
        if simple is not None:
            out += _SIMPLE[simple].encode("ascii")
        elif hex2 or octal:
            out.append(int(hex2, 16) if hex2 else int(octal, 8))
        else:
            what = "unicode escape in bytes" if hex4 or hex8 else f"invalid escape '\\{bad}'"
            raise LiteralError(what, start + match.start())
        position = match.end()
    out += body[position:].encode("utf-8")
    return bytes(out)


def literal_error(token_type: str, text: str) -> LiteralError | None:
    """The error in a STRING_LIT, MLSTRING_LIT or BYTES_LIT token, if any."""
    try:
        if token_type == "BYTES_LIT":
            decode_bytes(text)
        else:
            decode_string(text)
    except LiteralError as error:
        return error
    return None


def first_literal_error(tree: Any) -> tuple[str, int] | None:
    """``(message, offset into the source)`` of the first bad literal in a parsed tree."""
    for token in tree.scan_values(
        lambda value: isinstance(value, lark.Token) and value.type in _LITERAL_TOKENS
    ):
        error = literal_error(token.type, str(token))
        if error is not None:
            return error.message, int(token.start_pos or 0) + error.offset
    return None
