"""Lint of ``for_each``: exactly one of items and query, an event, ``item`` and
``index`` only inside its data, each mistake at its line and column."""

from __future__ import annotations

import pytest

from interpreter.language.definitions import ForEachStep
from interpreter.language.loader import load_workflow_text

BASE = """id: c
on: {event: go}
steps:
  - id: fan_out
    for_each:
%s
  - id: after
    action: log
    with: {message: "%s"}
"""


def problems(body: str, after: str = "done") -> list[tuple[int, int, str, str]]:
    _, found = load_workflow_text(BASE % (body, after), "c.yaml")
    return [(p.line, p.column, p.code, p.message) for p in found]


def test_a_fan_out_over_items_or_a_query_lints_clean_and_builds() -> None:
    body = """      items: ${ event.data.people }
      event: person/due
      data: {who: "${ item.name }", n: "${ index }", run: "${ run.id }"}"""
    workflow, found = load_workflow_text(BASE % (body, "${ steps.fan_out.output.count }"), "c.yaml")
    assert found == [] and workflow is not None
    step = workflow.steps[0]
    assert isinstance(step, ForEachStep) and step.event == "person/due" and step.query is None
    query = """      query:
        url: ${ secrets.DB }
        query: SELECT id FROM users WHERE plan = :plan ORDER BY id
        params: {plan: pro}
      event: person/due"""
    assert problems(query.replace("${ secrets.DB }", "sqlite:///app.db")) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "      items: [1]\n      query: {url: x, query: SELECT 1}\n      event: e",
            [(5, 5, "schema", "steps[0].for_each has items and query; keep exactly one")],
        ),
        (
            "      event: e",
            [(5, 5, "schema", "steps[0].for_each needs one of items, query")],
        ),
        (
            "      items: [1]",
            [(5, 5, "schema", "steps[0].for_each needs the key 'event'")],
        ),
        (
            '      items: [1]\n      event: e\n      data: {n: "${ idx }"}',
            [(8, 21, "cel-unknown-name", "unknown name 'idx'; did you mean 'index'?")],
        ),
        (
            "      items: ${ item }\n      event: e",
            [(6, 17, "cel-unknown-name", "item is only known in a for_each step's data")],
        ),
    ],
)
def test_each_mistake_is_reported_at_its_place(
    body: str, expected: list[tuple[int, int, str, str]]
) -> None:
    assert problems(body) == expected


def test_item_is_unknown_after_the_fan_out() -> None:
    found = problems("      items: [1]\n      event: e", "${ index }")
    assert found == [(10, 25, "cel-unknown-name", "index is only known in a for_each step's data")]
