"""Quiet hours, send windows and the run's zone, played as scenarios on the real
engine and a SQLite store: the DST rules of the README hold end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from interpreter.daemon.scenarios import ScenarioResult, run_scenario
from interpreter.daemon.scenarios.report import failure_report
from interpreter.language.loader import load_workflow
from interpreter.language.scenario import load_scenario

QUIET = """
id: quiet
on: {{event: go}}
timezone: ${{ event.data.tz }}
quiet_hours: {{from: "{start}", to: "{end}"}}
steps:
  - id: hello
    action: email.send
    with: {{to: a@example.com, subject: "hour ${{ now.getHours(run.timezone) }}", text: hi}}
"""
WINDOW = """
id: window
on: {{event: go}}
timezone: ${{ event.data.tz }}
steps:
  - id: window
    wait_for_window:
      days: [{days}]
      between: ["{opens}", "{closes}"]
  - id: hello
    action: log
    with: {{message: "${{ steps.window.output.opened_at }}"}}
"""


def play(tmp_path: Path, campaign: str, start: str, tz: str, expect: str) -> ScenarioResult:
    (tmp_path / "c.yaml").write_text(campaign, encoding="utf-8")
    (tmp_path / "c.test.yaml").write_text(
        f'workflow: c.yaml\nstart: "{start}"\n'
        f"events:\n  - {{at: 0s, name: go, data: {{tz: {tz}}}}}\n"
        f"expect:\n  actions:\n{expect}\n  runs: {{completed: 1}}\n",
        encoding="utf-8",
    )
    scenario, problems = load_scenario(tmp_path / "c.test.yaml")
    assert scenario is not None, problems
    workflow, problems = load_workflow(tmp_path / "c.yaml")
    assert workflow is not None, problems
    result = run_scenario(scenario, workflow)
    assert result.error is None
    assert result.passed, "\n".join(line.text for line in failure_report(result))
    return result


# (quiet from, to, zone, start, when the email leaves, the local hour it reads)
QUIET_CASES = [
    # The issue's own: 22:30 in Paris, quiet 21:00-08:00, welcome at 08:00 Paris.
    ("21:00", "08:00", "Europe/Paris", "2026-01-05T22:30:00+01:00", "9h30m", 8),
    # New York, 2026-03-08: "02:30" is skipped, so quiet hours end at 03:00 EDT (07:00Z).
    ("00:30", "02:30", "America/New_York", "2026-03-08T01:00:00-05:00", "1h", 3),
    # New York, 2026-11-01: "01:30" happens twice; quiet hours end at the first (05:30Z).
    ("00:00", "01:30", "America/New_York", "2026-11-01T00:45:00-04:00", "45m", 1),
    # The second 01:15 (EST, after the first 01:30 passed) is outside quiet hours.
    ("00:00", "01:30", "America/New_York", "2026-11-01T01:15:00-05:00", "0s", 1),
    # Sydney, 2026-10-04: 02:00 AEST jumps to 03:00 AEDT; "02:30" means 03:00 AEDT.
    ("01:00", "02:30", "Australia/Sydney", "2026-10-04T01:30:00+10:00", "30m", 3),
    # Sydney, 2026-04-05: 03:00 AEDT falls back to 02:00 AEST; "02:30" is its first pass.
    ("01:00", "02:30", "Australia/Sydney", "2026-04-05T01:30:00+11:00", "1h", 2),
    # Santiago, 2026-09-06: midnight is skipped; "00:00" is 01:00 -03 (04:00Z).
    ("22:00", "00:00", "America/Santiago", "2026-09-05T23:00:00-04:00", "1h", 1),
    # The boundary: a step due exactly at `to` runs at once; one due at `from` waits.
    ("21:00", "08:00", "Europe/Paris", "2026-01-06T08:00:00+01:00", "0s", 8),
    ("21:00", "08:00", "Europe/Paris", "2026-01-06T21:00:00+01:00", "11h", 8),
    # Quiet hours that do not cross midnight.
    ("12:00", "14:00", "Asia/Tokyo", "2026-01-06T13:59:00+09:00", "1m", 14),
]


@pytest.mark.parametrize(("start", "end", "tz", "at", "sent", "hour"), QUIET_CASES)
def test_quiet_hours_defer_to_their_end_by_the_dst_rules(
    tmp_path: Path, start: str, end: str, tz: str, at: str, sent: str, hour: int
) -> None:
    campaign = QUIET.format(start=start, end=end)
    expect = f'    - {{step: hello, at: {sent}, with: {{subject: "hour {hour}"}}}}'
    play(tmp_path, campaign, at, tz, expect)


# (days, opens, closes, zone, start, when the run goes on, opened_at)
# fmt: off
WINDOW_CASES = [
    # Inside the window: straight on.
    ("mon, tue, wed, thu, fri", "09:00", "11:30", "Europe/Paris", "2026-01-05T10:00:00+01:00",
     "0s", "2026-01-05T10:00:00+01:00"),
    # The window's end is outside: the next weekday's opening.
    ("mon, tue, wed, thu, fri", "09:00", "11:30", "Europe/Paris", "2026-01-09T11:30:00+01:00",
     "2d21h30m", "2026-01-12T09:00:00+01:00"),
    # Its opening is inside.
    ("mon", "09:00", "11:30", "Europe/Paris", "2026-01-05T09:00:00+01:00",
     "0s", "2026-01-05T09:00:00+01:00"),
    # Crossing midnight belongs to the opening day: Saturday 01:00 is inside a Friday window...
    ("fri", "22:00", "02:00", "Europe/Paris", "2026-01-10T01:00:00+01:00",
     "0s", "2026-01-10T01:00:00+01:00"),
    # ...and Saturday 23:00 is not: it waits for next Friday 22:00.
    ("fri", "22:00", "02:00", "Europe/Paris", "2026-01-10T23:00:00+01:00",
     "5d23h", "2026-01-16T22:00:00+01:00"),
    # A skipped opening (New York, 02:30 on 2026-03-08) opens at 03:00 EDT.
    ("sun", "02:30", "04:00", "America/New_York", "2026-03-08T01:00:00-05:00",
     "1h", "2026-03-08T03:00:00-04:00"),
    # A repeated opening (01:30 on 2026-11-01) opens at its first occurrence, EDT.
    ("sun", "01:30", "03:00", "America/New_York", "2026-11-01T00:00:00-04:00",
     "1h30m", "2026-11-01T01:30:00-04:00"),
    # Southern hemisphere: Sydney's spring gap.
    ("sun", "02:30", "05:00", "Australia/Sydney", "2026-10-04T01:00:00+10:00",
     "1h", "2026-10-04T03:00:00+11:00"),
    # Whole days: Saturday in Tokyo while it is still Friday in UTC.
    ("sat", "00:00", "00:00", "Asia/Tokyo", "2026-01-09T23:00:00+09:00",
     "1h", "2026-01-10T00:00:00+09:00"),
]
# fmt: on


@pytest.mark.parametrize(("days", "opens", "closes", "tz", "at", "goes", "opened"), WINDOW_CASES)
def test_windows_open_by_the_dst_rules(
    tmp_path: Path, days: str, opens: str, closes: str, tz: str, at: str, goes: str, opened: str
) -> None:
    if opens == closes:
        campaign = WINDOW.format(days=days, opens="x", closes="x").replace(
            '      between: ["x", "x"]\n', ""
        )
    else:
        campaign = WINDOW.format(days=days, opens=opens, closes=closes)
    expect = f'    - {{step: hello, at: {goes}, with: {{message: "{opened}"}}}}'
    play(tmp_path, campaign, at, tz, expect)


def test_a_day_of_sleep_is_elapsed_time_across_a_dst_change(tmp_path: Path) -> None:
    campaign = """
id: sleepy
on: {event: go}
timezone: ${ event.data.tz }
steps:
  - id: nap
    sleep: 1d
  - id: hello
    action: log
    with: {message: "${ now.getHours(run.timezone) }"}
"""
    # Noon EST on Saturday; 86,400 s later New York reads 13:00 EDT.
    expect = "    - {step: hello, at: 1d, with: {message: 13}}"
    play(tmp_path, campaign, "2026-03-07T12:00:00-05:00", "America/New_York", expect)


def test_skip_gives_the_quiet_hours_output_and_the_run_goes_on(tmp_path: Path) -> None:
    campaign = """
id: skipper
on: {event: go}
timezone: ${ event.data.tz }
quiet_hours: {from: "21:00", to: "08:00"}
steps:
  - id: nudge
    quiet_hours: skip
    action: email.send
    with: {to: a@example.com, subject: nudge, text: hi}
  - id: after
    action: log
    with: {message: "${ steps.nudge.output.skipped }"}
"""
    expect = (
        "    - {step: nudge, at: 0s, output: {skipped: quiet_hours}}\n"
        '    - {step: after, at: 0s, with: {message: "quiet_hours"}}'
    )
    result = play(tmp_path, campaign, "2026-01-05T23:00:00+01:00", "Europe/Paris", expect)
    assert result.emails == ()  # nothing was sent


def test_ignore_and_other_actions_run_inside_quiet_hours(tmp_path: Path) -> None:
    campaign = """
id: loud
on: {event: go}
timezone: ${ event.data.tz }
quiet_hours: {from: "21:00", to: "08:00"}
steps:
  - id: note
    action: log
    with: {message: "note"}
  - id: urgent
    quiet_hours: ignore
    action: email.send
    with: {to: a@example.com, subject: urgent, text: hi}
"""
    expect = "    - {step: note, at: 0s}\n    - {step: urgent, at: 0s}"
    result = play(tmp_path, campaign, "2026-01-05T23:00:00+01:00", "Europe/Paris", expect)
    assert len(result.emails) == 1


@pytest.mark.parametrize(
    ("tz", "zone"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("Mars/Base", "America/New_York"),
        ('""', "America/New_York"),
        ("null", "America/New_York"),
        ("42", "America/New_York"),
    ],
)
def test_run_timezone_is_the_zone_or_the_fallback(tmp_path: Path, tz: str, zone: str) -> None:
    campaign = """
id: zoned
on: {event: go}
timezone: ${ event.data.tz }
timezone_fallback: America/New_York
steps:
  - id: hello
    action: log
    with: {message: "${ run.timezone }"}
"""
    expect = f'    - {{step: hello, at: 0s, with: {{message: "{zone}"}}}}'
    play(tmp_path, campaign, "2026-01-05T09:00:00Z", tz, expect)
