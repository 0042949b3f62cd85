"""Plant one defect in a copy of the seed campaign and lint it."""

from __future__ import annotations

from pathlib import Path

from interpreter.language.loader import load_workflow_text
from interpreter.language.problems import Problem

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / "workflows"
SEED = WORKFLOWS / "signup-drip.yaml"
SEED_TEXT = SEED.read_text(encoding="utf-8")
FILE = "workflows/signup-drip.yaml"


def plant(old: str, new: str, text: str = SEED_TEXT) -> str:
    assert text.count(old) >= 1, f"{old!r} is not in the seed campaign"
    return text.replace(old, new, 1)


def lint(text: str) -> list[Problem]:
    _, problems = load_workflow_text(text, FILE, base_dir=WORKFLOWS)
    return problems


def found(text: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.code) for p in lint(text)]
