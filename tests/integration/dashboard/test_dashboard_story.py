"""The dashboard tells a run's story in the right words and colours: cancelled
(grey, with its reason) is not failed, a send that went without its email is
"skipped" (amber) not "ok", a ``cancel_on`` still pending "will" cancel, and a
replay and the run it replays link to each other, retrying a replayed run only
once confirmed."""

from __future__ import annotations

import re

import httpx

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.recovery import replay_runs
from interpreter.daemon.suppressions import suppressed_among
from interpreter.store.records import Suppression
from tests.integration.dashboard._dashboard_live import TOKEN, LiveDashboard

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _page(board: LiveDashboard, path: str) -> str:
    answer = httpx.get(f"{board.url}{path}", headers=BEARER)
    assert answer.status_code == 200, answer.text
    return answer.text


def _drive(board: LiveDashboard) -> None:
    while board.engine.drive_once():
        pass


def _by_campaign(board: LiveDashboard, started: list[str]) -> dict[str, str]:
    return {board.engine.store.get_run(r).run.workflow_id: r for r in started}


def test_a_cancelled_run_is_grey_with_its_reason_not_a_red_failure(board: LiveDashboard) -> None:
    drip = _by_campaign(board, board.signup("u1", "ada@example.com"))["signup-drip-campaign"]
    before = _page(board, f"/runs/{drip}")
    assert "Will be cancelled by" in before and "<code>app/user.deleted</code>" in before
    board.engine.ingest("app/user.deleted", {"user_id": "u1"})
    _drive(board)
    html = _page(board, f"/runs/{drip}")
    assert '<span class="status cancelled">cancelled</span>' in html
    assert '<section class="card cancellation">' in html
    assert '<section class="card failure">' not in html and ">Failed" not in html
    reason = re.search(r'<p class="reason">([^<]*)</p>', html)
    assert reason is not None
    assert re.fullmatch(
        r"cancelled by event app/user\.deleted \(evt_\w+\) at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ",
        reason.group(1),
    ), reason.group(1)
    css = httpx.get(f"{board.url}/dashboard.css").text
    grey = re.search(r"\.status\.cancelled \{([^}]*)\}", css)
    red = re.search(r"\.status\.failed, \.status\.error \{([^}]*)\}", css)
    assert grey is not None and red is not None and grey.group(1) != red.group(1)


def test_a_suppressed_send_is_an_amber_skipped_not_a_green_ok(board: LiveDashboard) -> None:
    store = board.engine.store
    board.engine.actions = build_actions(
        email_transport=CapturingTransport(),
        environ={},
        suppressed=lambda addresses, category: suppressed_among(store, addresses, category),
    )
    with board.engine.store.transaction() as tx:
        tx.add_suppression(
            Suppression("ada@example.com", "operator", None, board.engine.clock.now())
        )
    drip = _by_campaign(board, board.signup("u1", "ada@example.com"))["signup-drip-campaign"]
    html = _page(board, f"/runs/{drip}")
    row = html.split("<code>welcome_email</code>", 1)[1].split("</tr>", 1)[0]
    assert (
        '<span class="status skipped">skipped</span> <span class="muted why">suppressed</span>'
        in row
    )
    assert "status ok" not in row
    css = httpx.get(f"{board.url}/dashboard.css").text
    assert re.search(r"\.status\.skipped \{ background: #fde68a;", css)  # amber


def test_a_converted_run_has_a_colour_of_its_own() -> None:
    from interpreter.http.dashboard.rendering import TEMPLATES

    css = (TEMPLATES / "dashboard.css").read_text()
    converted = re.search(r"\.status\.converted \{([^}]*)\}", css)
    completed = re.search(r"\.status\.completed[^{]*\{([^}]*)\}", css)
    assert converted is not None and completed is not None
    assert ".status.converted" not in css.split(".status.completed", 1)[1].split("{", 1)[0]
    assert converted.group(1) != completed.group(1)


def test_a_replay_and_its_original_link_and_a_retry_after_a_replay_asks_first(
    board: LiveDashboard,
) -> None:
    crm = _by_campaign(board, board.signup("u1", "ada@example.com"))["crm-sync"]
    original = board.engine.store.get_run(crm).run
    assert original.status == "failed"
    [replayed] = replay_runs(board.engine, [original])
    assert replayed.run_id is not None
    copy = replayed.run_id
    page = _page(board, f"/runs/{crm}")
    assert f'<dd class="replayed-as"><a href="/runs/{copy}"><code>{copy}</code></a></dd>' in page
    assert f'<dd class="replay-of"><a href="/runs/{crm}">' in _page(board, f"/runs/{copy}")
    # The retry button is now a link to a confirmation page, not a POST.
    assert f'<a class="button" href="/runs/{crm}/retry">' in page
    assert f'action="/runs/{crm}/retry"' not in page
    board.provider.fixed = True
    with httpx.Client(base_url=board.url) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
        assert csrf is not None
        client.post("/login", data={"csrf": csrf.group(1), "token": TOKEN, "next": "/"})
        confirm = client.get(f"/runs/{crm}/retry")
        assert confirm.status_code == 200
        assert f'already replayed as\n  <a href="/runs/{copy}">' in confirm.text
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', confirm.text)
        assert token is not None and 'name="confirmed" value="yes"' in confirm.text
        # A POST that skipped the page is sent to it, and retries nothing.
        skipped = client.post(f"/runs/{crm}/retry", data={"csrf": token.group(1)})
        assert skipped.status_code == 303 and skipped.headers["location"] == f"/runs/{crm}/retry"
        assert board.engine.store.get_run(crm).run.status == "failed"
        done = client.post(f"/runs/{crm}/retry", data={"csrf": token.group(1), "confirmed": "yes"})
        assert done.status_code == 303 and done.headers["location"] == f"/runs/{crm}"
        assert board.engine.store.get_run(crm).run.status == "completed"
        # Without a CSRF token the confirmed POST is refused like any other.
        assert client.post(f"/runs/{crm}/retry", data={"confirmed": "yes"}).status_code == 403
