"""The run page shows how far a fan-out has got: "12,000 of 20,000 events"."""

from __future__ import annotations

from pathlib import Path

import httpx

from interpreter.language.loader import load_workflow_text
from interpreter.store.records import FanOutProgress
from tests.integration.dashboard._dashboard_live import TOKEN, live_dashboard

BROADCAST = """
id: broadcast
on: {event: broadcast/go}
steps:
  - id: fan_out
    for_each:
      items: ${ event.data.people }
      event: person/due
      data: {who: "${ item }"}
"""


def test_the_run_page_shows_the_fan_out_progress(tmp_path: Path) -> None:
    workflow, problems = load_workflow_text(BROADCAST, str(tmp_path / "b.yaml"))
    assert workflow is not None, problems
    with live_dashboard(tmp_path, extra=[workflow]) as board:
        (run_id,) = board.engine.ingest("broadcast/go", {"people": ["a", "b"]}).started
        while board.engine.drive_once():
            pass
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        page = httpx.get(f"{board.url}/runs/{run_id}", headers=bearer).text
        assert "<strong>2</strong> of 2 events" in page
        with board.engine.store.transaction() as tx:  # as a long fan-out stands half-way
            now = board.engine.clock.now()
            tx.save_fan_out_progress(FanOutProgress(run_id, "fan_out", 1, 12_000, 20_000, now))
        page = httpx.get(f"{board.url}/runs/{run_id}", headers=bearer).text
        assert "<strong>12,000</strong> of 20,000 events" in page
        assert '<progress max="20000" value="12000">60%</progress>' in page
