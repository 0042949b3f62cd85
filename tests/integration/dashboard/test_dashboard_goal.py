"""The campaign page answers "does it work?": runs started, conversions and
their rate, per split path with the difference between paths, and per email
step sends, opens and clicks, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.integration.dashboard._dashboard_live import TOKEN, live_dashboard
from tests.integration.dashboard._goal_campaign import play_trial, trial_campaign

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _cells(html: str, row_class: str) -> list[list[str]]:
    rows = re.findall(rf'<tr class="{row_class}"[^>]*>(.*?)</tr>', html, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_the_campaign_page_shows_conversions_paths_and_emails(tmp_path: Path, db_url: str) -> None:
    with live_dashboard(tmp_path, db_url=db_url, extra=[trial_campaign(tmp_path)]) as board:
        runs = play_trial(board)
        statuses = sorted(board.engine.store.get_run(r).run.status for r in runs)
        assert statuses == ["converted", "converted", "sleeping", "sleeping"]
        page = httpx.get(f"{board.url}/campaigns/trial?period=1d", headers=BEARER)
        assert page.status_code == 200
        html = page.text
        assert re.search(r'class="num started">4<', html)
        assert re.search(r'class="num converted">2<', html)
        assert re.search(r'class="num conversion-rate">50.0%<', html)
        assert _cells(html, "path") == [
            ["offer", "a", "2", "2", "100.0%", "\u2013"],
            ["offer", "b", "2", "0", "0.0%", "-100.0 pp"],
        ]
        # sent, skipped, opened, open rate, clicked, click rate, unsubscribed, bounced
        assert _cells(html, "email") == [
            ["welcome", "4", "0", "2", "50.0%", "1", "25.0%", "0", "0"]
        ]
        # The graph: each node shows how many runs reached it, the goal its conversions.
        assert re.search(r'data-step="__goal__">.*?class="reached"[^>]*>2</text>', html)
        assert re.search(r'data-step="welcome">.*?class="reached"[^>]*>4</text>', html)
        missing = httpx.get(f"{board.url}/campaigns/nope", headers=BEARER)
        assert missing.status_code == 404
        front = httpx.get(f"{board.url}/", headers=BEARER).text
        assert 'href="/campaigns/trial?period=7d"' in front
