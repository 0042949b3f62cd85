"""The funnel says where runs are now ("3 waiting here") beside how many
reached each step; each email step shows sent, skipped, opened, clicked,
unsubscribed and bounced; the runs list shows recipient, step and next
wake-up, filters by step, and the graph's nodes link to the runs at a step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.suppressions import suppressed_among
from interpreter.store.records import Suppression
from tests.integration.dashboard._dashboard_live import TOKEN, LiveDashboard, live_dashboard

BEARER = {"Authorization": f"Bearer {TOKEN}"}
DRIP = "signup-drip-campaign"


def _get(board: LiveDashboard, path: str, **params: str) -> str:
    answer = httpx.get(f"{board.url}{path}", params=params, headers=BEARER)
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.fixture
def drip(tmp_path: Path) -> Iterator[LiveDashboard]:
    """Four signups: ada clicks (sleeping at delay_power_tips), bob unsubscribes
    from the welcome email and cy's bounces (both waiting for a click), and
    dee is suppressed (her welcome skipped; waiting too)."""
    with live_dashboard(tmp_path) as board:
        store = board.engine.store
        board.engine.actions = build_actions(
            email_transport=CapturingTransport(),
            environ={},
            suppressed=lambda addresses, category: suppressed_among(store, addresses, category),
        )
        with store.transaction() as tx:
            tx.add_suppression(
                Suppression("dee@example.com", "manual", None, board.engine.clock.now())
            )
        ids = {}
        for user in ("ada", "bob", "cy", "dee"):
            [run_id] = [
                r
                for r in board.signup(user, f"{user}@example.com")
                if store.get_run(r).run.workflow_id == DRIP
            ]
            ids[user] = store.get_run(run_id).run.state["steps"]["welcome_email"]["output"]["id"]
        board.engine.ingest("resend/email.clicked", {"email_id": ids["ada"]})
        board.engine.ingest("email.unsubscribed", {"email_id": ids["bob"], "to": "bob"})
        board.engine.ingest("resend/email.bounced", {"email_id": ids["cy"].upper()})
        while board.engine.drive_once():
            pass
        yield board


def test_the_funnel_counts_the_runs_at_each_step_now(drip: LiveDashboard) -> None:
    for page in (_get(drip, f"/campaigns/{DRIP}"), _get(drip, "/")):
        here = dict(re.findall(r'data-here="(\w+)">([^<]*)</a>', page))
        assert "3 waiting here" in page and "1 sleeping here" in page, here
        row = page.split('<tr data-step="wait_for_engagement">', 1)[1].split("</tr>", 1)[0]
        link = f"/runs?campaign={DRIP}&amp;step=wait_for_engagement&amp;status=waiting"
        assert f'<a href="{link}" data-here="waiting">3 waiting here</a>' in row
        assert '<td class="num">1</td>' in row  # only ada passed it; three are there
        tips = page.split('<tr data-step="delay_power_tips">', 1)[1].split("</tr>", 1)[0]
        assert 'data-here="sleeping">1 sleeping here</a>' in tips
        welcome = page.split('<tr data-step="welcome_email">', 1)[1].split("</tr>", 1)[0]
        assert "here</a>" not in welcome  # every run has passed it


def test_each_email_step_shows_sent_skipped_opened_clicked_unsubscribed_bounced(
    drip: LiveDashboard,
) -> None:
    page = _get(drip, f"/campaigns/{DRIP}")
    row = page.split('<tr class="email" data-step="welcome_email">', 1)[1].split("</tr>", 1)[0]
    cells = dict(re.findall(r'<td class="num (\w+)"[^>]*>([\d,]+)</td>', row))
    assert cells == {
        "sent": "3",
        "skipped": "1",
        "opened": "0",
        "clicked": "1",
        "unsubscribed": "1",
        "bounced": "1",
    }
    assert 'title="1 suppressed"' in row


def test_the_runs_list_shows_recipient_step_and_wake_up_and_filters_by_step(
    drip: LiveDashboard,
) -> None:
    page = _get(drip, "/runs", campaign=DRIP, step="wait_for_engagement")
    rows = page.split('<tr class="run"')[1:]
    assert len(rows) == 3
    recipients = sorted(re.findall(r'<td class="recipient">([^<]*)</td>', page))
    assert recipients == ["bob@example.com", "cy@example.com", "dee@example.com"]
    for row in rows:
        assert '<td class="step"><a href="/runs?campaign=' in row
        assert "<code>wait_for_engagement</code>" in row
        assert re.search(r'<td class="wake">\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ</td>', row), row
    sleeping = _get(drip, "/runs", campaign=DRIP, step="delay_power_tips", status="sleeping")
    assert sleeping.count('<tr class="run"') == 1 and "ada@example.com" in sleeping
    assert 'value="delay_power_tips"' in sleeping  # the filter shows what it filters by
    assert "No runs match" in _get(drip, "/runs", step="no_such_step")


def test_graph_nodes_link_to_the_runs_at_their_step(drip: LiveDashboard) -> None:
    page = _get(drip, f"/campaigns/{DRIP}")
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    link = f'<a href="/runs?campaign={DRIP}&amp;step=delay_power_tips"><g class="node'
    assert link in svg
    listed = _get(drip, "/runs", campaign=DRIP, step="delay_power_tips")
    assert listed.count('<tr class="run"') == 1
