"""The dashboard over HTTP: access, CSRF, escaping, search and pages."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.integration.dashboard._dashboard_live import TOKEN, LiveDashboard, live_dashboard

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None, html
    return found.group(1)


def _log_in(client: httpx.Client) -> None:
    form = client.get("/login")
    answer = client.post("/login", data={"csrf": _csrf(form.text), "token": TOKEN, "next": "/runs"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/runs"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_no_credentials_means_the_login_form(board: LiveDashboard) -> None:
    answer = httpx.get(f"{board.url}/runs?status=failed")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fruns%3Fstatus%3Dfailed"
    assert "Dashboard token" in httpx.get(f"{board.url}/login").text
    assert httpx.post(f"{board.url}/events/test", data={"name": "x"}).status_code == 403


def test_a_wrong_token_does_not_log_in(board: LiveDashboard) -> None:
    with httpx.Client(base_url=board.url) as client:
        form = client.get("/login")
        answer = client.post("/login", data={"csrf": _csrf(form.text), "token": "nope"})
        assert answer.status_code == 401
        assert client.get("/runs").status_code == 303


def test_bearer_token_works_for_scripts(board: LiveDashboard) -> None:
    assert httpx.get(f"{board.url}/runs", headers=BEARER).status_code == 200
    wrong = httpx.get(f"{board.url}/runs", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    # A bearer needs no CSRF token: a browser never sends one by itself.
    sent = httpx.post(
        f"{board.url}/events/test", headers=BEARER, data={"name": "app/ping", "data": '{"a": 1}'}
    )
    assert sent.status_code == 200


def test_a_form_without_the_right_csrf_token_is_refused(board: LiveDashboard) -> None:
    with httpx.Client(base_url=board.url) as client:
        _log_in(client)
        page = client.get("/events")
        for bad in ({}, {"csrf": "0" * 64}):
            answer = client.post("/events/test", data={"name": "app/ping", **bad})
            assert answer.status_code == 403
            assert "CSRF" in answer.text
        good = client.post("/events/test", data={"name": "app/ping", "csrf": _csrf(page.text)})
        assert good.status_code == 200
        assert client.get("/events/test").status_code == 405  # POST only


def test_without_a_token_only_loopback_is_served(tmp_path: Path) -> None:
    with live_dashboard(tmp_path, token=None, dashboard_host="0.0.0.0") as board:
        answer = httpx.get(f"{board.url}/")
        assert answer.status_code == 403
        assert "FLOW_DASHBOARD_TOKEN" in answer.text
        assert httpx.get(f"{board.url}/runs", headers=BEARER).status_code == 403


def test_without_a_token_loopback_is_open_but_forms_need_csrf(tmp_path: Path) -> None:
    with live_dashboard(tmp_path, token=None) as board, httpx.Client(base_url=board.url) as client:
        page = client.get("/events")
        assert page.status_code == 200
        assert client.post("/events/test", data={"name": "app/ping"}).status_code == 403
        good = client.post("/events/test", data={"name": "app/ping", "csrf": _csrf(page.text)})
        assert good.status_code == 200


def test_event_data_is_escaped(board: LiveDashboard) -> None:
    attack = '<script>alert("x")</script>'
    board.signup("u-xss", f"{attack}@example.com", first_name=attack)
    for path in ("/events", "/runs"):
        html = httpx.get(f"{board.url}{path}", headers=BEARER).text
        assert "<script>" not in html
    events = httpx.get(f"{board.url}/events", headers=BEARER).text
    assert "&lt;script&gt;" in events
    runs = board.engine.store.list_runs(limit=10)
    for run in runs:
        html = httpx.get(f"{board.url}/runs/{run.id}", headers=BEARER).text
        assert "<script>" not in html and "&lt;script&gt;" in html


def test_runs_search_filters_and_pages(board: LiveDashboard) -> None:
    for n in range(3):
        board.signup(f"u{n}", f"user{n}@example.com")
    runs = httpx.get(f"{board.url}/runs", headers=BEARER).text
    assert runs.count('href="/runs/run_') == 6  # two campaigns, three signups
    found = httpx.get(f"{board.url}/runs", params={"q": "USER1@example.com"}, headers=BEARER)
    assert found.text.count('href="/runs/run_') == 2
    failed = httpx.get(f"{board.url}/runs", params={"status": "failed"}, headers=BEARER).text
    assert failed.count('href="/runs/run_') == 3 and "crm-sync" in failed
    none = httpx.get(f"{board.url}/runs", params={"q": "nobody@example.com"}, headers=BEARER)
    assert "No runs match" in none.text


def test_run_page_shows_the_wait_and_the_failure(board: LiveDashboard) -> None:
    started = board.signup("u1", "ada@example.com")
    pages = {
        board.engine.store.get_run(run_id).run.workflow_id: httpx.get(
            f"{board.url}/runs/{run_id}", headers=BEARER
        ).text
        for run_id in started
    }
    drip = pages["signup-drip-campaign"]
    assert "resend/email.clicked" in drip
    assert "async.data.email_id == &#34;" in drip  # the run's value substituted
    assert "times out at" in drip
    crm = pages["crm-sync"]
    assert "Retry from the failed step" in crm and "400" in crm


def test_retry_and_cancel_from_the_dashboard(board: LiveDashboard) -> None:
    started = board.signup("u1", "ada@example.com")
    by_campaign = {board.engine.store.get_run(r).run.workflow_id: r for r in started}
    board.provider.fixed = True
    with httpx.Client(base_url=board.url) as client:
        _log_in(client)
        crm = by_campaign["crm-sync"]
        page = client.get(f"/runs/{crm}")
        answer = client.post(f"/runs/{crm}/retry", data={"csrf": _csrf(page.text)})
        assert answer.status_code == 303
        assert board.engine.store.get_run(crm).run.status == "completed"
        again = client.post(f"/runs/{crm}/retry", data={"csrf": _csrf(page.text)})
        assert again.status_code == 409
        drip = by_campaign["signup-drip-campaign"]
        client.post(f"/runs/{drip}/cancel", data={"csrf": _csrf(page.text)})
        assert board.engine.store.get_run(drip).run.status == "cancelled"
        assert client.get("/runs/run_missing").status_code == 404


def test_campaigns_page_draws_graphs_and_funnels(board: LiveDashboard) -> None:
    board.signup("u1", "ada@example.com")
    html = httpx.get(f"{board.url}/", headers=BEARER).text
    assert html.count("<svg") == 2
    assert "Funnel · 1 run started" in html
    assert httpx.get(f"{board.url}/suppressions", headers=BEARER).status_code == 200
    assert httpx.get(f"{board.url}/dashboard.css").headers["content-type"].startswith("text/css")


def test_a_test_event_shows_what_it_started_and_why_not(board: LiveDashboard) -> None:
    def sent(data: str) -> str:
        answer = httpx.post(
            f"{board.url}/events/test",
            headers=BEARER,
            data={"name": "app/signup.completed", "data": data},
        )
        assert answer.status_code == 200, answer.text[:300]
        return " ".join(answer.text.replace("&#34;", '"').replace("&#39;", "'").split())

    user = '{"user": {"id": "u-9", "email": "ada@example.com", "first_name": "Ada"}}'
    page = sent(user)
    assert "Started 2 run(s), woke 0 waiting run(s)." in page  # crm-sync starts too
    found = re.search(
        r'<code>signup-drip-campaign</code>: started <a href="/runs/(run_\w+)">', page
    )
    assert found is not None, page
    assert board.engine.store.get_run(found.group(1)).run.idempotency_key == '"u-9"'

    again = sent(user)
    assert (
        '<code>signup-drip-campaign</code>: not started: a run with the key "u-9" exists'
        " already, and a key starts one run"
    ) in again
    keyless = sent("{}")
    assert "not started: its entry key failed at " in keyless
    assert "signup-drip.yaml:9:14: no such member in mapping: 'user'" in keyless
