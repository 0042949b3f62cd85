"""``wait_for_event`` with ``any``: loading, the schema, lint at line and column,
and its drawing, on the shipped example campaign and copies with one defect."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interpreter.language.definitions import WaitForAnyStep
from interpreter.language.graph import build_graph, to_mermaid, to_svg
from interpreter.language.loader import load_workflow, load_workflow_text
from tests.unit.language._language_planting import WORKFLOWS

FILE = "workflows/welcome-engagement.yaml"
TEXT = (WORKFLOWS / "welcome-engagement.yaml").read_text(encoding="utf-8")
CLICK_ENTRY = (
    "        - {event: resend/email.clicked, if: async.data.email_id == steps.welcome.output.id,"
    " next: tips}\n"
)
SUBSCRIBED_ENTRY = (
    "        - {event: app/subscription.created, if: async.data.user_id == event.data.user.id}\n"
)


def lint(text: str) -> list[tuple[int, int, str, str]]:
    _, problems = load_workflow_text(text, FILE, base_dir=WORKFLOWS)
    return [(p.line, p.column, p.code, p.message) for p in problems]


def position(text: str, fragment: str, skip: int = 0) -> tuple[int, int]:
    """The 1-based line and column of ``fragment`` (plus ``skip`` characters) in ``text``."""
    offset = text.index(fragment) + skip
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def plant(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def test_the_example_loads_with_one_entry_per_event_and_lints_clean() -> None:
    workflow, problems = load_workflow(WORKFLOWS / "welcome-engagement.yaml")
    assert workflow is not None and problems == []
    step = workflow.step("engagement")
    assert isinstance(step, WaitForAnyStep)
    assert step.timeout == timedelta(days=3)
    assert [(e.event, e.next) for e in step.entries] == [
        ("resend/email.clicked", "tips"),
        ("app/subscription.created", None),
    ]
    click, subscribed = step.entries
    assert click.match is not None and click.match.source.startswith("async.data.email_id")
    # Each entry points at its own line, and its `if` at its own column.
    assert (click.location.line, subscribed.location.line) == (26, 27)
    assert subscribed.match is not None
    where = (subscribed.match.location.line, subscribed.match.location.column)
    assert where == position(TEXT, "async.data.user_id")


SCHEMA_CASES = [
    pytest.param(
        "      timeout: 3d\n",
        "      timeout: 3d\n      event: app/other\n",
        ("wait_for_event:\n      any", 0, "schema", "has event and any; keep exactly one"),
        id="event-and-any",
    ),
    pytest.param(
        "      timeout: 3d\n",
        "      timeout: 3d\n      if: async.data.x == 1\n",
        ("if: async.data.x", 0, "schema", "'if' is only allowed together with 'event'"),
        id="if-beside-any",
    ),
    pytest.param(
        "{event: app/subscription.created,",
        "{evnt: app/subscription.created,",
        ("evnt", 0, "unknown-key", "unknown key 'evnt'"),
        id="entry-unknown-key",
    ),
    pytest.param(
        "      any:\n" + CLICK_ENTRY + SUBSCRIBED_ENTRY,
        "      any: []\n",
        ("[]", 0, "schema", "must not be empty"),
        id="any-empty-or-null",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), SCHEMA_CASES)
def test_the_schema_keeps_any_and_the_single_form_apart(
    old: str, new: str, expected: tuple[str, int, str, str]
) -> None:
    text = plant(old, new)
    problems = lint(text)
    fragment, skip, code, words = expected
    line, column = position(text, fragment, skip)
    assert any((p[0], p[1], p[2]) == (line, column, code) and words in p[3] for p in problems), (
        problems
    )


LINT_CASES = [
    pytest.param(
        "next: tips}", "next: tipz}", ("tipz}", 0, "unknown-target", "no step 'tipz'"), id="target"
    ),
    pytest.param(
        "steps.welcome.output.id",
        "steps.welcom.output.id",
        ("steps.welcom.", 6, "cel-unknown-name", "there is no step 'welcom'"),
        id="entry-if-step",
    ),
    pytest.param(
        "async.data.user_id == event",
        "async.data.user_id = = event",
        ("= = event", 0, "cel-syntax", ""),
        id="entry-if-syntax",
    ),
    pytest.param(
        "steps.welcome.output.id",
        "steps.thanks.output.id",
        ("steps.thanks.", 6, "cel-unknown-name", "cannot have run before step 'engagement'"),
        id="entry-if-step-not-yet-run",
    ),
    pytest.param(
        "      timeout: 3d\n",
        "",
        ("wait_for_event:\n      any", 0, "wait-without-timeout", "could wait forever"),
        id="timeout",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), LINT_CASES)
def test_lint_checks_every_entry_at_line_and_column(
    old: str, new: str, expected: tuple[str, int, str, str]
) -> None:
    text = plant(old, new)
    problems = lint(text)
    fragment, skip, code, words = expected
    line, column = position(text, fragment, skip)
    assert any((p[0], p[1], p[2]) == (line, column, code) and words in p[3] for p in problems), (
        problems
    )


def test_an_entrys_next_makes_its_target_reachable() -> None:
    # Without the click entry's jump, nothing else leads to `tips`.
    assert lint(TEXT) == []
    problems = lint(plant(", next: tips}", "}"))
    assert [(p[0], p[2]) for p in problems] == [
        (position(TEXT, "- id: tips")[0], "unreachable-step")
    ]


def test_async_is_known_in_each_entrys_if_and_nowhere_else() -> None:
    text = plant("if: steps.engagement.output == null", "if: async.data.user_id == null")
    problems = lint(text)
    assert [(p[0], p[1], p[2]) for p in problems] == [
        (*position(text, "async.data.user_id == null"), "cel-unknown-name")
    ]
    assert "wait_for_event.any[].if" in problems[0][3]


def test_the_graph_has_an_edge_per_entry_and_the_timeout_edge() -> None:
    workflow, _ = load_workflow(WORKFLOWS / "welcome-engagement.yaml")
    assert workflow is not None
    graph = build_graph(workflow)
    out = {(e.target, e.kind, e.label) for e in graph.edges if e.source == "engagement"}
    assert out == {
        ("tips", "jump", "resend/email.clicked"),
        ("route", "flow", "app/subscription.created"),
        ("route", "flow", "timeout 3d"),
    }
    node = next(n for n in graph.nodes if n.id == "engagement")
    assert node.kind == "wait_for_event" and "any of 2 events" in node.detail
    assert '{{"engagement<br/>' in to_mermaid(graph)
    svg = to_svg(graph)
    # The two straight edges to `route` are one line with both labels.
    assert "app/subscription.created · timeout 3d" in svg
