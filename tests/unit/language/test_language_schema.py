"""The JSON Schemas: valid draft 2020-12, documented, and in step with the loader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs

from interpreter.language.schema_check import ACTION_SCHEMA_DIR, WORKFLOW_SCHEMA, known_actions

SCHEMAS = [WORKFLOW_SCHEMA, *sorted(ACTION_SCHEMA_DIR.glob("*.schema.json"))]


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path: Any) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(path.name)


def _properties(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            yield f"{where}.{name}", value
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}[{index}]")


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_property_has_a_description(path: Any) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    missing = [where for where, value in _properties(schema) if "description" not in value]
    assert missing == []


def test_action_enum_lists_exactly_the_action_schemas() -> None:
    schema = json.loads(WORKFLOW_SCHEMA.read_text(encoding="utf-8"))
    enum = schema["$defs"]["step"]["properties"]["action"]["enum"]
    assert sorted(enum) == sorted(known_actions())
    assert set(known_actions()) == {"log", "http.request", "sql.query", "event.send", "email.send"}
