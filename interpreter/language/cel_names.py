"""Static reading of CEL: syntax errors at the exact character, and the names used.

cel-python's parser gives a lark tree whose tokens carry their offset in the
source, which is all the lint needs; nothing here evaluates anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import lark
from celpy.celparser import CELParseError

from interpreter.language.cel_checks import brackets_too_deep, static_error
from interpreter.language.cel_runtime import ENVIRONMENT

# Macros whose first argument names a variable bound inside the other arguments.
_BINDING_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
# Type names CEL lets an expression mention as plain identifiers (``type(x) == int``).
CEL_TYPE_NAMES = frozenset(
    {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"}
)


@dataclass(frozen=True)
class NameUse:
    """A root identifier and the field path read from it, as in ``steps.route.output``.

    ``offsets[i]`` is where ``path[i]`` starts in the expression (``path[0]`` is the root).
    """

    path: tuple[str, ...]
    offsets: tuple[int, ...]

    @property
    def root(self) -> str:
        return self.path[0]


@dataclass(frozen=True)
class CelSyntaxError:
    message: str
    offset: int
    code: str = "cel-syntax"  # or "too-deep" (cel_checks)


@dataclass(frozen=True)
class FunctionUse:
    """A call: ``size(x)`` (a function) or ``x.startsWith("a")`` (a method)."""

    name: str
    offset: int
    method: bool


@dataclass(frozen=True)
class CelReading:
    names: tuple[NameUse, ...]
    error: CelSyntaxError | None
    functions: tuple[FunctionUse, ...] = ()


@lru_cache(maxsize=4096)
def read_cel(source: str) -> CelReading:
    """Parse ``source`` and list the names it reads; a syntax error is returned, not raised."""
    early = brackets_too_deep(source)
    if early is not None:
        return CelReading((), CelSyntaxError(early.message, early.offset, early.code))
    try:
        tree = ENVIRONMENT.compile(source)
    except CELParseError as error:
        return CelReading((), _syntax_error(source, error))
    except Exception as error:  # cel-python raises bare errors for some odd inputs
        return CelReading((), CelSyntaxError(f"not valid CEL: {error}", 0))
    refused = static_error(tree)
    if refused is not None:
        return CelReading((), CelSyntaxError(refused.message, refused.offset, refused.code))
    return CelReading(tuple(_names(tree, frozenset())), None, tuple(_calls(tree)))


def _calls(tree: Any) -> Iterator[FunctionUse]:
    for node in tree.iter_subtrees():
        if node.data == "member_dot_arg" and len(node.children) >= 2:
            name, method = node.children[1], True
        elif node.data == "ident_arg" and node.children:
            name, method = node.children[0], False
        else:
            continue
        if isinstance(name, lark.Token):
            yield FunctionUse(str(name.value), name.start_pos or 0, method)


def _syntax_error(source: str, error: CELParseError) -> CelSyntaxError:
    offset = 0
    if error.line is not None and error.column is not None:
        lines = source.split("\n")
        offset = sum(len(line) + 1 for line in lines[: error.line - 1]) + error.column - 1
    offset = max(0, min(offset, max(len(source) - 1, 0)))
    cause = error.__context__
    if isinstance(cause, lark.exceptions.UnexpectedCharacters):
        message = f"unexpected character {source[offset]!r}" if source else "empty expression"
        if source[offset : offset + 1] == "=" and source[offset - 1 : offset] not in "=!<>":
            message += "; did you mean '=='? (CEL compares with ==)"
    elif isinstance(cause, lark.exceptions.UnexpectedToken):
        token = cause.token
        if token.type == "$END":
            message = "the expression ends too early"
            offset = max(len(source.rstrip()) - 1, 0)
        else:
            message = f"unexpected {token.value!r}"
    else:
        message = "not valid CEL"
    if not source.strip():
        message = "empty expression"
    return CelSyntaxError(message, offset)


def _names(node: Any, bound: frozenset[str]) -> Iterator[NameUse]:
    if not isinstance(node, lark.Tree):
        return
    if node.data == "member":
        chain = _chain(node)
        if chain is not None:
            if chain[0].value not in bound:
                yield NameUse(
                    tuple(str(t.value) for t in chain), tuple(t.start_pos or 0 for t in chain)
                )
            return
    if node.data == "member_dot_arg" and len(node.children) >= 3:
        method = node.children[1]
        arguments = node.children[2]
        if (
            isinstance(method, lark.Token)
            and method.value in _BINDING_MACROS
            and isinstance(arguments, lark.Tree)
            and arguments.children
        ):
            variable = _single_ident(arguments.children[0])
            if variable is not None:
                yield from _names(node.children[0], bound)
                inner = bound | {variable}
                for argument in arguments.children[1:]:
                    yield from _names(argument, inner)
                return
    if node.data == "ident" and node.children:
        token = node.children[0]
        if isinstance(token, lark.Token) and token.value not in bound:
            yield NameUse((str(token.value),), (token.start_pos or 0,))
        return
    for child in node.children:
        yield from _names(child, bound)


def _chain(member: lark.Tree[Any]) -> list[lark.Token] | None:
    """The tokens of a pure ``a.b.c`` path, or None if ``member`` is anything else."""
    child = member.children[0] if member.children else None
    if not isinstance(child, lark.Tree):
        return None
    if child.data == "primary":
        ident = child.children[0] if child.children else None
        if isinstance(ident, lark.Tree) and ident.data == "ident":
            token = ident.children[0]
            return [token] if isinstance(token, lark.Token) else None
        return None
    if child.data == "member_dot" and len(child.children) == 2:
        base, field = child.children
        if isinstance(base, lark.Tree) and isinstance(field, lark.Token):
            prefix = _chain(base)
            return [*prefix, field] if prefix is not None else None
    return None


def _single_ident(expr: Any) -> str | None:
    """The name in an expression that is nothing but one identifier (a macro's variable)."""
    node = expr
    while isinstance(node, lark.Tree):
        if node.data == "ident":
            token = node.children[0]
            return str(token.value) if isinstance(token, lark.Token) else None
        if len(node.children) != 1:
            return None
        node = node.children[0]
    return None
