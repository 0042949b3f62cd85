"""The run page says which zone a run lives in and why, and what its quiet-hours
deferral or send window waits for, in the recipient's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow_text
from tests.integration.dashboard._dashboard_live import TOKEN, live_dashboard

PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
# Placed around the real clock: quiet hours from an hour ago to two hours from
# now in Paris; a window opening in three hours in Tokyo.
QUIET = """
id: quiet
on: {event: quiet/go}
timezone: ${ event.data.tz }
quiet_hours: {from: "%s", to: "%s"}
steps:
  - id: hello
    action: email.send
    with: {to: a@example.com, subject: hi, text: hi}
"""
WINDOW = """
id: window
on: {event: window/go}
timezone: ${ event.data.tz }
timezone_fallback: Asia/Tokyo
steps:
  - id: morning
    wait_for_window: {between: ["%s", "%s"]}
"""


def load(text: str, path: Path) -> Workflow:
    workflow, problems = load_workflow_text(text, str(path))
    assert workflow is not None, problems
    return workflow


def test_the_run_page_shows_the_zone_the_deferral_and_the_window(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    began, ends = (now - timedelta(hours=1)).astimezone(PARIS), (now + timedelta(hours=2))
    opens = (now + timedelta(hours=3)).astimezone(TOKYO)
    closes = opens + timedelta(hours=1)
    quiet = load(QUIET % (f"{began:%H:%M}", f"{ends.astimezone(PARIS):%H:%M}"), tmp_path / "q.yaml")
    window = load(WINDOW % (f"{opens:%H:%M}", f"{closes:%H:%M}"), tmp_path / "w.yaml")
    with live_dashboard(tmp_path, extra=[quiet, window]) as board:
        (deferred,) = board.engine.ingest("quiet/go", {"tz": "Europe/Paris"}).started
        (waiting,) = board.engine.ingest("window/go", {"tz": "Mars/Base"}).started
        while board.engine.drive_once():
            pass
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        page = httpx.get(f"{board.url}/runs/{deferred}", headers=bearer).text
        other = httpx.get(f"{board.url}/runs/{waiting}", headers=bearer).text
    assert "Europe/Paris, from the event" in page
    local = ends.astimezone(PARIS)
    assert f"deferred by quiet hours until {local:%Y-%m-%d %H:%M} Europe/Paris" in page
    assert "Asia/Tokyo, fallback: &#39;Mars/Base&#39; is not a time zone" in other
    window_at = f"{opens:%H:%M}\u2013{closes:%H:%M}) opens {opens:%Y-%m-%d %H:%M} Asia/Tokyo"
    assert f"step morning: its window (every day {window_at}" in other
