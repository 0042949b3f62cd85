"""The dashboard under hostile input, through a real server: junk query
parameters, oversize and slow forms, and a test event checked as the API checks it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from _dashboard_live import TOKEN, live_dashboard

BEARER = {"Authorization": f"Bearer {TOKEN}"}

JUNK = [
    "/events?before=99999999999999999999999999",
    "/events?before=%C2%B2",  # '²' passes str.isdigit() but not int()
    "/events?before=-1&q=%00",
    "/events?q=%ED%A0%80",
    "/runs?since=0001-01-01T00:00:00%2B14:00",
    "/runs?until=9999-12-31T23:59:59-14:00",
    "/runs?after=0001-01-01T00:00:00%2B14:00|run_x",
    "/runs?after=2026-01-01T00:00:00|%00&status=%00&campaign=%00&q=a%00b",
    "/?period=%00",
]


@pytest.mark.parametrize("path", JUNK)
def test_junk_query_parameters_are_ignored(tmp_path: Path, db_url: str, path: str) -> None:
    with live_dashboard(tmp_path, db_url=db_url) as board:
        board.signup("u1", "ada@example.com")
        answer = httpx.get(f"{board.url}{path}", headers=BEARER)
        assert answer.status_code == 200, answer.text[:300]
