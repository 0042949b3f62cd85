"""In a real browser: log in, open the failed run, press Retry and see it
complete; the campaigns page draws its graphs, says where runs are now, and
a node opens the runs at its step; a cancelled run reads grey with its
reason; a campaign's page shows its conversions, paths, emails and the runs
at each node of its graph.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS
from tests.integration.dashboard._dashboard_live import TOKEN, live_dashboard
from tests.integration.dashboard._goal_campaign import play_trial, trial_campaign


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)


def test_log_in_retry_a_failed_run_and_see_the_graphs(browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    with live_dashboard(tmp_path) as board:
        started = board.signup("u1", "ada@example.com")
        board.signup("u2", "grace@example.com", first_name="Grace")
        crm = next(
            r for r in started if board.engine.store.get_run(r).run.workflow_id == "crm-sync"
        )

        page.goto(f"{board.url}/runs")
        assert "/login" in page.url
        _shot(page, "login")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url(f"{board.url}/runs")
        assert page.locator("table.list tbody tr").count() == 4
        _shot(page, "runs")

        page.goto(f"{board.url}/runs?status=failed&q=ada%40example.com")
        page.click(f"a[href='/runs/{crm}']")
        page.wait_for_url(f"{board.url}/runs/{crm}")
        assert page.locator("h1 .status").inner_text() == "failed"
        assert "400" in page.locator("section.failure").inner_text()
        _shot(page, "failed-run")

        board.provider.fixed = True
        page.click("text=Retry from the failed step")
        page.wait_for_selector("h1 .status.completed")
        assert page.locator("table.timeline tr.attempt").count() >= 4
        _shot(page, "retried-run")

        waiting = next(r for r in started if r != crm)
        page.goto(f"{board.url}/runs/{waiting}")
        assert "times out at" in page.locator("ul.pending").inner_text()
        _shot(page, "waiting-run")

        page.goto(f"{board.url}/")
        assert page.locator("div.graph svg").count() == 2
        assert page.locator("div.graph svg").first.bounding_box()["height"] > 100
        # The funnel says where the two drip runs are now, and the graph's
        # node for that step opens the runs at it.
        waiting_here = page.locator("tr[data-step='wait_for_engagement'] a[data-here='waiting']")
        assert waiting_here.first.inner_text() == "2 waiting here"
        _shot(page, "campaigns")
        page.locator("div.graph svg a:has(g[data-step='wait_for_engagement'])").first.click()
        page.wait_for_url("**/runs?campaign=signup-drip-campaign&step=wait_for_engagement")
        assert page.locator("tr.run").count() == 2
        assert page.locator("tr.run td.step").first.inner_text() == "wait_for_engagement"
        recipients = sorted(page.locator("tr.run td.recipient").all_inner_texts())
        assert recipients == ["ada@example.com", "grace@example.com"]
        _shot(page, "runs-at-step")

        # Cancelled from the dashboard, the run reads grey with its reason, not red.
        page.goto(f"{board.url}/runs/{waiting}")
        page.click("text=Cancel run")
        page.wait_for_selector("h1 .status.cancelled")
        grey = page.locator("h1 .status.cancelled").evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        assert grey == "rgb(229, 231, 235)"
        assert (
            "cancelled from the dashboard at" in page.locator("section.cancellation").inner_text()
        )
        assert page.locator("section.failure").count() == 0
        _shot(page, "cancelled-run")

        page.goto(f"{board.url}/events")
        page.fill("input[name=name]", "app/ping")
        page.fill("textarea[name=data]", '{"note": "<b>hi</b>"}')
        page.click("form.card button[type=submit]")
        page.wait_for_selector("p.notice")  # the answer: what it started, and why not
        page.goto(f"{board.url}/events")
        assert "<b>hi</b>" in page.locator("table.list").inner_text()  # shown as text
        _shot(page, "events")

        page.goto(f"{board.url}/suppressions")
        _shot(page, "suppressions")


def test_the_campaign_page_says_whether_the_campaign_works(
    browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    with live_dashboard(tmp_path, extra=[trial_campaign(tmp_path)]) as board:
        play_trial(board)
        page.goto(f"{board.url}/login")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.goto(f"{board.url}/")
        page.click("a[href='/campaigns/trial?period=7d'] >> nth=0")
        page.wait_for_url(f"{board.url}/campaigns/trial?period=7d")
        assert page.locator("td.started").inner_text() == "4"
        assert page.locator("td.converted").inner_text() == "2"
        assert page.locator("td.conversion-rate").inner_text() == "50.0%"
        paths = page.locator("section.paths tbody tr")
        assert paths.count() == 2
        assert "-100.0 pp" in paths.nth(1).inner_text()
        assert page.locator("tr.email td.opened").inner_text() == "2"
        # Each node of the graph shows how many runs reached it.
        graph = page.locator("div.graph svg")
        assert graph.locator("g[data-step='welcome'] text.reached").text_content() == "4"
        assert graph.locator("g[data-step='__goal__'] text.reached").text_content() == "2"
        assert graph.bounding_box()["height"] > 100
        _shot(page, "campaign")
