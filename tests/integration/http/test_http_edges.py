"""The unauthenticated edges are bounded, through a real server: bodies by size
as they stream in and by time, tracking hits by repetition, /metrics by token."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import httpx
import pytest

from interpreter.actions.email.tracking import TokenSigner, TrackingToken
from interpreter.http import HttpSettings
from interpreter.http.tracking import tracking_routes
from tests.integration.http._live_server import Serve

MiB = 1024 * 1024


def answer_of(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_a_slow_body_is_answered_408_and_the_connection_closed(serve: Serve) -> None:
    live = serve(HttpSettings(body_timeout_seconds=0.5))
    started = time.monotonic()
    socks = []
    for n in range(20):
        sock = socket.create_connection(("127.0.0.1", int(live.url.rpartition(":")[2])), 10)
        head = b"POST /e/k HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        sock.sendall(head + b"content-length: 1000\r\n\r\n" + b'{"name": "app/slow%d"' % n)
        socks.append(sock)
    answers = []
    for sock in socks:
        with sock:
            answers.append(answer_of(sock))
    took = time.monotonic() - started
    assert all(a.startswith(b"HTTP/1.1 408") and b"within 0.5 seconds" in a for a in answers)
    assert took < 5, took
    assert live.store.list_events(None, None, 10) == []


def test_repeated_opens_and_clicks_are_recorded_once_per_window(serve: Serve) -> None:
    signer = TokenSigner("edge secret")
    live = serve(extra_routes=lambda engine: tracking_routes(engine, "edge secret"))
    pixel = signer.seal(TrackingToken("open", "em_1", "ada@example.com"))
    click = signer.seal(TrackingToken("click", "em_1", "ada@example.com", "https://acme.test/a"))
    other = signer.seal(TrackingToken("click", "em_1", "ada@example.com", "https://acme.test/b"))
    with httpx.Client(base_url=live.url) as client:
        for _ in range(5):
            assert client.get(f"/t/o/{pixel}").status_code == 200
            assert client.get(f"/t/c/{click}").status_code == 302
        assert client.get(f"/t/c/{other}").status_code == 302
        names = [e.name for e in live.store.list_events(None, None, 100)]
        assert sorted(names) == sorted(
            ["email.opened", "resend/email.opened"] + ["email.clicked", "resend/email.clicked"] * 2
        )
        live.clock.advance_to(live.clock.now() + timedelta(seconds=61))
        client.get(f"/t/o/{pixel}")
    assert len(live.store.list_events(None, None, 100)) == 8


@pytest.mark.parametrize(
    ("settings", "headers", "status"),
    [
        (HttpSettings(host="0.0.0.0", event_keys=("k",)), {}, 403),
        (HttpSettings(host="0.0.0.0", event_keys=("k",), metrics_token="m"), {}, 401),
        (
            HttpSettings(host="0.0.0.0", event_keys=("k",), metrics_token="m"),
            {"authorization": "Bearer wrong"},
            401,
        ),
        (
            HttpSettings(host="0.0.0.0", event_keys=("k",), metrics_token="m"),
            {"authorization": "Bearer m"},
            200,
        ),
        (HttpSettings(metrics_token="m"), {}, 401),
        (HttpSettings(), {}, 200),
    ],
)
def test_metrics_off_loopback_need_a_token(
    serve: Serve, settings: HttpSettings, headers: dict[str, str], status: int
) -> None:
    live = serve(settings)
    answer = httpx.get(f"{live.url}/metrics", headers=headers)
    assert answer.status_code == status, answer.text
    assert ("flow_database_up" in answer.text) == (status == 200)


def test_the_metrics_token_falls_back_to_the_dashboard_token() -> None:
    assert HttpSettings.from_environ(environ={"FLOW_DASHBOARD_TOKEN": "d"}).metrics_token == "d"
    both = {"FLOW_DASHBOARD_TOKEN": "d", "FLOW_METRICS_TOKEN": "m"}
    assert HttpSettings.from_environ(environ=both).metrics_token == "m"
    assert HttpSettings.from_environ(environ={}).metrics_token is None
