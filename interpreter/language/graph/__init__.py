"""A campaign's step graph, and its drawings: Mermaid, Graphviz DOT and SVG.

``build_graph`` turns a definition into nodes and edges; each renderer is a
function from that graph to text. Only definitions are needed, so the graph
lives in the language layer, where the CLI and the dashboard both reach it.
"""

from __future__ import annotations

from interpreter.language.graph.model import Edge, Graph, Node, build_graph
from interpreter.language.graph.svg import to_svg
from interpreter.language.graph.text import to_dot, to_mermaid

FORMATS = ("svg", "mermaid", "dot")

__all__ = [
    "FORMATS",
    "Edge",
    "Graph",
    "Node",
    "build_graph",
    "render",
    "to_dot",
    "to_mermaid",
    "to_svg",
]


def render(graph: Graph, format: str) -> str:
    """The graph drawn in ``format``: one of FORMATS."""
    if format == "mermaid":
        return to_mermaid(graph)
    if format == "dot":
        return to_dot(graph)
    return to_svg(graph)
