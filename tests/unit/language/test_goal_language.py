"""The ``goal`` key: schema, lint at file:line:column, and the step graph."""

from __future__ import annotations

from interpreter.language.graph import build_graph, to_mermaid, to_svg
from interpreter.language.loader import load_workflow_text

CAMPAIGN = """id: trial
on: {event: app/trial.started}
goal:
  event: app/subscription.created
  if: async.data.user_id == event.data.user.id
  within: 7d
steps:
  - id: welcome
    action: log
    with: {message: hi}
"""


def _problems(text: str) -> list[tuple[int, int, str, str]]:
    _, problems = load_workflow_text(text, "trial.yaml")
    return [(p.line, p.column, p.code, p.message) for p in problems]


def _codes(problems: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str]]:
    return [(line, column, code) for line, column, code, _ in problems]


def test_a_goal_loads_with_its_defaults() -> None:
    workflow, problems = load_workflow_text(CAMPAIGN, "trial.yaml")
    assert problems == [] and workflow is not None and workflow.goal is not None
    assert workflow.goal.exit is True
    assert workflow.goal.within.days == 7
    bare, _ = load_workflow_text(CAMPAIGN.replace("  within: 7d\n", ""), "trial.yaml")
    assert bare is not None and bare.goal is not None and not bare.goal.within


def test_goal_mistakes_are_pointed_at() -> None:
    assert _codes(_problems(CAMPAIGN.replace("within: 7d", "within: -1d"))) == [
        (6, 11, "bad-duration")
    ]
    assert _codes(_problems(CAMPAIGN.replace("event.data.user.id", "vars.user"))) == [
        (5, 34, "cel-unknown-name")
    ]
    assert _codes(_problems(CAMPAIGN.replace("user_id ==", "user_id = ="))) == [
        (5, 26, "cel-syntax")
    ]
    (problem,) = _problems(CAMPAIGN.replace("within: 7d", "witin: 7d"))
    assert problem[2] == "unknown-key" and "within" in problem[3]
    (problem,) = _problems(CAMPAIGN.replace("  within: 7d\n", "  exit: maybe\n"))
    assert problem[2] == "schema"
    assert _codes(_problems(CAMPAIGN.replace("within: 7d", "within: 0s"))) == []


def test_async_in_a_steps_if_names_the_goal_among_its_places() -> None:
    text = CAMPAIGN.replace("    action: log", "    if: async.data.x == 1\n    action: log")
    (problem,) = _problems(text)
    assert problem[2] == "cel-unknown-name" and "goal.if" in problem[3]


def test_the_graph_shows_the_goal_and_where_a_conversion_ends_the_run() -> None:
    workflow, _ = load_workflow_text(CAMPAIGN, "trial.yaml")
    assert workflow is not None
    graph = build_graph(workflow)
    goal = graph.nodes[-1]
    assert (goal.kind, goal.detail) == ("goal", "app/subscription.created, within 1w")
    assert graph.edges[-1].label == "converted"
    assert 'goal(("goal<br/>app/subscription.created, within 1w"))' in to_mermaid(graph)
    svg = to_svg(graph, {"welcome": 1234})
    assert 'class="node node-goal"' in svg and ">1,234</text>" in svg
    kept, _ = load_workflow_text(CAMPAIGN.replace("  within: 7d\n", "  exit: false\n"), "t.yaml")
    assert kept is not None
    assert [e.label for e in build_graph(kept).edges if e.kind == "goal"] == []
