"""Hostile and broken YAML: one clear problem each, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from interpreter.language.loader import load_workflow, load_workflow_bytes, load_workflow_text
from interpreter.language.yaml_source import MAX_FILE_BYTES


def problems_of(text: str) -> list[tuple[int, int, str]]:
    workflow, problems = load_workflow_text(text, "c.yaml")
    assert workflow is None
    return [(p.line, p.column, p.code) for p in problems]


def test_duplicate_key_is_rejected_at_the_second_key() -> None:
    text = "id: a\non:\n  event: x\nsteps:\n  - id: s\n    sleep: 1s\n    sleep: 2s\n"
    assert problems_of(text) == [(7, 5, "duplicate-key")]


def test_tab_in_indentation() -> None:
    text = "id: a\non:\n\tevent: x\nsteps: []\n"
    assert problems_of(text) == [(3, 1, "tab-indent")]


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_root_that_is_not_a_mapping(text: str) -> None:
    assert problems_of(text) == [(1, 1, "root-not-mapping")]


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    assert problems_of(text) == [(1, 1, "empty-file")]


def test_bytes_that_are_not_utf8() -> None:
    workflow, problems = load_workflow_bytes(b"id: a\nname: caf\xe9\n", "c.yaml")
    assert workflow is None
    assert [(p.line, p.column, p.code) for p in problems] == [(2, 10, "not-utf8")]


def test_billion_laughs_is_bounded() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    assert problems_of("\n".join(lines) + "\n") == [(1, 1, "yaml-aliases")]


def test_recursive_alias() -> None:
    assert problems_of("id: &x [*x]\n") == [(1, 5, "yaml-aliases")]


def test_oversize_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("id: a\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1), encoding="utf-8")
    workflow, problems = load_workflow(path)
    assert workflow is None
    assert [p.code for p in problems] == ["file-too-large"]


def test_python_tags_are_refused() -> None:
    text = "id: !!python/object/apply:os.system ['echo hi']\non: {event: x}\nsteps: []\n"
    assert problems_of(text) == [(1, 5, "unsupported-yaml")]


def test_syntax_error_points_at_the_problem() -> None:
    assert problems_of("id: [a, b\non: x\n") == [(2, 3, "yaml-syntax")]


def test_wrong_type_is_a_schema_problem() -> None:
    text = "id: a\non:\n  event: x\nsteps:\n  - id: s\n    sleep: [1, 2]\n"
    assert problems_of(text) == [(6, 12, "schema")]


def test_yaml_11_words_stay_strings() -> None:
    # "on" must not turn into True, nor "no" into False.
    text = "id: a\non:\n  event: no\nsteps:\n  - id: s\n    sleep: 1s\n"
    workflow, problems = load_workflow_text(text, "c.yaml")
    assert problems == []
    assert workflow is not None
    assert workflow.triggers[0].event == "no"  # type: ignore[union-attr]


def test_unreadable_path(tmp_path: Path) -> None:
    workflow, problems = load_workflow(tmp_path / "missing.yaml")
    assert workflow is None
    assert [p.code for p in problems] == ["unreadable"]
