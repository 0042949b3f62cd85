"""Scenarios (``*.test.yaml``) for the edges of split, on_error and the run
timeout that the shipped crm-onboarding scenarios do not walk, played on the
real engine and a SQLite store on a virtual clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from interpreter.daemon.scenarios import ScenarioResult, run_scenario
from interpreter.daemon.scenarios.report import failure_report
from interpreter.language.loader import load_workflow
from interpreter.language.scenario import load_scenario

CAMPAIGN = """\
id: edges
on: {event: go}
timeout: 7d
steps:
  - id: lookup
    action: http.request
    with: {url: "https://crm.example/${ event.data.id }"}
    on_error: continue
  - id: report
    action: log
    with:
      message: "${ steps.lookup.error == null ? 'found' : steps.lookup.error.message }"
  - id: broken
    action: log
    with: {message: "${ event.data.missing.deep }"}
    on_error: {next: offer}
  - id: never
    action: log
    with: {message: never}
  - id: offer
    split:
      key: event.data.id
      paths:
        - {name: retired, weight: 0, next: end}
        - {name: only, weight: 1, next: pause}
  - id: pause
    sleep_until: ${ event.data.until }
  - id: done
    action: log
    with: {message: done}
"""


def play(tmp_path: Path, scenario_text: str) -> ScenarioResult:
    (tmp_path / "edges.yaml").write_text(CAMPAIGN, encoding="utf-8")
    file = tmp_path / "edges.case.test.yaml"
    file.write_text("workflow: edges.yaml\n" + scenario_text, encoding="utf-8")
    scenario, problems = load_scenario(file)
    assert scenario is not None, [p.as_text() for p in problems]
    workflow, problems = load_workflow(tmp_path / "edges.yaml")
    assert workflow is not None, [p.as_text() for p in problems]
    return run_scenario(scenario, workflow)


# The scenario's default start, and moments after it for `sleep_until`.
UNTIL = {
    "1h": "2026-01-05T10:00:00Z",
    "1d": "2026-01-06T09:00:00Z",
    "6d": "2026-01-11T09:00:00Z",
    "7d": "2026-01-12T09:00:00Z",
    "30d": "2026-02-04T09:00:00Z",
}


def _signups(count: int, pause: str) -> str:
    until = UNTIL[pause]
    return "".join(
        f'  - {{at: 0s, name: go, data: {{id: {n}, until: "{until}"}}}}\n' for n in range(count)
    )


def test_the_campaign_lints_clean(tmp_path: Path) -> None:
    (tmp_path / "edges.yaml").write_text(CAMPAIGN, encoding="utf-8")
    workflow, problems = load_workflow(tmp_path / "edges.yaml")
    assert workflow is not None and problems == []


def test_continue_goes_on_with_the_error_and_a_with_error_jumps_to_on_error_next(
    tmp_path: Path,
) -> None:
    result = play(
        tmp_path,
        """\
mocks:
  lookup: {error: {message: "HTTP 404"}}
events:
  - {at: 0s, name: go, data: {id: 1, until: "2026-01-06T09:00:00Z"}}
expect:
  actions:
    - {step: lookup, at: 0s, error: {message: "HTTP 404"}}
    - {step: report, at: 0s, with: {message: "HTTP 404"}}
    - {step: done, at: 1d}
  runs: {completed: 1, failed: 0}
""",
    )
    assert result.passed, failure_report(result)
    # `broken` never ran (its `with` failed before the action), nor did `never`.
    assert [a.step for a in result.actions] == ["lookup", "report", "done"]


def test_a_zero_weight_path_is_never_taken(tmp_path: Path) -> None:
    result = play(
        tmp_path,
        "mocks:\n  lookup: {output: {status: 200}}\nevents:\n"
        + _signups(30, "1h")
        + "expect:\n  runs: {completed: 30, total: 30}\n",
    )
    assert result.passed, failure_report(result)
    assert sum(1 for a in result.actions if a.step == "done") == 30


def test_a_sleep_past_the_deadline_ends_timed_out_and_expect_runs_counts_it(
    tmp_path: Path,
) -> None:
    events = "mocks:\n  lookup: {output: {status: 200}}\nevents:\n" + _signups(2, "30d")
    result = play(tmp_path, events + "expect:\n  runs: {timed_out: 2, completed: 0}\n")
    assert result.passed, failure_report(result)
    assert "done" not in {a.step for a in result.actions}
    wrong = play(tmp_path, events + "expect:\n  runs: {completed: 2}\n")
    assert not wrong.passed
    assert any("completed" in line.text for line in failure_report(wrong))


@pytest.mark.parametrize("pause", ["6d", "7d"])
def test_the_deadline_is_seven_days_from_the_start(tmp_path: Path, pause: str) -> None:
    events = "mocks:\n  lookup: {output: {status: 200}}\nevents:\n" + _signups(1, pause)
    status = "completed" if pause == "6d" else "timed_out"
    result = play(tmp_path, events + f"expect:\n  runs: {{{status}: 1}}\n")
    assert result.passed, failure_report(result)
