"""The campaign page counts the emails a campaign did not send: capped, and
(from the same step outputs) unsubscribed or suppressed, with the sends a cap
deferred."""

from __future__ import annotations

from pathlib import Path

import httpx

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.caps import reserve_send
from interpreter.daemon.setup import load_campaigns
from tests.integration.dashboard._dashboard_live import ROOT, TOKEN, live_dashboard

WORKFLOWS = ROOT / "workflows"


def test_the_campaign_page_counts_capped_and_deferred_sends(tmp_path: Path) -> None:
    campaigns = load_campaigns([WORKFLOWS / "flash-sale.yaml", WORKFLOWS / "order-follow-up.yaml"])
    with live_dashboard(tmp_path, extra=campaigns) as board:
        store = board.engine.store
        board.engine.actions = build_actions(
            email_transport=CapturingTransport(),
            environ={},
            reserve_send=lambda holder, to, category, now: reserve_send(
                store, holder, to, category, now
            ),
        )
        sales = [("ada@example.com", "Spring"), ("ADA@example.com", "Shoes"), ("b@x.org", "Hats")]
        for email, title in sales:
            board.engine.ingest("shop/sale.announced", {"email": email, "title": title})
        board.engine.ingest("shop/order.placed", {"email": "b@x.org", "order_id": "B-1"})
        while board.engine.drive_once():
            pass
        page = httpx.get(f"{board.url}/", headers={"Authorization": f"Bearer {TOKEN}"}).text
    sections = {
        section.split("<code>", 1)[1].split("</code>", 1)[0]: section
        for section in page.split('<section class="card campaign">')[1:]
    }
    assert '<span data-held-back="capped">1 capped</span>' in sections["flash-sale"]
    offers = sections["order-follow-up"]
    assert 'data-held-back="deferred">1 send deferred by a frequency cap</p>' in offers
    assert "Emails skipped" not in offers
    assert "data-held-back" not in sections["signup-drip-campaign"]
