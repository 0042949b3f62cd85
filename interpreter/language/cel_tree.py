"""Reading cel-python's lark parse trees: the identifiers a node names and where
it stands in its source. Kept apart so evaluation and wait keys share one reading."""

from __future__ import annotations

from typing import Any

import lark


def identifiers(node: Any) -> set[str]:
    """Every identifier token under ``node`` (a root such as ``event`` included)."""
    if not isinstance(node, lark.Tree):
        return set()
    return {
        str(token)
        for token in node.scan_values(
            lambda value: isinstance(value, lark.Token) and value.type == "IDENT"
        )
    }


def span(node: Any) -> tuple[int, int] | None:
    """Where a parse-tree node stands in its source. lark leaves some nodes'
    ``meta`` empty (the right side of a comparison before ``&&``, for one), so
    their tokens' positions are used then; None when neither is known."""
    meta = getattr(node, "meta", None)
    start, end = getattr(meta, "start_pos", None), getattr(meta, "end_pos", None)
    if isinstance(start, int) and isinstance(end, int):
        return start, end
    tokens = (
        [node]
        if isinstance(node, lark.Token)
        else list(node.scan_values(lambda value: isinstance(value, lark.Token)))
        if isinstance(node, lark.Tree)
        else []
    )
    starts = [t.start_pos for t in tokens if isinstance(t.start_pos, int)]
    ends = [t.end_pos for t in tokens if isinstance(t.end_pos, int)]
    if not starts or not ends:
        return None
    return min(starts), max(ends)
