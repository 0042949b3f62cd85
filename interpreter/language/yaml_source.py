"""Safe YAML reading that remembers where every key and value stands.

PyYAML's composer gives nodes with marks; we build plain Python values from them
ourselves so that we can (a) reject what PyYAML silently accepts (duplicate
keys, alias bombs), (b) use YAML 1.2 core scalars (``on:`` stays the string
"on", ``no`` stays "no"), and (c) keep a (line, column) for every path. Nothing
here can construct a Python object: only str, int, float, bool, None, list, dict.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from interpreter.language.definitions import Location
from interpreter.language.problems import Problem
from interpreter.language.yaml_compose import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    MAP_TAG,
    MAX_DEPTH,
    NULL_TAG,
    SEQ_TAG,
    STR_TAG,
    TooDeep,
    compose,
)

MAX_FILE_BYTES = 1024 * 1024
# A real campaign has a few thousand nodes; a "billion laughs" file expands to
# millions through aliases. Counting nodes as we build bounds memory and time.
MAX_NODES = 100_000

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class _Scalar:
    start: int  # character index of the scalar's first character in the text
    end: int
    style: str | None  # None plain, "'" / '"' quoted, "|" / ">" block


@dataclass
class SourceMap:
    """Where each path of the document stands in the file.

    A path is a tuple of mapping keys and sequence indexes, as in
    ``("steps", 0, "with", "to")``.
    """

    file: str
    text: str
    keys: dict[JsonPath, Location] = field(default_factory=dict)
    values: dict[JsonPath, Location] = field(default_factory=dict)
    scalars: dict[JsonPath, _Scalar] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def location_at_index(self, index: int) -> Location:
        line = bisect.bisect_right(self._line_starts, index) - 1
        return Location(self.file, line + 1, index - self._line_starts[line] + 1)

    def value(self, path: JsonPath) -> Location:
        """The value at ``path``, or the nearest enclosing one that exists."""
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def key(self, path: JsonPath) -> Location:
        """The key naming ``path``; a sequence item's value; or the nearest parent's."""
        while path:
            if path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def character_positions(self, path: JsonPath, value: str) -> tuple[tuple[int, int], ...] | None:
        """(line, column) of each character of the string ``value`` found at ``path``.

        None when simple arithmetic from the value's start is exact: a plain or
        unescaped quoted scalar on one line. Otherwise the characters are matched
        against the source text in order, which is right for block scalars and for
        plain and quoted scalars folded over several lines.
        """
        scalar = self.scalars.get(path)
        if scalar is None:
            return None
        source = self.text[scalar.start : scalar.end]
        if "\n" not in source and scalar.style is None:
            return None
        start = scalar.start
        if scalar.style in ("'", '"'):
            start += 1
        elif scalar.style in ("|", ">"):
            # Skip the indicator line, so that a comment after "|" is never matched.
            newline = self.text.find("\n", scalar.start, scalar.end)
            start = newline + 1 if newline >= 0 else scalar.end
        positions: list[tuple[int, int]] = []
        cursor = start
        for char in value:
            while cursor < scalar.end and self.text[cursor] != char:
                if char == " " and self.text[cursor] == "\n":
                    break  # a line fold: the space stands for the line break
                cursor += 1
            if cursor >= scalar.end:
                return None
            where = self.location_at_index(cursor)
            positions.append((where.line, where.column))
            cursor += 1
        return tuple(positions)


@dataclass(frozen=True)
class Document:
    """A YAML file as plain values, with the map of where each came from."""

    data: dict[str, Any]
    source: SourceMap


def decode_source(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text: reject oversize, non-UTF-8 and empty files with a clear problem."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            Problem(
                file,
                1,
                1,
                "file-too-large",
                f"the file is {len(raw)} bytes; a campaign may be at most {MAX_FILE_BYTES}",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return None, [
            Problem(
                file,
                line,
                column,
                "not-utf8",
                f"byte 0x{raw[error.start]:02x} is not UTF-8; save the file as UTF-8",
            )
        ]
    return text.removeprefix("\ufeff"), []


def parse_document(text: str, file: str) -> tuple[Document | None, list[Problem]]:
    """Compose ``text`` into a ``Document``; every failure is a Problem, never an exception."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return None, [
            Problem(
                file, 1, 1, "file-too-large", f"a campaign may be at most {MAX_FILE_BYTES} bytes"
            )
        ]
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return None, [Problem(file, 1, 1, "empty-file", "the file holds no campaign")]
    tabs = list(_tab_indentation(text, file))
    if tabs:
        return None, tabs
    source = SourceMap(file, text)
    try:
        root = compose(text)
    except TooDeep as error:
        where = _mark(file, error.mark)
        return None, [
            Problem.at(
                where,
                "too-deep",
                f"collections nested more than {MAX_DEPTH} deep; flatten the structure",
            )
        ]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part)
        return None, [Problem(file, line, column, "yaml-syntax", message or "invalid YAML")]
    except yaml.reader.ReaderError as error:
        where = source.location_at_index(error.position)
        code = error.character if isinstance(error.character, int) else ord(error.character)
        return None, [
            Problem.at(
                where,
                "yaml-syntax",
                f"the control character U+{code:04X} is not allowed in YAML text",
            )
        ]
    except yaml.YAMLError as error:
        return None, [Problem(file, 1, 1, "yaml-syntax", str(error))]
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == NULL_TAG):
        return None, [Problem(file, 1, 1, "empty-file", "the file holds no campaign")]
    if not isinstance(root, yaml.MappingNode):
        where = _mark(file, root.start_mark)
        return None, [
            Problem.at(
                where,
                "root-not-mapping",
                "a campaign file must be a mapping of keys such as id, on and steps",
            )
        ]
    builder = _Builder(source)
    try:
        data = builder.build(root, ())
    except _TooBig:
        return None, [
            Problem(
                file,
                1,
                1,
                "yaml-aliases",
                f"the document expands to more than {MAX_NODES} nodes; remove the alias chains",
            )
        ]
    if builder.problems:
        return None, builder.problems
    assert isinstance(data, dict)
    return Document(data, source), []


def _tab_indentation(text: str, file: str) -> Iterator[Problem]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)]
        if "\t" in indent and stripped and not stripped.startswith("#"):
            yield Problem(
                file,
                number,
                indent.index("\t") + 1,
                "tab-indent",
                "a tab in the indentation; YAML indents with spaces only",
            )


def _mark(file: str, mark: yaml.Mark) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


class _TooBig(Exception):
    pass


class _Builder:
    """Turns composed nodes into plain values, recording positions and problems."""

    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.count = 0
        self.building: set[int] = set()

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig
        file = self.source.file
        self.source.values.setdefault(path, _mark(file, node.start_mark))
        if id(node) in self.building:
            self.problems.append(
                Problem.at(
                    _mark(file, node.start_mark), "yaml-aliases", "an alias refers to itself"
                )
            )
            return None
        if isinstance(node, yaml.ScalarNode):
            self.source.scalars.setdefault(
                path, _Scalar(node.start_mark.index, node.end_mark.index, node.style)
            )
            return self._scalar(node)
        self.building.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode) and node.tag == SEQ_TAG:
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode) and node.tag == MAP_TAG:
                return self._mapping(node, path)
            self._unsupported_tag(node)
            return None
        finally:
            self.building.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, Any]:
        file = self.source.file
        result: dict[str, Any] = {}
        first_seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            where = _mark(file, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem.at(where, "yaml-syntax", "a key must be a plain name, not a collection")
                )
                continue
            key = str(key_node.value)
            if key == "<<" and key_node.style is None:
                self.problems.append(
                    Problem.at(
                        where,
                        "unsupported-yaml",
                        "merge keys (<<) are not supported; write the keys out",
                    )
                )
                continue
            if key in first_seen:
                earlier = first_seen[key]
                self.problems.append(
                    Problem.at(
                        where,
                        "duplicate-key",
                        f"key {key!r} appears twice in this mapping (first on line {earlier.line})",
                    )
                )
                continue
            first_seen[key] = where
            self.source.keys[(*path, key)] = where
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value: str = node.value
        try:
            if node.tag == STR_TAG:
                return value
            if node.tag == NULL_TAG:
                return None
            if node.tag == BOOL_TAG:
                if value.lower() not in ("true", "false"):
                    raise ValueError(value)
                return value.lower() == "true"
            if node.tag == INT_TAG:
                return _to_int(value)
            if node.tag == FLOAT_TAG:
                return _to_float(value)
        except ValueError:
            self.problems.append(
                Problem.at(
                    _mark(self.source.file, node.start_mark),
                    "yaml-syntax",
                    f"{value!r} is not a valid {node.tag.rsplit(':', 1)[-1]}",
                )
            )
            return None
        self._unsupported_tag(node)
        return None

    def _unsupported_tag(self, node: yaml.Node) -> None:
        self.problems.append(
            Problem.at(
                _mark(self.source.file, node.start_mark),
                "unsupported-yaml",
                f"the tag {node.tag} is not supported; campaigns hold only strings, numbers, "
                "booleans, null, lists and mappings",
            )
        )


def _to_int(text: str) -> int:
    cleaned = text.replace("_", "")
    if cleaned.startswith(("0o", "0x")):
        return int(cleaned, 0)
    return int(cleaned, 10)


def _to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


def read_file(path: Path) -> tuple[str | None, list[Problem]]:
    """Read and decode a campaign file, bounded by ``MAX_FILE_BYTES``."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return None, [Problem(file, 1, 1, "unreadable", error.strerror or str(error))]
    return decode_source(raw, file)
