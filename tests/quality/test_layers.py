"""Dependencies point one way: surfaces (cli, http) -> daemon -> {core, store,
actions} -> language. A module importing upward fails this test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "interpreter"

# What each layer may import from interpreter.*, besides itself and errors.
ALLOWED = {
    "language": set(),
    "core": {"language"},
    # The store keeps run states and knows which statuses are final (core.model).
    "store": {"language", "core.model"},
    "actions": {"language"},
    "daemon": {"language", "core", "store", "actions"},
    "http": {"language", "core", "store", "actions", "daemon"},
    "cli": {"language", "core", "store", "actions", "daemon", "http"},
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name.removeprefix("interpreter.") for name in names if name.startswith("interpreter.")}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_lies_below_it(layer: str) -> None:
    allowed = ALLOWED[layer] | {layer, "errors"}
    wrong = [
        f"{path.relative_to(PACKAGE.parent)} imports interpreter.{name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in sorted(imports_of(path))
        if not any(name == a or name.startswith(a + ".") for a in allowed)
    ]
    assert wrong == []
