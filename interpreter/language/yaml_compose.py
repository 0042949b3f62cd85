"""PyYAML's composer, made safe for campaign files: the YAML 1.2 core schema's
scalars, and a bound on how deep collections may nest.

PyYAML composes nodes by recursion, one Python frame per level, so a flow
sequence nested 5,000 deep (``[[[[...]]]]``, a few kilobytes of text) raised
RecursionError out of ``flow lint``. Stopping at ``MAX_DEPTH`` turns that into
a lint problem at the first level too many; real campaigns nest about ten deep.
The bound also keeps everything after composing (our builder, the JSON Schema
check, definitions) far from Python's recursion limit.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_DEPTH = 64

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


class TooDeep(Exception):
    """Collections nest deeper than ``MAX_DEPTH``; ``mark`` is where the first
    level too many starts: counting every collection (the composer), or, in a
    run of flow brackets read ahead, the brackets alone (the scanner)."""

    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(f"nested deeper than {MAX_DEPTH}")
        self.mark = mark


class _CoreSchemaLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types instead of
    YAML 1.1's, and a depth bound.

    YAML 1.1 reads ``on``/``off``/``yes``/``no`` as booleans and ``2024-01-01`` as
    a date, which would turn the ``on:`` trigger key into ``True``.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level registry

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # In the scanner already: it keeps one possible simple key per open
        # bracket and rescans them all for every token, so 20,000 brackets
        # cost seconds before the composer ever saw a node.
        if self.flow_level >= MAX_DEPTH:
            raise TooDeep(self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            # Scalars and aliases are leaves: only collections count.
            leaf = self.check_event(yaml.ScalarEvent, yaml.AliasEvent)
            if self._depth > MAX_DEPTH and not leaf:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # PyYAML is untyped
                raise TooDeep(mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


for _tag, _pattern in (
    (NULL_TAG, r"^(?:~|null|Null|NULL|)$"),
    (BOOL_TAG, r"^(?:true|True|TRUE|false|False|FALSE)$"),
    (INT_TAG, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    (
        FLOAT_TAG,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    ),
):
    _CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), None)


def compose(text: str) -> yaml.Node | None:
    """The root node of ``text``'s single document; PyYAML's errors, or TooDeep."""
    loader = _CoreSchemaLoader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()
