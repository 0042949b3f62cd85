"""The step graph as a standalone SVG, laid out here without Graphviz.

The layout follows how an author reads the YAML: the steps top to bottom in
list order, each followed by the next with a straight arrow. Every other edge
(a jump, a switch case, a skip, or a fall-through that is not to the very next
node) is a curve beside the column: forward edges on the right, loops back on
the left, the longer ones further out so that they do not cross the shorter.
Every node is a ``<g data-step="ID">`` the dashboard can style or link.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

from interpreter.language.graph.model import Edge, Graph, Node
from interpreter.language.graph.text import COLOURS

NODE_W = 250
NODE_H = 50
GAP = 38
MARGIN = 24
LANE = 24  # horizontal distance between neighbouring curves
CHAR_W = 6.2  # an estimate of the label font's average advance, for the canvas width


def to_svg(
    graph: Graph,
    reached: Mapping[str, int] | None = None,
    links: Mapping[str, str] | None = None,
) -> str:
    """The drawing; with ``reached`` (node id -> runs, the dashboard's figures)
    each node so counted shows how many runs reached it, and with ``links``
    (node id -> URL) a node is a link (the dashboard's runs at that step)."""
    position = {node.id: index for index, node in enumerate(graph.nodes)}
    straight: list[Edge] = []
    curved: list[Edge] = []
    for edge in graph.edges:
        adjacent = position[edge.target] == position[edge.source] + 1
        (straight if adjacent and edge.kind not in ("skip", "error") else curved).append(edge)
    curved.sort(key=lambda e: abs(position[e.target] - position[e.source]))
    backward = [e for e in curved if position[e.target] <= position[e.source]]
    # Loops back curve on the left, their labels outside them: room for both.
    labels = max((len(e.label) * CHAR_W for e in backward), default=0.0)
    left = int(MARGIN + (len(backward) + 1) * LANE + labels) if backward else MARGIN
    parts: list[str] = []
    extent = float(left + NODE_W)
    for edge in _merged(straight):
        parts.append(_straight(edge, position, left))
    lanes = {"right": 0, "left": 0}
    for edge in curved:
        side = "left" if position[edge.target] <= position[edge.source] else "right"
        lanes[side] += 1
        svg, reach = _curve(edge, position, left, side, lanes[side])
        parts.append(svg)
        extent = max(extent, reach)
    parts += [
        _linked(_node(node, index, left, reached), (links or {}).get(node.id))
        for index, node in enumerate(graph.nodes)
    ]
    width = int(extent + MARGIN)
    height = MARGIN * 2 + len(graph.nodes) * NODE_H + (len(graph.nodes) - 1) * GAP
    return (
        "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
                f'role="img" aria-label={quoteattr(f"step graph of {graph.campaign}")}>',
                f"<title>{escape(graph.campaign)}</title>",
                "<defs>",
                '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                'markerHeight="7" orient="auto-start-reverse">'
                '<path d="M0,0 L10,5 L0,10 z" fill="#4b5563"/></marker>',
                "</defs>",
                *parts,
                "</svg>",
            ]
        )
        + "\n"
    )


def _merged(edges: list[Edge]) -> list[Edge]:
    """Straight edges between the same two nodes drawn as one line with their
    labels joined (an `any` entry without `next` and the wait's timeout both go
    to the following step): two lines there would overlap, labels and all."""
    by_ends: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        seen = by_ends.get((edge.source, edge.target))
        if seen is None:
            by_ends[(edge.source, edge.target)] = edge
        else:
            label = " · ".join(text for text in (seen.label, edge.label) if text)
            by_ends[(edge.source, edge.target)] = Edge(seen.source, seen.target, seen.kind, label)
    return list(by_ends.values())


def _top(index: int) -> int:
    return MARGIN + index * (NODE_H + GAP)


def _straight(edge: Edge, position: dict[str, int], left: int) -> str:
    x = left + NODE_W // 2
    y1 = _top(position[edge.source]) + NODE_H
    y2 = _top(position[edge.target])
    line = (
        f'<line class="edge edge-{edge.kind}" x1="{x}" y1="{y1}" x2="{x}" y2="{y2 - 1}" '
        'stroke="#4b5563" stroke-width="1.4" marker-end="url(#arrow)"/>'
    )
    if not edge.label:
        return line
    return line + _label(edge.label, x + 6, (y1 + y2) / 2 + 4)


def _curve(
    edge: Edge, position: dict[str, int], left: int, side: str, lane: int
) -> tuple[str, float]:
    """A cubic curve from the source's side to the target's; returns it and how far
    right the drawing now reaches."""
    y1 = _top(position[edge.source]) + NODE_H / 2
    y2 = _top(position[edge.target]) + NODE_H / 2
    bulge = 28 + lane * LANE
    if side == "right":
        x = left + NODE_W
        control = x + bulge * 4 / 3  # the curve's apex lies at x + bulge
        end = x + 2
    else:
        x = left
        control = x - bulge * 4 / 3
        end = x - 2
    dash = ' stroke-dasharray="5 4"' if edge.kind in ("skip", "error", "goal") else ""
    stroke = "#b91c1c" if edge.kind == "error" else "#4b5563"  # a failure's way out: red
    path = (
        f'<path class="edge edge-{edge.kind}" d="M{x},{y1} C{control:.1f},{y1} '
        f'{control:.1f},{y2} {end},{y2}" fill="none" stroke="{stroke}" stroke-width="1.4"'
        f'{dash} marker-end="url(#arrow)"/>'
    )
    reach = float(left + NODE_W)
    if edge.label:
        apex = x + bulge if side == "right" else x - bulge
        anchor = "start" if side == "right" else "end"
        label_x = apex + 4 if side == "right" else apex - 4
        path += _label(edge.label, label_x, (y1 + y2) / 2 + 4, anchor)
        if side == "right":
            reach = max(reach, label_x + len(edge.label) * CHAR_W)
    if side == "right":
        reach = max(reach, x + bulge + 4)
    return path, reach


def _label(text: str, x: float, y: float, anchor: str = "start") -> str:
    # A white halo keeps a label readable where it crosses an edge.
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="10" '
        'fill="#1f2937" paint-order="stroke" stroke="#ffffff" stroke-width="3">'
        f"{escape(text)}</text>"
    )


def _node(node: Node, index: int, left: int, reached: Mapping[str, int] | None) -> str:
    x, y = left, _top(index)
    fill = COLOURS[node.kind]
    common = f'fill="{fill}" stroke="#374151" stroke-width="1.2"'
    cx, cy = x + NODE_W / 2, y + NODE_H / 2
    if node.kind in ("start", "end", "sleep", "sleep_until", "goal"):
        shape = f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="25" {common}/>'
    elif node.kind == "for_each":  # a stack of boxes: one event per item
        back = f'<rect x="{x + 5}" y="{y - 5}" width="{NODE_W}" height="{NODE_H}" rx="6" {common}/>'
        front = f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" {common}/>'
        shape = back + front
    elif node.kind == "action":
        shape = f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" {common}/>'
    else:
        shape = f'<polygon points="{_points(node.kind, x, y)}" {common}/>'
    title_y = cy - 3 if node.detail else cy + 4
    texts = [
        f'<text x="{cx}" y="{title_y}" text-anchor="middle" font-size="13" '
        f'font-weight="bold" fill="#111827">{escape(node.title)}</text>'
    ]
    if node.detail:
        texts.append(
            f'<text x="{cx}" y="{cy + 13}" text-anchor="middle" font-size="10" '
            f'fill="#374151">{escape(node.detail)}</text>'
        )
    tooltip = node.title + (f": {node.detail}" if node.detail else "")
    count = reached.get(node.id) if reached is not None else None
    if count is not None:
        texts.append(
            f'<text class="reached" x="{x + NODE_W - 8}" y="{y + 12}" text-anchor="end" '
            f'font-size="10" font-weight="bold" fill="#1d4ed8">{count:,}</text>'
        )
        tooltip += f" ({count:,} runs)"
    return (
        f'<g class="node node-{node.kind}" data-step={quoteattr(node.id)}>'
        f"<title>{escape(tooltip)}</title>{shape}{''.join(texts)}</g>"
    )


def _linked(svg: str, href: str | None) -> str:
    return f"<a href={quoteattr(href)}>{svg}</a>" if href is not None else svg


def _points(kind: str, x: int, y: int) -> str:
    w, h, inset = NODE_W, NODE_H, 18
    if kind in ("switch", "split"):  # a wide diamond
        corners = [(x + w / 2, y - 6), (x + w, y + h / 2), (x + w / 2, y + h + 6), (x, y + h / 2)]
    elif kind == "set":  # a parallelogram
        corners = [(x + inset, y), (x + w, y), (x + w - inset, y + h), (x, y + h)]
    else:  # wait_for_event and wait_for_window: a hexagon
        corners = [
            (x + inset, y),
            (x + w - inset, y),
            (x + w, y + h / 2),
            (x + w - inset, y + h),
            (x + inset, y + h),
            (x, y + h / 2),
        ]
    return " ".join(f"{px:g},{py:g}" for px, py in corners)
