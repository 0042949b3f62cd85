"""Loading ``*.test.yaml`` scenarios: values, defaults, and problems at file:line:column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interpreter.language.definitions import Interpolation
from interpreter.language.loader import load_workflow
from interpreter.language.scenario import (
    DEFAULT_START,
    Scenario,
    load_scenario_text,
    scenario_files,
    scenario_name,
)
from interpreter.language.scenario_checks import check_against

ROOT = Path(__file__).resolve().parents[3]
FILE = "workflows/a.test.yaml"

MINIMAL = """\
workflow: signup-drip.yaml
events:
  - at: 0s
    name: app/signup.completed
    data: {user: {id: 42}}
"""


def load(text: str) -> Scenario:
    scenario, problems = load_scenario_text(text, FILE, base_dir=Path("workflows"))
    assert problems == []
    assert scenario is not None
    return scenario


def problems_of(text: str) -> list[str]:
    scenario, problems = load_scenario_text(text, FILE, base_dir=Path("workflows"))
    assert scenario is None
    return [problem.as_text() for problem in problems]


def test_defaults() -> None:
    scenario = load(MINIMAL)
    assert scenario.name == "a"
    assert scenario.workflow == Path("workflows/signup-drip.yaml")
    assert scenario.start == DEFAULT_START == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert scenario.expect.actions is None
    assert scenario.expect.exact is True
    assert scenario.mocks == ()
    (event,) = scenario.events
    assert (event.at, event.name, event.data, event.id) == (
        timedelta(0),
        "app/signup.completed",
        {"user": {"id": 42}},
        None,
    )


def test_full_scenario() -> None:
    scenario = load(
        MINIMAL
        + """\
  - at: 2h
    id: click-1
    name: resend/email.clicked
    data: {email_id: "${ actions[0].output.id }", note: plain}
start: 2026-03-01T08:30:00+01:00
secrets: {APP_DATABASE_URL: "sqlite://"}
mocks:
  check_plan: {output: {rows: [{plan: pro}]}}
  welcome_email: {error: {message: down, retryable: true}}
expect:
  exact: false
  actions:
    - {step: welcome_email, at: 1d2h, with: {to: a@example.com}, output: null}
  runs: {completed: 1, total: 1}
"""
    )
    assert scenario.start == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    assert scenario.secrets == (("APP_DATABASE_URL", "sqlite://"),)
    plan, welcome = scenario.mocks
    assert (plan.step, plan.output, plan.error_message) == (
        "check_plan",
        {"rows": [{"plan": "pro"}]},
        None,
    )
    assert (welcome.error_message, welcome.retryable) == ("down", True)
    click = scenario.events[1]
    assert click.id == "click-1"
    assert isinstance(click.data["email_id"], Interpolation)
    assert click.data["note"] == "plain"
    (expected,) = scenario.expect.actions or ()
    assert expected.at == timedelta(days=1, hours=2)
    assert expected.given == {"step", "at", "with", "output"}
    assert expected.location.line == 18
    assert scenario.expect.exact is False
    assert dict(scenario.expect.runs) == {"completed": 1, "total": 1}


def test_events_are_played_in_time_order_keeping_ties_as_written() -> None:
    scenario = load(
        """\
workflow: w.yaml
events:
  - {at: 1d, name: third}
  - {at: 0s, name: first}
  - {at: 0s, name: second}
"""
    )
    assert [event.name for event in scenario.events] == ["first", "second", "third"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "workflow: w.yaml\nevents:\n  - {at: 2 hours, name: x}\n",
            "workflows/a.test.yaml:3:10: error bad-duration '2 hours' is not a duration",
        ),
        (
            "workflow: w.yaml\nevent: []\n",
            "workflows/a.test.yaml:2:1: error unknown-key unknown key 'event' in the scenario; "
            "did you mean 'events'?",
        ),
        (
            "workflow: w.yaml\n",
            "workflows/a.test.yaml:1:1: error schema the scenario needs one of events, until",
        ),
        (
            "workflow: w.yaml\nuntil: 1w\nevents:\n  - {at: 0s, name: x}\n  - {at: 1w, name: y}\n",
            "workflows/a.test.yaml:5:10: error event-after-until +1w is not before until (1w)",
        ),
        (
            "workflow: w.yaml\nuntil: three weeks\n",
            "workflows/a.test.yaml:2:8: error bad-duration 'three weeks' is not a duration",
        ),
        (
            "workflow: w.yaml\nstart: next monday\nevents: []\n",
            "workflows/a.test.yaml:2:8: error bad-start 'next monday' is not an RFC 3339 moment",
        ),
        (
            "workflow: w.yaml\nevents: []\nmocks:\n  s: {output: 1, error: {message: m}}\n",
            "workflows/a.test.yaml:4:3: error schema mocks.s has output and error; keep exactly "
            "one",
        ),
        (
            'workflow: w.yaml\nevents:\n  - {at: 0s, name: x, data: {id: "${ runs[0].id"}}\n',
            "workflows/a.test.yaml:3:35: error template-syntax this ${ is never closed with }",
        ),
        (
            "workflow: w.yaml\nevents: []\nexpect: {runs: {finished: 1}}\n",
            "workflows/a.test.yaml:3:17: error unknown-key unknown key 'finished' in expect.runs",
        ),
        (
            "- workflow: w.yaml\n",
            "workflows/a.test.yaml:1:1: error root-not-mapping a scenario file must be a mapping",
        ),
    ],
)
def test_problems_point_at_the_line_to_fix(text: str, expected: str) -> None:
    found = problems_of(text)
    assert any(line.startswith(expected) for line in found), found


def test_until_plays_cron_ticks_without_events() -> None:
    scenario = load("workflow: weekly-newsletter.yaml\nuntil: 3w\n")
    assert scenario.until == timedelta(weeks=3)
    assert scenario.events == ()
    assert load(MINIMAL).until is None  # without until, no cron tick is played


def test_scenario_files_finds_only_scenarios(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("id: c\n")
    (tmp_path / "c.test.yaml").write_text(MINIMAL)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.test.yml").write_text(MINIMAL)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "e.test.yaml").write_text(MINIMAL)
    assert scenario_files(tmp_path) == [tmp_path / "c.test.yaml", tmp_path / "sub" / "d.test.yml"]
    assert scenario_name(tmp_path / "sub" / "d.test.yml") == "d"


def test_checks_against_the_campaign() -> None:
    workflow, _ = load_workflow(ROOT / "workflows" / "signup-drip.yaml")
    assert workflow is not None
    scenario = load(
        MINIMAL
        + """\
secrets: {APP_DATABASE_URL: x, API_KEY: y}
mocks:
  check_plna: {output: {}}
  route: {output: {}}
expect:
  actions:
    - {step: welcome_mail}
    - {step: check_plan, action: email.sned}
"""
    )
    found = [problem.as_text() for problem in check_against(scenario, workflow)]
    assert found == [
        "workflows/a.test.yaml:8:3: error unknown-step mocks: 'check_plna' is not a step of "
        "campaign 'signup-drip-campaign'; did you mean 'check_plan'?",
        "workflows/a.test.yaml:9:3: error unknown-step mocks: 'route' is not an action step of "
        "campaign 'signup-drip-campaign'; its action steps: welcome_email, "
        "send_power_user_tips, check_plan, trial_offer_email",
        "workflows/a.test.yaml:12:7: error unknown-step expect.actions: 'welcome_mail' is not "
        "a step of campaign 'signup-drip-campaign'; did you mean 'welcome_email'?",
        "workflows/a.test.yaml:13:7: error unknown-action expect.actions: unknown action "
        "'email.sned'; did you mean 'email.send'?",
        "workflows/a.test.yaml:6:32: error unknown-secret secrets: campaign "
        "'signup-drip-campaign' does not declare 'API_KEY'",
    ]
