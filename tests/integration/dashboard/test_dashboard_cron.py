"""A cron campaign's dashboard page over HTTP: its schedule and next tick, and
"Run now" (CSRF-checked) starting the scheduler's ``flow/cron`` run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from interpreter.daemon.ingest import CRON_EVENT
from interpreter.language.loader import load_workflow_text
from tests.integration.dashboard._dashboard_live import TOKEN, LiveDashboard, live_dashboard

# New Year's Day, 09:00 in Paris: a next tick the test can work out by itself.
NEW_YEAR = """
id: new-year
name: New Year greeting
on: {cron: "0 9 1 1 *", timezone: Europe/Paris}
steps:
  - id: note
    action: log
    with: {message: "${ event.name } ${ event.data.tick }"}
"""


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None, html
    return found.group(1)


@contextmanager
def logged_in(tmp_path: Path) -> Iterator[tuple[LiveDashboard, httpx.Client]]:
    """A live dashboard with the New Year campaign, and a browser logged in to it."""
    workflow, problems = load_workflow_text(NEW_YEAR, str(tmp_path / "ny.yaml"), base_dir=tmp_path)
    assert workflow is not None, [p.as_text() for p in problems]
    with (
        live_dashboard(tmp_path, extra=[workflow]) as board,
        httpx.Client(base_url=board.url) as client,
    ):
        form = client.get("/login")
        client.post("/login", data={"csrf": _csrf(form.text), "token": TOKEN, "next": "/"})
        yield board, client


def test_the_page_shows_the_schedule_and_the_next_tick(tmp_path: Path) -> None:
    with logged_in(tmp_path) as (_board, client):
        html = client.get("/campaigns/new-year").text
        now = datetime.now(UTC)
        year = now.year if now < datetime(now.year, 1, 1, 8, tzinfo=UTC) else now.year + 1
        assert "Runs on cron <code>0 9 1 1 *, Europe/Paris</code>" in html
        assert f'<strong class="next-tick">{year}-01-01 08:00:00Z</strong>' in html
        weekday = datetime(year, 1, 1, 9, tzinfo=ZoneInfo("Europe/Paris")).strftime("%a")
        assert f"({weekday} {year}-01-01 09:00 CET, Europe/Paris)" in html
        assert '<button type="submit">Run now</button>' in html
        assert "Run now" not in client.get("/campaigns/signup-drip-campaign").text


def test_run_now_needs_the_csrf_token_and_starts_the_cron_run(tmp_path: Path) -> None:
    with logged_in(tmp_path) as (board, client):
        page = client.get("/campaigns/new-year")
        for bad in ({}, {"csrf": "0" * 64}):
            refused = client.post("/campaigns/new-year/tick", data=bad)
            assert refused.status_code == 403 and "CSRF" in refused.text
        assert board.engine.store.list_runs(workflow_id="new-year", limit=10) == []
        before = datetime.now(UTC).replace(microsecond=0)
        answer = client.post("/campaigns/new-year/tick", data={"csrf": _csrf(page.text)})
        assert answer.status_code == 303
        run_id = answer.headers["location"].removeprefix("/runs/")
        (run,) = board.engine.store.list_runs(workflow_id="new-year", limit=10)
        assert run.id == run_id
        event = board.engine.store.get_event(str(run.trigger_event_id))
        assert event.name == CRON_EVENT and event.data["campaign"] == "new-year"
        assert before <= datetime.fromisoformat(event.data["tick"]) <= datetime.now(UTC)
        while board.engine.drive_once():
            pass
        shown = client.get(answer.headers["location"]).text
        assert "completed" in shown and "flow/cron" in shown


def test_run_now_on_a_campaign_without_cron_or_unknown_is_refused(tmp_path: Path) -> None:
    with logged_in(tmp_path) as (board, client):
        token = _csrf(client.get("/campaigns/new-year").text)
        plain = client.post("/campaigns/signup-drip-campaign/tick", data={"csrf": token})
        assert plain.status_code == 409 and "has no cron trigger" in plain.text
        assert client.post("/campaigns/nope/tick", data={"csrf": token}).status_code == 404
        assert client.get("/campaigns/new-year/tick").status_code == 405  # POST only
        assert board.engine.store.list_runs(limit=10) == []
