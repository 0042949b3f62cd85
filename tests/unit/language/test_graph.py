"""The step graph and its three drawings."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from interpreter.language.definitions import Workflow
from interpreter.language.graph import Edge, Graph, Node, build_graph, to_dot, to_mermaid, to_svg
from interpreter.language.loader import load_workflow, load_workflow_text

ROOT = Path(__file__).resolve().parents[3]
SVG = "{http://www.w3.org/2000/svg}"


def _seed() -> Workflow:
    workflow, problems = load_workflow(ROOT / "workflows" / "signup-drip.yaml")
    assert workflow is not None, problems
    return workflow


def _campaign(text: str, tmp_path: Path) -> Workflow:
    workflow, problems = load_workflow_text(text, str(tmp_path / "c.yaml"), base_dir=tmp_path)
    assert workflow is not None, [p.as_text() for p in problems]
    return workflow


LOOP = """
id: loop
on: {event: go}
steps:
  - id: tick
    if: event.data.n < 3 && event.data.tag != "<&>"
    action: log
    with: {message: tick}
  - id: pause
    sleep: 1h
  - id: again
    switch:
      - if: event.data.n > 1
        next: tick
      - next: end
  - id: never
    set: {x: 1}
"""


def test_the_seed_campaign_has_its_fall_through_jump_and_skip_edges() -> None:
    edges = {(e.source, e.target, e.kind, e.label) for e in build_graph(_seed()).edges}

    assert ("__start__", "welcome_email", "flow", "") in edges
    assert ("welcome_email", "wait_for_engagement", "flow", "") in edges
    condition = "steps.wait_for_engagement.output == null"
    assert ("route", "check_plan", "case", condition) in edges
    assert ("route", "delay_power_tips", "flow", "no match") in edges
    assert ("delay_trial", "check_plan", "flow", "") in edges
    assert ("trial_offer_email", "__end__", "skip", "if false") in edges
    assert ("trial_offer_email", "__end__", "flow", "") in edges


def test_mermaid_of_the_seed_campaign() -> None:
    text = to_mermaid(build_graph(_seed()))

    assert text.startswith("flowchart TD\n")
    assert '  s_route -->|"steps.wait_for_engagement.output == null"| s_check_plan' in text
    assert '  s_route -->|"no match"| s_delay_power_tips' in text
    assert "  s_welcome_email --> s_wait_for_engagement" in text
    assert '  s_trial_offer_email -.->|"if false"| finish' in text
    assert 'wait for resend/email.clicked, timeout 3d"}}' in text  # a hexagon with its timeout
    assert ' s_route{"route<br/>switch"}' in text


def test_dot_of_the_seed_campaign() -> None:
    text = to_dot(build_graph(_seed()))

    assert text.startswith('digraph "signup-drip-campaign" {')
    assert '"route" -> "check_plan" [label="steps.wait_for_engagement.output == null"' in text
    assert '"trial_offer_email" -> "__end__" [label="if false", style=dashed];' in text
    assert '"delay_power_tips" -> "send_power_user_tips";' in text
    assert "shape=hexagon" in text and "shape=diamond" in text


def test_loops_defaults_and_long_conditions(tmp_path: Path) -> None:
    graph = build_graph(_campaign(LOOP, tmp_path))
    edges = {(e.source, e.target, e.kind, e.label) for e in graph.edges}

    assert ("again", "tick", "case", "event.data.n > 1") in edges
    assert ("again", "__end__", "case", "default") in edges
    # A default case means the switch never falls through to `never`.
    assert not any(e.source == "again" and e.target == "never" for e in graph.edges)
    skip = next(e for e in graph.edges if e.kind == "skip")
    assert (skip.source, skip.target) == ("tick", "pause")
    tick = next(node for node in graph.nodes if node.id == "tick")
    assert len(tick.detail) <= 42 and tick.detail.endswith("…")


def test_the_svg_is_valid_xml_with_a_node_per_step_and_escaped_labels(tmp_path: Path) -> None:
    for workflow in (_seed(), _campaign(LOOP, tmp_path)):
        text = to_svg(build_graph(workflow))
        root = ElementTree.fromstring(text)

        assert root.tag == f"{SVG}svg"
        steps = [g.get("data-step") for g in root.iter(f"{SVG}g")]
        assert steps == ["__start__", *(s.id for s in workflow.steps), "__end__"]
        assert float(root.get("width", "0")) > 0 and float(root.get("height", "0")) > 0
        dashed = [p for p in root.iter(f"{SVG}path") if p.get("stroke-dasharray")]
        assert len(dashed) == 1  # each campaign has one step with an `if`

    # The `if` of `tick` holds < and &&: escaped in the file, intact once parsed.
    text = to_svg(build_graph(_campaign(LOOP, tmp_path)))
    assert "n &lt; 3 &amp;&amp;" in text
    titles = [t.text or "" for t in ElementTree.fromstring(text).iter(f"{SVG}title")]
    assert any("if event.data.n < 3 && " in title for title in titles)


def test_markup_characters_are_escaped_in_every_format() -> None:
    graph = Graph(
        'a<b>&"c"',
        (Node("x", "action", "<&>", 'say "hi" & <b>'), Node("__end__", "end", "end")),
        (Edge("x", "__end__", "skip", "if <&>"),),
    )

    root = ElementTree.fromstring(to_svg(graph))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<&>" in texts and 'say "hi" & <b>' in texts and "if <&>" in texts
    assert root.get("aria-label") == 'step graph of a<b>&"c"'
    assert '["#lt;#amp;#gt;<br/>say #quot;hi#quot; #amp; #lt;b#gt;"]' in to_mermaid(graph)
    assert '[label="<&>\\nsay \\"hi\\" & <b>"' in to_dot(graph)


def test_a_send_window_is_drawn_as_a_wait_with_its_days_and_hours() -> None:
    dash = "\u2013"  # an en dash, as in "mon-fri 09:00-11:30"
    example = Path(__file__).parents[3] / "workflows" / "trial-expiry.yaml"
    workflow, problems = load_workflow(example)
    assert workflow is not None, problems
    graph = build_graph(workflow)
    node = graph.nodes[graph.position("weekday_morning")]
    label = f"wait for window mon{dash}fri 09:00{dash}11:30"
    assert (node.kind, node.detail) == ("wait_for_window", label)
    assert f'{{{{"weekday_morning<br/>{label}"}}}}' in to_mermaid(graph)
    assert "shape=hexagon" in to_dot(graph).split("weekday_morning", 1)[1].split("\n", 1)[0]
    assert '<g class="node node-wait_for_window" data-step="weekday_morning">' in to_svg(graph)
    others = {
        "days: [sat, sun]": "sat, sun, all day",
        'between: ["22:00", "02:00"]': f"every day 22:00{dash}02:00",
        "days: [mon, wed, thu, fri]": f"mon, wed{dash}fri, all day",
    }
    for window, text in others.items():
        campaign, _ = load_workflow_text(
            f"id: c\non: {{event: go}}\nsteps:\n  - id: w\n    wait_for_window: {{{window}}}\n",
            "c.yaml",
        )
        assert campaign is not None
        assert build_graph(campaign).nodes[1].detail == f"wait for window {text}"


def test_the_first_arrow_says_how_a_trigger_becomes_a_run(tmp_path: Path) -> None:
    cart, problems = load_workflow(ROOT / "workflows" / "cart-abandonment.yaml")
    assert cart is not None, problems
    (first,) = [edge for edge in build_graph(cart).edges if edge.source == "__start__"]
    assert first == Edge(
        "__start__", "reminder_email", "flow", "debounce 30m ≤4h; replace; re-entry 1w"
    )
    assert '|"debounce 30m ≤4h; replace; re-entry 1w"|' in to_mermaid(build_graph(cart))
    assert "debounce 30m ≤4h; replace; re-entry 1w" in to_svg(build_graph(cart))
    plain = _campaign(
        "id: p\non: {event: go}\nidempotency: event.data.user\n"
        "debounce: {period: 10m}\nsteps:\n  - {id: a, action: log, with: {message: hi}}\n",
        tmp_path,
    )
    assert build_graph(plain).edges[0].label == "debounce 10m"
    (seed_first,) = [e for e in build_graph(_seed()).edges if e.source == "__start__"]
    assert seed_first.label == ""  # idempotency alone draws nothing
