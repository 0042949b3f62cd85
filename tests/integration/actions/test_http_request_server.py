"""http.request against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.http_request import HttpRequestAction
from interpreter.errors import ActionError

MakeContext = Callable[..., ActionContext]


class Server(ThreadingHTTPServer):
    """Records what it was sent; ``release`` frees handlers held on /slow."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[dict[str, Any]] = []
        self.release = threading.Event()


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        self._handle(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def _handle(self, body: bytes) -> None:
        self.server.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        if self.path == "/json":
            self._answer(200, json.dumps({"user": {"plan": "pro"}}).encode(), "application/json")
        elif self.path == "/missing":
            self._answer(404, b"no such user", "text/plain")
        elif self.path == "/broken":
            self._answer(502, b"upstream down", "text/plain")
        elif self.path == "/slow":
            # Held until the test ends: the client must give up on its own.
            self.server.release.wait(10)
            self._answer(200, b"late", "text/plain")
        else:
            self._answer(200, b"ok", "text/plain")


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def action() -> Iterator[HttpRequestAction]:
    action = HttpRequestAction()
    yield action
    action.close()


def base(server: Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def test_json_response_is_parsed(
    server: Server, action: HttpRequestAction, make_context: MakeContext
) -> None:
    output = action({"url": f"{base(server)}/json"}, make_context())
    assert output["status"] == 200
    assert output["body"] == {"user": {"plan": "pro"}}
    assert output["headers"]["content-type"] == "application/json"


def test_the_idempotency_key_and_json_body_reach_the_server(
    server: Server, action: HttpRequestAction, make_context: MakeContext
) -> None:
    action(
        {"method": "POST", "url": f"{base(server)}/hook", "json": {"n": 1}},
        make_context(idempotency_key="run_9:notify:2"),
    )
    [request] = server.seen
    assert request["headers"]["Idempotency-Key"] == "run_9:notify:2"
    assert json.loads(request["body"]) == {"n": 1}


def test_4xx_is_not_retryable(
    server: Server, action: HttpRequestAction, make_context: MakeContext
) -> None:
    with pytest.raises(ActionError) as caught:
        action({"url": f"{base(server)}/missing"}, make_context())
    assert caught.value.retryable is False
    assert "404" in str(caught.value)
    assert "no such user" in str(caught.value)


def test_5xx_is_retryable(
    server: Server, action: HttpRequestAction, make_context: MakeContext
) -> None:
    with pytest.raises(ActionError) as caught:
        action({"url": f"{base(server)}/broken"}, make_context())
    assert caught.value.retryable is True
    assert "502" in str(caught.value)


def test_connection_refused_is_retryable(
    action: HttpRequestAction, make_context: MakeContext
) -> None:
    # A port that was just free: nothing listens on it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ActionError) as caught:
        action({"url": f"http://127.0.0.1:{port}/"}, make_context())
    assert caught.value.retryable is True
    assert "ConnectError" in str(caught.value)


def test_a_timeout_is_retryable(
    server: Server, action: HttpRequestAction, make_context: MakeContext
) -> None:
    with pytest.raises(ActionError) as caught:
        action({"url": f"{base(server)}/slow", "timeout": 0.2}, make_context())
    assert caught.value.retryable is True
    assert "timed out" in str(caught.value)
