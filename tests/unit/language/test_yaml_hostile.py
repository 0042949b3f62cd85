"""Hostile and broken YAML: one clear problem each, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from interpreter.language.definitions import EventTrigger
from interpreter.language.loader import load_workflow, load_workflow_bytes, load_workflow_text
from interpreter.language.yaml_compose import MAX_DEPTH
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
    trigger = workflow.triggers[0]
    assert isinstance(trigger, EventTrigger)
    assert trigger.event == "no"


def test_unreadable_path(tmp_path: Path) -> None:
    workflow, problems = load_workflow(tmp_path / "missing.yaml")
    assert workflow is None
    assert [p.code for p in problems] == ["unreadable"]


@pytest.mark.parametrize("depth", [5_000, 20_000])
@pytest.mark.parametrize(("opener", "closer"), [("[", "]"), ("{a: ", "}"), ("[{a: ", "}]")])
def test_deep_flow_nesting_is_too_deep_at_the_first_level_too_many(
    depth: int, opener: str, closer: str
) -> None:
    header = "id: a\non:\n  event: x\nsteps:\n  - id: s\n    sleep: "
    text = header + opener * depth + closer * depth
    [(line, column, code)] = problems_of(text + "\n")
    assert (line, code) == (6, "too-deep")
    # At an opening bracket past the bound: the composer counts the four block
    # levels above too; the scanner, reading ahead, counts the brackets alone.
    brackets = [i + 1 for i, char in enumerate(text.splitlines()[5]) if char in "[{"]
    assert column in brackets[MAX_DEPTH - 4 : MAX_DEPTH + 1]


def test_deep_block_nesting_is_too_deep() -> None:
    block = "".join("  " * i + f"k{i}:\n" for i in range(1000)) + "  " * 1000 + "v\n"
    indented = "".join("  " + line for line in block.splitlines(True))
    text = "id: a\non:\n  event: x\nsteps: []\nvars:\n" + indented
    [(line, _, code)] = problems_of(text)
    # The mapping starting on line 6 + n is n + 2 deep (the root and vars' value
    # above it): the first too many starts on line 6 + MAX_DEPTH - 1.
    assert (line, code) == (5 + MAX_DEPTH, "too-deep")


def test_nesting_up_to_the_bound_is_accepted() -> None:
    # root (1), steps (2), the step (3), with (4), params (5): 59 more levels make 64.
    inner = "[" * (MAX_DEPTH - 5) + "1" + "]" * (MAX_DEPTH - 5)
    text = (
        "id: a\non:\n  event: x\nsteps:\n  - id: s\n    action: sql.query\n    with:\n"
        "      url: sqlite://\n      query: SELECT 1\n      params:\n"
        f"        n: {inner}\n"
    )
    _, problems = load_workflow_text(text, "c.yaml")
    assert not any(p.code == "too-deep" for p in problems), problems
