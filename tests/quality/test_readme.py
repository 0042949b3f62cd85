"""The README's two set-up commands stay true: CI runs the second verbatim, and
the first runs the seed campaign on the embedded database."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.DOTALL)


def test_there_are_exactly_two_one_line_commands() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)


def test_the_first_installs_flow_and_runs_the_seed_campaign() -> None:
    first = setup_commands()[0]
    assert "pip install" in first
    assert "flow run workflows/signup-drip.yaml" in first and "--simulate" in first


def test_ci_runs_the_second_verbatim() -> None:
    second = setup_commands()[1]
    assert "pytest" in second
    assert second in (ROOT / ".ci" / "run").read_text().splitlines()
