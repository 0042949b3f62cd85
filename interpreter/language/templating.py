"""``${ CEL }`` inside data fields: split a string into literal text and expressions.

Each expression keeps the file position of its first character, so that a
syntax error or an unknown name inside it points at the exact column.
``$${`` writes a literal ``${``.
"""

from __future__ import annotations

from dataclasses import dataclass

from interpreter.language.definitions import Expression, Interpolation, Location

OPEN = "${"
ESCAPED_OPEN = "$${"

Positions = tuple[tuple[int, int], ...] | None


@dataclass(frozen=True)
class TemplateError:
    """A ``${`` with no closing ``}``, or an empty ``${ }``; ``offset`` is into the string."""

    message: str
    offset: int


def locate(start: Location, positions: Positions, offset: int) -> Location:
    """The file position of character ``offset`` of a string value that begins at ``start``."""
    if positions is not None and 0 <= offset < len(positions):
        line, column = positions[offset]
        return Location(start.file, line, column)
    return Location(start.file, start.line, start.column + offset)


def expression_at(
    source: str, start: Location, positions: Positions, offset: int = 0
) -> Expression:
    """An Expression for ``source``, found at ``offset`` inside a string value."""
    sliced = positions[offset : offset + len(source)] if positions is not None else None
    if sliced is not None and len(sliced) != len(source):
        sliced = None
    return Expression(source, locate(start, positions, offset), sliced)


def has_template(text: str) -> bool:
    return OPEN in text


def split_template(
    text: str, start: Location, positions: Positions = None
) -> tuple[str | Interpolation, list[TemplateError]]:
    """``text`` as an Interpolation, or unchanged when it holds no ``${``."""
    if OPEN not in text:
        return text, []
    parts: list[str | Expression] = []
    errors: list[TemplateError] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith(ESCAPED_OPEN, index):
            literal.append(OPEN)
            index += len(ESCAPED_OPEN)
            continue
        if not text.startswith(OPEN, index):
            literal.append(text[index])
            index += 1
            continue
        close = _closing_brace(text, index + len(OPEN))
        if close is None:
            errors.append(TemplateError("this ${ is never closed with }", index))
            literal.append(text[index:])
            break
        inner_start = index + len(OPEN)
        inner = text[inner_start:close]
        stripped = inner.strip()
        if not stripped:
            errors.append(TemplateError("${ } holds no expression", index))
        else:
            lead = len(inner) - len(inner.lstrip())
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(expression_at(stripped, start, positions, inner_start + lead))
        index = close + 1
    if literal:
        parts.append("".join(literal))
    if not any(isinstance(part, Expression) for part in parts):
        return "".join(p for p in parts if isinstance(p, str)), errors
    return Interpolation(tuple(parts)), errors


def _closing_brace(text: str, index: int) -> int | None:
    """Index of the ``}`` closing a ``${`` whose body starts at ``index``.

    CEL map literals use braces and string literals may hold any, so nesting
    and quoting are followed rather than taking the first ``}``.
    """
    depth = 0
    quote: str | None = None
    while index < len(text):
        char = text[index]
        if quote is not None:
            if char == "\\":
                index += 2
                continue
            if text.startswith(quote, index):
                index += len(quote)
                quote = None
                continue
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote)
            continue
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return None


def expressions_in(value: object) -> list[Expression]:
    """Every Expression inside a loaded data field, in document order."""
    found: list[Expression] = []
    if isinstance(value, Interpolation):
        found.extend(part for part in value.parts if isinstance(part, Expression))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(expressions_in(item))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(expressions_in(item))
    return found
