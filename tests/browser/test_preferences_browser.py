"""In a real browser: open the preferences link of a tips email, untick tips,
save, and see the next tips email skipped while the receipt still goes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.setup import load_campaigns
from interpreter.daemon.suppressions import suppressed_among
from interpreter.http.app import create_app
from interpreter.http.settings import HttpSettings
from interpreter.http.tracking import tracking_routes
from interpreter.store.database import open_store
from tests._loopback import serving
from tests.browser.conftest import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
TIPS = ROOT / "workflows" / "tips-series.yaml"
KEY = "browser preferences key"


def _order(engine: Engine, order_id: str) -> str:
    result = engine.ingest("shop/order.placed", {"order_id": order_id, "email": "ada@example.com"})
    (run_id,) = result.started
    engine.drive_run(run_id)
    return run_id


def _steps(engine: Engine, run_id: str) -> dict[str, Any]:
    return {step.step_id: step.output for step in engine.store.get_run(run_id).steps}


def test_untick_a_topic_and_the_next_email_of_it_is_skipped(
    browser_page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = browser_page
    # How an operator names the sender: the From address's display name.
    monkeypatch.setenv("FLOW_EMAIL_FROM", "Acme Shop <shop@acme.example>")
    monkeypatch.delenv("FLOW_SENDER_NAME", raising=False)
    mail = CapturingTransport()
    with open_store(f"sqlite:///{tmp_path / 'flow.db'}") as store:
        engine = Engine(
            store,
            Campaigns(store, load_campaigns([TIPS])),  # with workflows/policies.yaml
            VirtualClock(datetime(2026, 1, 5, 9, tzinfo=UTC)),
            data_dir=tmp_path,
        )
        app = create_app(engine, HttpSettings(), extra_routes=tracking_routes(engine, KEY))
        with serving(app) as url:
            engine.actions = build_actions(
                email_transport=mail,
                environ={"FLOW_PUBLIC_URL": url, "FLOW_SECRET_KEY": KEY},
                suppressed=lambda addresses, category: suppressed_among(store, addresses, category),
            )
            first = _order(engine, "A-1")
            tip = next(sent for sent in mail.sent if sent.message["Subject"].startswith("Tip"))
            assert tip.message["List-Unsubscribe"] is not None
            receipt = next(s for s in mail.sent if s.message["Subject"] == "Your order A-1")
            assert receipt.message["List-Unsubscribe"] is None  # transactional
            body = tip.message.get_body(("plain",))
            assert body is not None
            # The template wrote no preferences link: flow added one at the end.
            link = re.search(
                r"Email preferences: (http://127\.0\.0\.1:\d+/u/[\w-]+)", body.get_content()
            )
            assert link is not None, body.get_content()

            page.goto(link.group(1))
            assert page.locator("h1").inner_text() == "Email preferences"
            assert page.locator(".sender").inner_text() == "Acme Shop"
            assert "receives from Acme Shop." in page.locator("main").inner_text()
            # The stylesheet applies: the page is a card on a washed background,
            # not the browser's default serif on white.
            style = page.evaluate(
                """() => {
                    const main = getComputedStyle(document.querySelector("main"));
                    const body = getComputedStyle(document.body);
                    return {radius: main.borderTopLeftRadius, maxWidth: main.maxWidth,
                            font: body.fontFamily, background: body.backgroundColor,
                            scripts: document.scripts.length};
                }"""
            )
            assert style["radius"] == "8px" and style["maxWidth"] == "512px", style
            assert "system-ui" in style["font"], style
            assert style["background"] == "rgb(243, 245, 248)", style
            assert style["scripts"] == 0
            topics = [
                c for c in engine.campaigns.policies.categories.values() if not c.transactional
            ]
            assert page.locator("input[name=category]").count() == len(topics) >= 2
            assert page.is_checked("input[value=tips]")
            page.uncheck("input[value=tips]")
            page.click("button[name=save]")
            page.wait_for_load_state()
            assert page.locator(".done").inner_text() == (
                "Your preferences were saved: you left tips."
            )
            assert not page.is_checked("input[value=tips]")
            assert page.is_checked("input[value=marketing]")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "preferences-saved.png"), full_page=True)

            # Leaving tips cancelled the series (its cancel_on), and a new order's
            # tip is skipped while its receipt goes out.
            engine.drive_run(first)  # as a worker would: the cancel is in its inbox
            assert engine.store.get_run(first).run.status == "cancelled"
            second = _order(engine, "A-2")
            outputs = _steps(engine, second)
            assert outputs["first_tip"]["skipped"] == "unsubscribed"
            assert outputs["first_tip"]["category"] == "tips"
            assert "skipped" not in outputs["receipt"]
            assert [s.message["Subject"] for s in mail.sent][-1] == "Your order A-2"
