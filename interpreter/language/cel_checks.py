"""What a parsed CEL expression must satisfy before it may run.

Two checks, shared by lint (``cel_names``) and by the run-time compile (``cel``)
so that an expression that lints clean also compiles:

- its parse tree nests at most ``MAX_DEPTH`` levels. cel-python evaluates by
  recursion (about five Python frames a level) and so do flow's own walkers:
  2,000 ``!`` in a row, or a few hundred chained ``||``, would otherwise end in
  RecursionError. The bound leaves room for what the specification requires
  every implementation to support (32 nested parentheses, 32 chained ``||``);
- its string and bytes literals decode (``cel_literals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lark

from interpreter.language.cel_literals import first_literal_error

MAX_DEPTH = 400
# Each bracket ((, [, {) nests at least nine levels of the tree, so more than
# this many open at once is too deep before parsing: lark takes seconds to
# build the tree of 3,000 nested brackets only for ``too_deep`` to refuse it.
_MAX_BRACKETS = MAX_DEPTH // 9


@dataclass(frozen=True)
class StaticError:
    code: str  # the lint code: "too-deep" or "cel-syntax"
    message: str
    offset: int  # into the expression's source


def brackets_too_deep(source: str) -> StaticError | None:
    """The bracket that opens one level too many, string literals skipped."""
    depth = 0
    position = 0
    while position < len(source):
        char = source[position]
        if char in "\"'":
            position = _after_string(source, position)
            continue
        if char in "([{":
            depth += 1
            if depth > _MAX_BRACKETS:
                return StaticError(
                    "too-deep", f"the expression nests deeper than {MAX_DEPTH} levels", position
                )
        elif char in ")]}":
            depth -= 1
        position += 1
    return None


def _after_string(source: str, start: int) -> int:
    """Just past the string literal opening at ``start`` (the end if unclosed)."""
    quote = source[start] * 3 if source.startswith(source[start] * 3, start) else source[start]
    raw = start > 0 and source[start - 1] in "rR"
    position = start + len(quote)
    while position < len(source):
        if source.startswith(quote, position):
            return position + len(quote)
        position += 2 if source[position] == "\\" and not raw else 1
    return position


def too_deep(tree: Any) -> StaticError | None:
    """The first node below ``MAX_DEPTH`` levels, found without recursion."""
    pending: list[tuple[Any, int]] = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if not isinstance(node, lark.Tree):
            continue
        if depth > MAX_DEPTH:
            return StaticError(
                "too-deep", f"the expression nests deeper than {MAX_DEPTH} levels", _start(node)
            )
        pending.extend((child, depth + 1) for child in node.children)
    return None


def _start(node: Any) -> int:
    """Where ``node`` starts in the source: its first token's offset."""
    while isinstance(node, lark.Tree):
        if not node.meta.empty and node.meta.start_pos is not None:
            return int(node.meta.start_pos)
        if not node.children:
            return 0
        node = node.children[0]
    return int(getattr(node, "start_pos", None) or 0)


def static_error(tree: Any) -> StaticError | None:
    deep = too_deep(tree)
    if deep is not None:
        return deep
    literal = first_literal_error(tree)
    if literal is not None:
        return StaticError("cel-syntax", literal[0], literal[1])
    return None
