"""The run page lists every entry a ``wait_for_event`` with ``any`` waits for:
its event, its key, its ``if`` and where it leads."""

from __future__ import annotations

import html
from pathlib import Path

import httpx

from interpreter.language.loader import load_workflow_text
from tests.integration.dashboard._dashboard_live import ROOT, TOKEN, live_dashboard

WORKFLOWS = ROOT / "workflows"


def test_the_run_page_shows_each_entry_of_the_wait(tmp_path: Path) -> None:
    # The example campaign on its own trigger, so the seed campaign stays out of it.
    text = (WORKFLOWS / "welcome-engagement.yaml").read_text(encoding="utf-8")
    text = text.replace("event: app/signup.completed", "event: engage/go")
    workflow, problems = load_workflow_text(
        text, str(WORKFLOWS / "engage.yaml"), base_dir=WORKFLOWS
    )
    assert workflow is not None, problems
    with live_dashboard(tmp_path, extra=[workflow]) as board:
        user = {"id": 42, "email": "ada@example.com", "first_name": "Ada"}
        (run_id,) = board.engine.ingest("engage/go", {"user": user}).started
        while board.engine.drive_once():
            pass
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        page = html.unescape(httpx.get(f"{board.url}/runs/{run_id}", headers=bearer).text)
    assert page.count("Step <code>engagement</code> waits for") == 2
    assert "<code>resend/email.clicked</code>" in page
    assert "<code>app/subscription.created</code>" in page
    assert "async.data.user_id == 42" in page
    assert "if: <code>async.data.email_id == steps.welcome.output.id</code>" in page
    assert "entry 1 of 2 (whichever comes first), then tips" in page
    assert "entry 2 of 2 (whichever comes first), then the following step" in page
    assert "step engagement times out" in page
