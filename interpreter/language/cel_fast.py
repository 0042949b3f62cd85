"""A fast path for the common shapes of CEL, decided without cel-python.

cel-python walks its lark tree with a visitor and converts every scope root it
reads into CEL values first: about 0.5 ms for a condition such as
``size(steps.check_plan.output.rows) == 0 || steps.check_plan.output.rows[0].plan != "pro"``.
Here such a tree is compiled once into plain Python closures over JSON values.

Only answers that are certain are given, and they are flow's CEL answers: the
comparisons use ``cel_values``, the same functions the full program runs. A
closure raises ``Undecided`` for anything else (a missing member, an index out
of range, an ordering between kinds that have none, an error on the left of
``||``...), and the caller then evaluates the whole expression with the full
program, so every error keeps its message. Supported:

- scope roots, ``.field`` on a JSON object, ``[int]`` on a list, ``["key"]`` on
  an object;
- literals: null, bools, decimal ints, doubles, strings without escapes;
- ``size(x)`` of a list, an object or a string;
- ``==`` and ``!=`` between two JSON scalars or with null on either side, and
  ``<``, ``<=``, ``>``, ``>=`` between two numbers (int or double), two strings
  or two bools;
- ``!``, ``&&``, ``||`` and ``? :`` on bools, with CEL's short-circuits;
- parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import lark

from interpreter.language.cel_values import equal, order

JSON = Any
Scope = Mapping[str, JSON]
Program = Callable[[Scope], JSON]

_INT64 = (-(2**63), 2**63 - 1)
_PLAIN_STRING = re.compile(r"""^(?:"([^"\\\n\r]*)"|'([^'\\\n\r]*)')$""")
_DECIMAL = re.compile(r"^-?[0-9]+$")
_EQUALITY = frozenset({"relation_eq", "relation_ne"})
_ORDERING: dict[str, Callable[[int | None], bool]] = {
    "relation_lt": lambda c: c is not None and c < 0,
    "relation_le": lambda c: c is not None and c <= 0,
    "relation_gt": lambda c: c is not None and c > 0,
    "relation_ge": lambda c: c is not None and c >= 0,
}
# Types whose Python == is CEL's between two values of that type (an int may
# lie beyond int64, where CEL compares doubles, so it goes through ``equal``).
_PLAIN_EQUAL = frozenset({str, bool, float})
# JSON scalars: equality between any two of them (or with null) is decided here.
_SCALARS = frozenset({str, int, bool, float, type(None)})
# Orderable JSON types, by kind: ints and doubles are one kind, bools another.
_ORDERED = {int: "number", float: "number", str: "string", bool: "bool"}


class Undecided(Exception):
    """This expression, in this scope, is the full program's to evaluate."""


class _Unsupported(Exception):
    """The tree has a construct the fast path does not compile."""


def compile_fast(tree: Any) -> Program | None:
    """A Python program for ``tree``, or None when it uses anything unsupported."""
    try:
        return _node(tree)
    except _Unsupported:
        return None


def _undecided() -> Undecided:
    return Undecided()


def _node(tree: Any) -> Program:
    if not isinstance(tree, lark.Tree):
        raise _Unsupported
    handler = _HANDLERS.get(str(tree.data))
    if handler is None:
        raise _Unsupported
    return handler(tree.children)


def _single(children: list[Any]) -> Program:
    if len(children) != 1:
        raise _Unsupported
    return _node(children[0])


def _expr(children: list[Any]) -> Program:
    if len(children) == 1:
        return _node(children[0])
    if len(children) != 3:
        raise _Unsupported
    condition, yes, no = (_node(child) for child in children)

    def choose(scope: Scope) -> JSON:
        chosen = condition(scope)
        if chosen is True:
            return yes(scope)
        if chosen is False:
            return no(scope)
        raise _undecided()

    return choose


def _or(children: list[Any]) -> Program:
    if len(children) == 1:
        return _node(children[0])
    left, right = _pair(children)

    def either(scope: Scope) -> JSON:
        first = left(scope)
        if first is True:
            return True
        if first is not False:
            raise _undecided()
        return _bool(right(scope))

    return either


def _and(children: list[Any]) -> Program:
    if len(children) == 1:
        return _node(children[0])
    left, right = _pair(children)

    def both(scope: Scope) -> JSON:
        first = left(scope)
        if first is False:
            return False
        if first is not True:
            raise _undecided()
        return _bool(right(scope))

    return both


def _pair(children: list[Any]) -> tuple[Program, Program]:
    if len(children) != 2:
        raise _Unsupported
    return _node(children[0]), _node(children[1])


def _bool(value: JSON) -> bool:
    if value is True or value is False:
        return bool(value)
    raise _undecided()


def _relation(children: list[Any]) -> Program:
    if len(children) == 1:
        return _node(children[0])
    if len(children) != 2 or not isinstance(children[0], lark.Tree):
        raise _Unsupported
    operation, right_tree = children
    name = str(operation.data)
    left = _single(operation.children)
    right = _node(right_tree)
    if name in _EQUALITY:
        negate = name == "relation_ne"

        def compare_equal(scope: Scope) -> bool:
            a, b = left(scope), right(scope)
            same = type(a)
            if same is type(b) and same in _PLAIN_EQUAL:  # the common case, inlined
                return bool(a == b) != negate
            if a is None or b is None or (same in _SCALARS and type(b) in _SCALARS):
                return equal(a, b) != negate
            raise _undecided()

        return compare_equal
    if name in _ORDERING:
        decide = _ORDERING[name]

        def compare_order(scope: Scope) -> bool:
            a, b = left(scope), right(scope)
            low, high = _INT64
            if type(a) is int and type(b) is int and low <= a <= high and low <= b <= high:
                return decide((a > b) - (a < b))  # the common case, inlined
            kinds = _ORDERED.get(type(a)), _ORDERED.get(type(b))
            if kinds[0] is None or kinds[0] != kinds[1]:
                raise _undecided()  # no ordering: the full program reports the error
            return decide(order(a, b))

        return compare_order
    raise _Unsupported


def _wide(value: JSON) -> bool:
    """An int literal CEL cannot hold: the full program reports the error."""
    return type(value) is int and not _INT64[0] <= value <= _INT64[1]


def _unary(children: list[Any]) -> Program:
    if len(children) == 1:
        return _node(children[0])
    if len(children) != 2 or not isinstance(children[0], lark.Tree):
        raise _Unsupported
    if children[0].data != "unary_not":
        raise _Unsupported
    operand = _node(children[1])

    def negate(scope: Scope) -> bool:
        return not _bool(operand(scope))

    return negate


def _member_dot(children: list[Any]) -> Program:
    if len(children) != 2 or not isinstance(children[1], lark.Token):
        raise _Unsupported
    target = _node(children[0])
    name = str(children[1])

    def field(scope: Scope) -> JSON:
        value = target(scope)
        if type(value) is not dict or name not in value:
            raise _undecided()
        return value[name]

    return field


def _member_index(children: list[Any]) -> Program:
    if len(children) != 2:
        raise _Unsupported
    target, key = _node(children[0]), _node(children[1])

    def index(scope: Scope) -> JSON:
        value, at = target(scope), key(scope)
        if type(value) is list and type(at) is int and 0 <= at < len(value):
            return value[at]
        if type(value) is dict and type(at) is str and at in value:
            return value[at]
        raise _undecided()

    return index


def _ident(children: list[Any]) -> Program:
    if len(children) != 1 or not isinstance(children[0], lark.Token):
        raise _Unsupported
    name = str(children[0])

    def root(scope: Scope) -> JSON:
        if name not in scope:
            raise _undecided()
        return scope[name]

    return root


def _ident_arg(children: list[Any]) -> Program:
    if len(children) != 2 or str(children[0]) != "size":
        raise _Unsupported
    arguments = children[1]
    if not isinstance(arguments, lark.Tree) or len(arguments.children) != 1:
        raise _Unsupported
    operand = _node(arguments.children[0])

    def size(scope: Scope) -> int:
        value = operand(scope)
        if type(value) not in (list, dict, str):
            raise _undecided()
        return len(value)

    return size


def _literal(children: list[Any]) -> Program:
    if len(children) != 1 or not isinstance(children[0], lark.Token):
        raise _Unsupported
    token = children[0]
    text = str(token)
    value: JSON
    if token.type == "NULL_LIT":
        value = None
    elif token.type == "BOOL_LIT":
        value = text == "true"
    elif token.type == "INT_LIT" and _DECIMAL.match(text):
        value = int(text)
        if _wide(value):
            raise _Unsupported
    elif token.type == "FLOAT_LIT":
        value = float(text)
    elif token.type == "STRING_LIT" and (match := _PLAIN_STRING.match(text)):
        value = match.group(1) if match.group(1) is not None else match.group(2)
    else:
        raise _Unsupported

    def constant(scope: Scope) -> JSON:
        return value

    return constant


_HANDLERS: dict[str, Callable[[list[Any]], Program]] = {
    "expr": _expr,
    "conditionalor": _or,
    "conditionaland": _and,
    "relation": _relation,
    "addition": _single,
    "multiplication": _single,
    "unary": _unary,
    "member": _single,
    "member_dot": _member_dot,
    "member_index": _member_index,
    "primary": _single,
    "paren_expr": _single,
    "ident": _ident,
    "ident_arg": _ident_arg,
    "literal": _literal,
}
