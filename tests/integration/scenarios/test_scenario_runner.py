"""Scenarios played on the real engine and a SQLite store, on a virtual clock."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from interpreter.daemon.scenarios import ScenarioResult, run_scenario
from interpreter.daemon.scenarios.report import failure_report
from interpreter.language.loader import load_workflow
from interpreter.language.scenario import (
    Scenario,
    load_scenario,
    load_scenario_text,
    scenario_files,
)

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "workflows" / "signup-drip.yaml"
SHIPPED = scenario_files(ROOT / "workflows")


def play(scenario: Scenario, horizon: timedelta | None = None) -> ScenarioResult:
    """Play ``scenario`` on every campaign it loads (``workflows:``, or its one ``workflow:``)."""
    workflows = []
    for path in scenario.workflows or (scenario.workflow,):
        workflow, problems = load_workflow(path)
        assert workflow is not None, problems
        workflows.append(workflow)
    if horizon is None:
        return run_scenario(scenario, workflows)
    return run_scenario(scenario, workflows, horizon=horizon)


def scenario_of(text: str, tmp_path: Path) -> Scenario:
    file = tmp_path / "s.test.yaml"
    file.write_text(f"workflow: {SEED}\n" + text, encoding="utf-8")
    scenario, problems = load_scenario(file)
    assert scenario is not None, problems
    return scenario


SIGNUP = """\
  - at: 0s
    name: app/signup.completed
    data: {user: {id: 42, email: ada@example.com, first_name: Ada}}
"""


def test_every_seed_scenario_is_shipped() -> None:
    names = {path.name for path in SHIPPED}
    assert names >= {
        f"signup-drip.{case}.test.yaml"
        for case in (
            "no-click",
            "click",
            "pro-user",
            "click-other-email",
            "user-deleted",
            "duplicate-signup",
        )
    }


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_shipped_scenarios_pass(path: Path) -> None:
    scenario, problems = load_scenario(path)
    assert scenario is not None, problems
    result = play(scenario)
    assert result.error is None
    assert result.passed, "\n".join(line.text for line in failure_report(result))


def test_emails_are_captured_never_written_to_an_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario, _ = load_scenario(ROOT / "workflows" / "signup-drip.no-click.test.yaml")
    assert scenario is not None
    result = play(scenario)
    assert [str(sent.message["Subject"]) for sent in result.emails] == [
        "Welcome to ACME",
        "Free ACME Pro trial",
    ]
    assert [str(sent.message["To"]) for sent in result.emails] == ["ada@example.com"] * 2
    assert not (tmp_path / ".flow").exists()


def test_a_wrong_expectation_fails_with_what_happened_and_when(tmp_path: Path) -> None:
    scenario = scenario_of(
        "secrets: {APP_DATABASE_URL: 'sqlite://'}\n"
        "mocks: {check_plan: {output: {rows: []}}}\n"
        "events:\n" + SIGNUP + "expect:\n  actions:\n"
        "    - {step: welcome_email, at: 0s}\n"
        "    - {step: trial_offer_email, at: 2d}\n",
        tmp_path,
    )
    result = play(scenario)
    assert not result.passed
    text = "\n".join(line.text for line in failure_report(result))
    assert "  + +3d     check_plan         sql.query   output rows=[]" in text
    assert "  ~ +3d     trial_offer_email  email.send  to=ada@example.com" in text
    assert "at: expected +2d, happened +3d" in text
    assert "(expected at line 11)" in text


def test_event_data_reads_what_happened_so_far(tmp_path: Path) -> None:
    scenario = scenario_of(
        "secrets: {APP_DATABASE_URL: 'sqlite://'}\n"
        "mocks: {check_plan: {output: {rows: []}}}\n"
        "events:\n" + SIGNUP + "  - at: 1h\n    name: resend/email.clicked\n"
        "    data: {email_id: '${ actions.filter(a, a.step == \"welcome_email\")[0].output.id }',\n"
        "           runs_seen: '${ size(runs) }', status: '${ runs[0].status }',\n"
        "           when: 'at ${ actions[0].at }'}\n",
        tmp_path,
    )
    result = play(scenario)
    assert result.error is None
    assert [action.step for action in result.actions][:2] == [
        "welcome_email",
        "send_power_user_tips",
    ]
    assert result.actions[1].at == timedelta(days=1, hours=1)


def test_a_failing_expression_in_event_data_fails_the_scenario(tmp_path: Path) -> None:
    scenario = scenario_of(
        "secrets: {APP_DATABASE_URL: 'sqlite://'}\n"
        "events:\n" + SIGNUP + "  - at: 1h\n    name: resend/email.clicked\n"
        "    data: {email_id: '${ actions[5].output.id }'}\n",
        tmp_path,
    )
    result = play(scenario)
    assert not result.passed
    assert result.error is not None
    assert result.error.startswith("events[1] (resend/email.clicked at +1h): ")
    assert "s.test.yaml:9:26" in result.error


def test_a_retryable_mocked_error_counts_every_attempt(tmp_path: Path) -> None:
    scenario = scenario_of(
        "secrets: {APP_DATABASE_URL: 'sqlite://'}\n"
        "mocks: {check_plan: {error: {message: database down, retryable: true}}}\n"
        "events:\n" + SIGNUP + "expect:\n  exact: false\n  actions:\n"
        "    - {step: check_plan, attempt: 1, error: {message: database down}}\n"
        "    - {step: check_plan, attempt: 4, error: {retryable: true}}\n"
        "  runs: {failed: 1}\n",
        tmp_path,
    )
    result = play(scenario)
    assert result.passed, "\n".join(line.text for line in failure_report(result))
    attempts = [a.attempt for a in result.actions if a.step == "check_plan"]
    assert attempts == [1, 2, 3, 4]
    assert all(a.status == "error" for a in result.actions if a.step == "check_plan")
    assert result.runs[0].error is not None and "database down" in result.runs[0].error


def test_unmocked_sql_query_reads_a_real_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    shutil.copy(ROOT / "workflows" / "demo" / "app.db", database)
    scenario = scenario_of(
        f"secrets: {{APP_DATABASE_URL: 'sqlite:///{database}'}}\n"
        "events:\n  - at: 0s\n    name: app/signup.completed\n"
        "    data: {user: {id: 7, email: grace@example.com, first_name: Grace}}\n"
        "expect:\n  actions:\n"
        "    - {step: welcome_email}\n"
        "    - {step: check_plan, output: {rows: [{plan: pro}]}}\n",
        tmp_path,
    )
    result = play(scenario)
    assert result.passed, "\n".join(line.text for line in failure_report(result))


def test_time_is_bounded(tmp_path: Path) -> None:
    scenario = scenario_of("secrets: {APP_DATABASE_URL: 'sqlite://'}\nevents:\n" + SIGNUP, tmp_path)
    result = play(scenario, horizon=timedelta(days=1))
    assert not result.passed
    assert result.error == "runs still had timers after 1d of virtual time; stopped there"
    assert [action.step for action in result.actions] == ["welcome_email"]


def test_scenarios_are_reproducible() -> None:
    text = (ROOT / "workflows" / "signup-drip.click.test.yaml").read_text(encoding="utf-8")
    scenario, _ = load_scenario_text(text, "click.test.yaml", base_dir=ROOT / "workflows")
    assert scenario is not None
    first, second = play(scenario), play(scenario)
    assert [(a.step, a.at, a.with_) for a in first.actions] == [
        (a.step, a.at, a.with_) for a in second.actions
    ]
