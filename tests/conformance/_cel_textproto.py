"""A reader for the subset of the protobuf text format the cel-spec test files use.

A message is read into a dict from field name to the list of its values (every
field may repeat); a value is a nested dict, a ``bytes`` string (text-format
strings are byte strings, decoded by the caller), or the bare word or number
as text. ``[type.url/Name] { ... }`` extension fields keep their bracketed name.
"""

from __future__ import annotations

import re
from typing import Any

Message = dict[str, list[Any]]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<extension>\[[^\]]*\])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*|[-+]?[0-9][0-9A-Za-z_.+-]*|-[A-Za-z]+)
  | (?P<punct>[{}:,;<>])
    """,
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}


def _unquote(literal: str) -> bytes:
    body = literal[1:-1]
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(body):
        out += body[position : match.start()].encode("utf-8")
        code = match.group(1)
        if code[0] == "x":
            out.append(int(code[1:], 16))
        elif code[0] in "01234567":
            out.append(int(code, 8) & 0xFF)
        elif code[0] in "uU":
            out += chr(int(code[1:], 16)).encode("utf-8")
        else:
            out.append(_SIMPLE.get(code, ord(code)))
        position = match.end()
    out += body[position:].encode("utf-8")
    return bytes(out)


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"textproto: cannot read {text[position : position + 30]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append((kind, match.group()))
        position = match.end()
    return found


def parse(text: str) -> Message:
    tokens = _tokens(text)
    message, end = _message(tokens, 0, None)
    if end != len(tokens):
        raise ValueError("textproto: unbalanced braces")
    return message


def _message(tokens: list[tuple[str, str]], at: int, closer: str | None) -> tuple[Message, int]:
    message: Message = {}
    while at < len(tokens):
        kind, text = tokens[at]
        if closer is not None and text == closer:
            return message, at + 1
        if kind not in ("word", "extension"):
            raise ValueError(f"textproto: expected a field name, got {text!r}")
        name = text
        at += 1
        if tokens[at][1] == ":":
            at += 1
        value: Any
        if tokens[at][1] in ("{", "<"):
            value, at = _message(tokens, at + 1, "}" if tokens[at][1] == "{" else ">")
        elif tokens[at][0] == "string":
            chunks = []
            while at < len(tokens) and tokens[at][0] == "string":
                chunks.append(_unquote(tokens[at][1]))
                at += 1
            value = b"".join(chunks)
        else:
            value = tokens[at][1]
            at += 1
        message.setdefault(name, []).append(value)
        while at < len(tokens) and tokens[at][1] in (",", ";"):
            at += 1
    if closer is not None:
        raise ValueError("textproto: missing closing brace")
    return message, at
