"""The step graph as Mermaid and as Graphviz DOT, both plain text."""

from __future__ import annotations

from interpreter.language.graph.model import END_ID, GOAL_ID, START_ID, Graph, Node

# Fill colours by node kind, shared with the SVG so the three drawings agree.
COLOURS = {
    "start": "#e5e7eb",
    "end": "#e5e7eb",
    "action": "#dbeafe",
    "sleep": "#fef3c7",
    "sleep_until": "#fef3c7",
    "wait_for_event": "#dcfce7",
    "wait_for_window": "#dcfce7",  # a window is drawn as a wait
    "for_each": "#ffedd5",  # a fan-out: a stack of boxes
    "switch": "#fce7f3",
    "set": "#ede9fe",
    "split": "#ffedd5",
    "goal": "#fee2e2",
}

_MERMAID_SHAPES = {
    "start": ('(["', '"])'),
    "end": ('(["', '"])'),
    "action": ('["', '"]'),
    "sleep": ('(["', '"])'),
    "sleep_until": ('(["', '"])'),
    "wait_for_event": ('{{"', '"}}'),
    "wait_for_window": ('{{"', '"}}'),
    "for_each": ('[["', '"]]'),
    "switch": ('{"', '"}'),
    "set": ('[/"', '"/]'),
    "split": ('{"', '"}'),
    "goal": ('(("', '"))'),
}
_DOT_SHAPES = {
    "start": "oval",
    "end": "oval",
    "action": "box",
    "sleep": "box",
    "sleep_until": "box",
    "wait_for_event": "hexagon",
    "wait_for_window": "hexagon",
    "for_each": "box3d",
    "switch": "diamond",
    "set": "parallelogram",
    "split": "diamond",
    "goal": "doublecircle",
}


def mermaid_id(node_id: str) -> str:
    """Step ids are safe identifiers, but ``end`` is a Mermaid keyword: prefix them all."""
    return {START_ID: "start", END_ID: "finish", GOAL_ID: "goal"}.get(node_id, f"s_{node_id}")


def to_mermaid(graph: Graph) -> str:
    lines = ["flowchart TD"]
    for node in graph.nodes:
        opening, closing = _MERMAID_SHAPES[node.kind]
        lines.append(f"  {mermaid_id(node.id)}{opening}{_mermaid_label(node)}{closing}")
    for edge in graph.edges:
        arrow = {"skip": "-.->", "error": "-.->", "goal": "-.->"}.get(edge.kind, "-->")
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {mermaid_id(edge.source)} {arrow}{label} {mermaid_id(edge.target)}")
    for kind, colour in COLOURS.items():
        members = [mermaid_id(node.id) for node in graph.nodes if node.kind == kind]
        if members:
            lines.append(f"  classDef kind_{kind} fill:{colour},stroke:#374151")
            lines.append(f"  class {','.join(members)} kind_{kind}")
    return "\n".join(lines) + "\n"


def _mermaid_label(node: Node) -> str:
    title = _mermaid_text(node.title)
    return f"{title}<br/>{_mermaid_text(node.detail)}" if node.detail else title


def _mermaid_text(text: str) -> str:
    """Mermaid's entity codes, so quotes, brackets and pipes cannot end a label."""
    codes = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "|": "#124;"}
    return "".join(codes.get(char, char) for char in text)


def to_dot(graph: Graph) -> str:
    lines = [
        f"digraph {_dot_string(graph.campaign)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=11, style="filled,rounded", color="#374151"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node in graph.nodes:
        label = node.title + (f"\n{node.detail}" if node.detail else "")
        lines.append(
            f"  {_dot_string(node.id)} [label={_dot_string(label)}, "
            f'shape={_DOT_SHAPES[node.kind]}, fillcolor="{COLOURS[node.kind]}"];'
        )
    for edge in graph.edges:
        attributes = [f"label={_dot_string(edge.label)}"] if edge.label else []
        if edge.kind == "skip":
            attributes.append("style=dashed")
        elif edge.kind == "error":
            attributes += ["style=dashed", 'color="#b91c1c"', "constraint=false"]
        elif edge.kind == "goal":
            attributes += ["style=dashed", "constraint=false"]
        elif edge.kind in ("jump", "case", "path"):
            attributes.append("constraint=false")  # keep the steps in list order
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {_dot_string(edge.source)} -> {_dot_string(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
