"""The dashboard under hostile input, through a real server: junk query
parameters, oversize and slow forms, and a test event checked as the API checks it."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.integration.dashboard._dashboard_live import TOKEN, live_dashboard

BEARER = {"Authorization": f"Bearer {TOKEN}"}

JUNK = [
    "/events?before=99999999999999999999999999",
    "/events?before=%C2%B2",  # '²' passes str.isdigit() but not int()
    "/events?before=-1&q=%00",
    "/events?q=%ED%A0%80",
    "/runs?since=0001-01-01T00:00:00%2B14:00",
    "/runs?until=9999-12-31T23:59:59-14:00",
    "/runs?after=0001-01-01T00:00:00%2B14:00|run_x",
    "/runs?after=2026-01-01T00:00:00|%00&status=%00&campaign=%00&q=a%00b",
    "/?period=%00",
]


@pytest.mark.parametrize("path", JUNK)
def test_junk_query_parameters_are_ignored(tmp_path: Path, db_url: str, path: str) -> None:
    with live_dashboard(tmp_path, db_url=db_url) as board:
        board.signup("u1", "ada@example.com")
        answer = httpx.get(f"{board.url}{path}", headers=BEARER)
        assert answer.status_code == 200, answer.text[:300]


def test_without_a_token_a_rebound_host_gets_nothing(tmp_path: Path) -> None:
    with live_dashboard(tmp_path, token=None) as board:
        for path in ("/", "/events", "/runs"):
            answer = httpx.get(f"{board.url}{path}", headers={"host": "rebind.evil.example"})
            assert answer.status_code == 403 and "localhost" in answer.text
            assert "set-cookie" not in answer.headers and 'name="csrf"' not in answer.text
        with httpx.Client(base_url=board.url) as client:
            page = client.get("/events")  # a real loopback visit: a cookie and a token
            token = _csrf(page.text)
            sent = client.post(
                "/events/test",
                data={"name": "app/ping", "csrf": token},
                headers={"host": "rebind.evil.example"},
            )
            assert sent.status_code == 403
            cross = client.post(
                "/events/test",
                data={"name": "app/ping", "csrf": token},
                headers={"origin": "https://evil.example"},
            )
            assert cross.status_code == 403
            assert (
                client.post(
                    "/events/test",
                    data={"name": "app/ping", "csrf": token},
                    headers={"host": "localhost"},
                ).status_code
                == 200
            )
        assert [e.name for e in board.engine.store.list_events(None, None, 10)] == ["app/ping"]


def test_with_a_token_any_host_name_is_served_but_not_a_cross_site_form(tmp_path: Path) -> None:
    with live_dashboard(tmp_path) as board:
        headers = {**BEARER, "host": "flow.example.com"}
        assert httpx.get(f"{board.url}/events", headers=headers).status_code == 200
        cross = httpx.post(
            f"{board.url}/events/test",
            data={"name": "app/ping"},
            headers={**headers, "origin": "https://evil.example"},
        )
        assert cross.status_code == 403
        login = httpx.post(
            f"{board.url}/login", data={"token": TOKEN}, headers={"origin": "https://evil.example"}
        )
        assert login.status_code == 403


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None, html
    return found.group(1)


@contextmanager
def connection(url: str) -> Iterator[socket.socket]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10) as sock:
        yield sock


def answer_of(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize("path", ["/login", "/events/test"])
def test_forms_are_cut_off_while_streaming(tmp_path: Path, path: str) -> None:
    with live_dashboard(tmp_path) as board, connection(board.url) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"authorization: Bearer {TOKEN}\r\n"
            "content-type: application/x-www-form-urlencoded\r\n"
            "transfer-encoding: chunked\r\n\r\n".encode()
        )
        # 1 MiB and 16 bytes, just past the limit, and no end of body: nothing
        # unread when the server answers, so it closes without a reset.
        for chunk in [b"a" * 65536] * 16 + [b"b" * 16]:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = answer_of(sock)  # before the fix: no answer until the body ends
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"over the limit of 1048576 bytes" in answer


def test_a_declared_oversize_form_is_refused_before_it_is_sent(tmp_path: Path) -> None:
    with live_dashboard(tmp_path) as board, connection(board.url) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 1073741824\r\n"
            b"content-type: application/x-www-form-urlencoded\r\n\r\n"
        )
        assert answer_of(sock).startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("app/ping", "[" * 100_000, "nested too deeply"),
        ("app/ping", "[1, 2]", "data must be an object"),
        ("app/ping", '{"s": "a\\u0000b"}', "data: s contains a NUL"),
        ("app/ping", '{"s": "\\ud800"}', "data: s contains a lone surrogate"),
        ("app/ping", '{"n": 1e400}', "data: n is a number too large"),
        ("app/\x00ping", "{}", "name contains a NUL"),
        ("x" * 201, "{}", "name is longer than 200"),
        ("", "{}", "name is empty"),
        ("app/ping", "{nope", "not valid JSON"),
    ],
)
def test_the_test_event_form_checks_as_the_api_does(
    tmp_path: Path, db_url: str, name: str, data: str, says: str
) -> None:
    with live_dashboard(tmp_path, db_url=db_url) as board:
        answer = httpx.post(
            f"{board.url}/events/test", headers=BEARER, data={"name": name, "data": data}
        )
        assert answer.status_code == 400, answer.text[:300]
        assert says in answer.text.replace("&#34;", '"')
        assert board.engine.store.list_events(None, None, 10) == []
        good = httpx.post(
            f"{board.url}/events/test",
            headers=BEARER,
            data={"name": "app/ping", "data": '{"s": "\\ud83d\\ude00"}'},
        )
        assert good.status_code == 200
        [event] = board.engine.store.list_events(None, None, 10)
        assert (event.name, event.data) == ("app/ping", {"s": "\U0001f600"})


def test_a_store_error_is_the_same_status_on_the_api_and_the_dashboard(
    tmp_path: Path, postgres_url: str
) -> None:
    with live_dashboard(tmp_path, db_url=postgres_url) as board:
        board.signup("u1", "ada@example.com")
        run_id = board.engine.store.list_runs(limit=1)[0].id
        name = make_url(postgres_url).database
        admin = create_engine(
            make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        try:
            with admin.connect() as connection:  # the database goes away under the server
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name"
                    ),
                    {"name": name},
                )
            api = httpx.post(f"{board.url}/e/key", json={"name": "app/ping"})
            assert api.status_code == 503
            assert api.json() == {"error": "the database is unavailable; try again"}
            for path in ("/runs", "/events", f"/runs/{run_id}", "/"):
                page = httpx.get(f"{board.url}{path}", headers=BEARER)
                assert page.status_code == 503, (path, page.status_code)
                assert "the database is unavailable; try again" in page.text
            sent = httpx.post(f"{board.url}/events/test", headers=BEARER, data={"name": "app/ping"})
            assert sent.status_code == 503
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
        missing = httpx.get(f"{board.url}/runs/run_missing", headers=BEARER)
        assert missing.status_code == 404
