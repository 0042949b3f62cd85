"""flow graph draws a split as a branching node with its paths' names and
shares, and on_error as an error edge, in all three formats."""

from __future__ import annotations

from pathlib import Path

from interpreter.language.graph.model import END_ID, Edge, build_graph, share
from interpreter.language.graph.svg import to_svg
from interpreter.language.graph.text import to_dot, to_mermaid
from interpreter.language.loader import load_workflow

CAMPAIGN = Path(__file__).resolve().parents[3] / "workflows" / "crm-onboarding.yaml"


def test_the_split_branches_with_named_weighted_paths_and_on_error_is_an_error_edge() -> None:
    workflow, problems = load_workflow(CAMPAIGN)
    assert workflow is not None, problems
    graph = build_graph(workflow)
    kinds = {node.id: node.kind for node in graph.nodes}
    assert kinds["offer"] == "split"
    assert {e for e in graph.edges if e.source == "offer"} == {
        Edge("offer", "send_discount", "path", "discount 45%"),
        Edge("offer", "send_free_month", "path", "free_month 45%"),
        Edge("offer", "wait_for_subscription", "path", "holdout 10%"),
    }
    assert Edge("crm_lookup", "generic_welcome", "error", "on error") in graph.edges
    detail = next(node.detail for node in graph.nodes if node.id == "offer")
    assert detail == "split by event.data.user.id"

    mermaid = to_mermaid(graph)
    assert 's_offer{"offer<br/>split by event.data.user.id"}' in mermaid
    assert 's_offer -->|"holdout 10%"| s_wait_for_subscription' in mermaid
    assert 's_crm_lookup -.->|"on error"| s_generic_welcome' in mermaid
    dot = to_dot(graph)
    assert '"crm_lookup" -> "generic_welcome" [label="on error", style=dashed' in dot
    assert 'shape=diamond, fillcolor="#ffedd5"' in dot
    svg = to_svg(graph)
    assert '<g class="node node-split" data-step="offer">' in svg
    assert 'class="edge edge-error"' in svg and 'stroke="#b91c1c"' in svg
    assert ">discount 45%</text>" in svg
    assert END_ID in {node.id for node in graph.nodes}


def test_a_share_is_a_rounded_percentage() -> None:
    assert share(45, 100) == "45%"
    assert share(1, 3) == "33.3%"
    assert share(0, 7) == "0%"
    assert share(0, 0) == "0%"
