"""The entry rules' and debounce's edges, as scenarios on virtual time
(the campaigns and scenarios in ``entry/``; the shipped cart-abandonment
example is played with the other shipped scenarios)."""

from __future__ import annotations

from pathlib import Path

import pytest

from interpreter.daemon.scenarios import run_scenario
from interpreter.daemon.scenarios.report import failure_report
from interpreter.language.loader import load_directory, load_workflow
from interpreter.language.scenario import load_scenario, scenario_files

HERE = Path(__file__).resolve().parent / "entry"
SCENARIOS = scenario_files(HERE)


def test_every_rule_has_its_scenario() -> None:
    assert {path.name.split(".")[0] for path in SCENARIOS} == {
        "skip",
        "alias",
        "cancel",
        "reentry",
        "keyless",
    }


def test_the_campaigns_lint_clean() -> None:
    workflows, problems = load_directory(HERE)
    assert problems == [] and len(workflows) == 5


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.name for path in SCENARIOS])
def test_entry_scenarios_pass(path: Path) -> None:
    scenario, problems = load_scenario(path)
    assert scenario is not None, problems
    workflow, problems = load_workflow(scenario.workflow)
    assert workflow is not None, problems
    result = run_scenario(scenario, workflow)
    assert result.error is None
    assert result.passed, "\n".join(line.text for line in failure_report(result))
