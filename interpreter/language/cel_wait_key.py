"""The indexable half of a wait or cancel condition: ``async.<path> == <value>``.

A waiting run is stored with the path and the value its condition compares, so
an event finds its candidates by index instead of every run waiting on its name.
When the span of a side is unknown, no key is found: every event of the name is
then a candidate, which is slower but never wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import lark
from celpy.celparser import CELParseError

from interpreter.errors import ExpressionError
from interpreter.language.cel import MEMBER_PATH, evaluate, parse_tree
from interpreter.language.cel_tree import identifiers, span
from interpreter.language.definitions import Expression
from interpreter.language.values import JSON

# Grammar nodes that only wrap one child on the way down to a conjunction.
_PASS_THROUGH = frozenset({"expr", "conditionalor", "relation"})


def match_key(expr: Expression, scope: Mapping[str, JSON]) -> tuple[str, JSON] | None:
    """Finds a top-level conjunct ``async.<path> == <expression without async>``
    (either way round), evaluates the other side in ``scope`` and returns
    ``(path, value)``. The full condition must still be evaluated on each
    candidate; this only narrows the candidates to those the index finds.
    """
    try:
        sides = _key_sides(expr.source)
    except CELParseError:
        return None
    if sides is None:
        return None
    path, other = sides
    try:
        return path, evaluate(Expression(other, expr.location), scope)
    except ExpressionError:
        return None


@lru_cache(maxsize=1024)
def _key_sides(source: str) -> tuple[str, str] | None:
    """The async path and the source of the other side of the first indexable
    equality in ``source``: found once per expression text (walking the tree
    per wait cost more than the rest of storing it)."""
    tree = parse_tree(source)
    if tree is None:
        return None
    for left, right in _top_level_equalities(tree):
        for one, other in ((left, right), (right, left)):
            path = _async_path(source, one)
            where = span(other)
            if path is None or where is None or "async" in identifiers(other):
                continue
            return path, source[where[0] : where[1]]
    return None


def _top_level_equalities(tree: Any) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if not isinstance(node, lark.Tree):
            continue
        single = len(node.children) == 1
        if node.data == "conditionaland" or (single and node.data in _PASS_THROUGH):
            pending.extend(node.children)
        elif node.data == "relation" and len(node.children) == 2:
            operator, right = node.children
            if isinstance(operator, lark.Tree) and operator.data == "relation_eq":
                found.append((operator.children[0], right))
    return found


def _async_path(source: str, node: Any) -> str | None:
    where = span(node)
    if where is None:
        return None
    match = MEMBER_PATH.match(source[where[0] : where[1]])
    if not match:
        return None
    parts = [part.strip() for part in match.group(1).split(".")]
    if parts[0] != "async" or len(parts) < 2:
        return None
    return ".".join(parts[1:])
