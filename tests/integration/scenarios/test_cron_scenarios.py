"""Cron ticks played by scenarios (``until``) on the real engine and a SQLite
store: each tick is the ``flow/cron`` event the daemon's scheduler sends, at
its local time across a DST change, and only ticks inside [start, until) play."""

from __future__ import annotations

from pathlib import Path

from interpreter.daemon.scenarios import ScenarioResult, run_scenario
from interpreter.language.loader import load_workflow
from interpreter.language.scenario import load_scenario
from tests._cli import ROOT, run_flow

# A Monday 08:30 New York schedule whose step says which tick started it.
DIGEST = """
id: digest
on: {cron: "30 8 * * MON", timezone: America/New_York}
steps:
  - id: note
    action: log
    with: {message: "${ event.name } ${ event.data.campaign } ${ event.data.tick }"}
"""


def play(tmp_path: Path, scenario_text: str) -> ScenarioResult:
    (tmp_path / "digest.yaml").write_text(DIGEST, encoding="utf-8")
    (tmp_path / "digest.test.yaml").write_text(scenario_text, encoding="utf-8")
    scenario, problems = load_scenario(tmp_path / "digest.test.yaml")
    assert scenario is not None, problems
    workflow, problems = load_workflow(tmp_path / "digest.yaml")
    assert workflow is not None, problems
    return run_scenario(scenario, workflow)


def test_three_monday_ticks_across_the_end_of_summer_time(tmp_path: Path) -> None:
    # New York leaves summer time on Sunday 1 November 2026: 08:30 is 12:30Z
    # the Monday before and 13:30Z the two after.
    result = play(
        tmp_path,
        'workflow: digest.yaml\nstart: "2026-10-26T00:00:00-04:00"\nuntil: 3w\n'
        "expect: {runs: {completed: 3}}\n",
    )
    assert result.passed and result.error is None
    assert [(str(a.at), a.with_) for a in result.actions] == [
        ("8:30:00", {"message": "flow/cron digest 2026-10-26T12:30:00+00:00"}),
        ("7 days, 9:30:00", {"message": "flow/cron digest 2026-11-02T13:30:00+00:00"}),
        ("14 days, 9:30:00", {"message": "flow/cron digest 2026-11-09T13:30:00+00:00"}),
    ]


def test_only_ticks_inside_until_play_and_none_without_it(tmp_path: Path) -> None:
    # Starting on a tick: it plays (at 0s); the one at exactly +1w does not.
    result = play(
        tmp_path, 'workflow: digest.yaml\nstart: "2026-10-26T08:30:00-04:00"\nuntil: 1w\n'
    )
    assert [str(a.at) for a in result.actions] == ["0:00:00"]
    # No until: the scenario plays its events only, however long runs go on.
    result = play(tmp_path, "workflow: digest.yaml\nevents: []\n")
    assert result.actions == () and result.runs == ()


def test_a_schedule_with_too_many_ticks_fails_instead_of_crawling(tmp_path: Path) -> None:
    every_minute = DIGEST.replace('"30 8 * * MON"', '"* * * * *"')
    (tmp_path / "minutely.yaml").write_text(every_minute, encoding="utf-8")
    (tmp_path / "minutely.test.yaml").write_text("workflow: minutely.yaml\nuntil: 1w\n")
    scenario, _ = load_scenario(tmp_path / "minutely.test.yaml")
    workflow, _ = load_workflow(tmp_path / "minutely.yaml")
    assert scenario is not None and workflow is not None
    # MAX_TICKS is 10,000; a smaller bound keeps the test quick.
    result = run_scenario(scenario, workflow, max_ticks=100)
    assert not result.passed and result.runs == ()
    assert result.error == "until: 1w plays more than 100 cron ticks of digest; shorten it"


def test_flow_test_plays_the_shipped_weekly_newsletter_mondays() -> None:
    result = run_flow(["test", "workflows/weekly-newsletter.mondays.test.yaml"], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["PASS weekly-newsletter.mondays", "1 passed, 0 failed"]


def test_flow_test_reports_a_tick_expected_at_the_wrong_local_time(tmp_path: Path) -> None:
    # An author who forgot summer time expects the third Monday at 2w9h.
    shipped = ROOT / "workflows" / "weekly-newsletter.mondays.test.yaml"
    text = shipped.read_text(encoding="utf-8").replace("at: 2w8h", "at: 2w9h")
    (tmp_path / "workflows").mkdir()
    for name in ("weekly-newsletter.yaml", "policies.yaml"):
        (tmp_path / "workflows" / name).write_text(
            (ROOT / "workflows" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    (tmp_path / "workflows" / "mondays.test.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "workflows" / "demo").symlink_to(ROOT / "workflows" / "demo")
    result = run_flow(["test", "workflows/mondays.test.yaml"], cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "            at: expected +14d9h, happened +14d8h" in result.stdout.splitlines()
