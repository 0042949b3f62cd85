"""In a real browser: a cron campaign's page shows its next tick, and "Run now"
starts its ``flow/cron`` run and opens that run's page. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from interpreter.language.loader import load_workflow_text
from tests.browser.conftest import ARTIFACTS
from tests.integration.dashboard._dashboard_live import TOKEN, live_dashboard

DIGEST = """
id: digest
name: Weekly digest
on: {cron: "0 9 * * MON", timezone: Europe/London}
steps:
  - id: note
    action: log
    with: {message: "digest for ${ event.data.tick }"}
"""


def test_run_now_starts_the_tick_and_opens_its_run(browser_page: Any, tmp_path: Path) -> None:
    workflow, problems = load_workflow_text(DIGEST, str(tmp_path / "d.yaml"), base_dir=tmp_path)
    assert workflow is not None, [p.as_text() for p in problems]
    page = browser_page
    with live_dashboard(tmp_path, extra=[workflow]) as board:
        page.goto(f"{board.url}/login")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.goto(f"{board.url}/campaigns/digest")
        card = page.locator("section.cron").inner_text()
        assert "0 9 * * MON, Europe/London" in card and "Mon " in card
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-cron-campaign.png"), full_page=True)
        page.click("text=Run now")
        page.wait_for_url(f"{board.url}/runs/run_*")
        run_id = page.url.rsplit("/", 1)[-1]
        assert "flow/cron" in page.locator("dl.facts").inner_text()
        while board.engine.drive_once():
            pass
        page.reload()
        assert page.locator("h1 .status").inner_text() == "completed"
        assert "note" in page.locator("table.timeline").inner_text()
        assert '"campaign": "digest"' in page.locator("main > pre").last.inner_text()
        assert [r.id for r in board.engine.store.list_runs(workflow_id="digest", limit=5)] == [
            run_id
        ]
