"""The campaign page lists a debounced campaign's pending bursts and when each
one's run starts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from interpreter.http.dashboard.rendering import when
from interpreter.language.loader import load_workflow_text
from tests.integration.dashboard._dashboard_live import TOKEN, live_dashboard

CARTS = """
id: carts
on: {event: shop/cart.updated}
debounce: {key: event.data.cart, period: 30m, timeout: 4h}
steps:
  - {id: hello, action: log, with: {message: hi}}
"""


def test_the_campaign_page_shows_each_pending_burst(tmp_path: Path) -> None:
    workflow, problems = load_workflow_text(CARTS, str(tmp_path / "carts.yaml"))
    assert workflow is not None, problems
    with live_dashboard(tmp_path, extra=[workflow]) as board:
        for cart in ("c-1", "c-1", "c-<2>"):
            assert board.engine.ingest("shop/cart.updated", {"cart": cart}).debounced == ("carts",)
        while board.engine.drive_once():
            pass
        (first, second) = board.engine.store.pending_bursts("carts")
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        page = httpx.get(f"{board.url}/", headers=bearer).text
        events = httpx.get(f"{board.url}/events", headers=bearer).text
    assert "Debounced · 2 bursts pending" in page
    assert first.events == 2 and second.events == 1
    assert first.due_at - first.last_at == timedelta(minutes=30)
    assert f"debounced until {when(first.due_at)}" in page
    assert "<code>&#34;c-1&#34;</code>" in page or "<code>&quot;c-1&quot;</code>" in page
    assert "c-&lt;2&gt;" in page and "c-<2>" not in page
    # The latest event of each burst says so on the events page; the first one
    # of c-1's burst, superseded, does not.
    assert events.count("carts: debounced until") == 2
    assert f"carts: debounced until {when(second.due_at)}" in events
