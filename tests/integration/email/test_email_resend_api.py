"""The Resend transport against a local HTTP server that checks each request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.email import EmailSendAction
from interpreter.daemon.email_setup import email_transport
from interpreter.errors import ActionError
from tests.integration.email._email_servers import SECRET_KEY, free_port

API_KEY = "re_test_0123456789abcdef"


class FakeResend(ThreadingHTTPServer):
    """Answers POST /emails with ``status`` and ``body``; keeps every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.body: dict[str, Any] = {"id": "4ef9a417-02e9-4d39-ad75-9611e0fcc33c"}


class _Handler(BaseHTTPRequestHandler):
    server: FakeResend

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "json": json.loads(self.rfile.read(length)),
            }
        )
        payload = json.dumps(self.server.body).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def resend() -> Iterator[FakeResend]:
    server = FakeResend()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _action(base_url: str) -> EmailSendAction:
    environ = {
        "FLOW_EMAIL_PROVIDER": "resend",
        "RESEND_API_KEY": API_KEY,
        "RESEND_API_URL": base_url,
        "FLOW_PUBLIC_URL": "https://flow.example",
        "FLOW_SECRET_KEY": SECRET_KEY,
    }
    return EmailSendAction(transport=email_transport(environ), environ=environ)


def _send(action: EmailSendAction, tmp_path: Path) -> Any:
    context = ActionContext(
        run_id="run_1",
        workflow_id="wf",
        step_id="welcome",
        attempt=1,
        idempotency_key="run_1:welcome:1",
        data_dir=tmp_path,
    )
    return action(
        {
            "to": "ada@example.com",
            "from": "ACME <hello@acme.example>",
            "subject": "Welcome, Ada",
            "html": "<p>Hello <b>Ada</b> <a href='https://acme.example/'>go</a></p>",
        },
        context,
    )


def test_the_request_carries_auth_idempotency_key_and_the_email(
    resend: FakeResend, tmp_path: Path
) -> None:
    output = _send(_action(f"http://127.0.0.1:{resend.server_port}"), tmp_path)
    (request,) = resend.requests
    assert (request["method"], request["path"]) == ("POST", "/emails")
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert request["headers"]["Idempotency-Key"] == "run_1:welcome:1"
    body = request["json"]
    assert body["from"] == "ACME <hello@acme.example>"
    assert body["to"] == ["ada@example.com"]
    assert body["subject"] == "Welcome, Ada"
    assert "<b>Ada</b>" in body["html"] and "https://flow.example/t/c/" in body["html"]
    assert body["text"].startswith("Hello Ada go (https://acme.example/)")
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body["headers"]["List-Unsubscribe"].startswith("<https://flow.example/unsubscribe/")
    assert body["headers"]["X-Flow-Email-Id"] == output["id"]
    assert output["provider_id"] == "4ef9a417-02e9-4d39-ad75-9611e0fcc33c"


@pytest.mark.parametrize(
    ("status", "retryable"), [(422, False), (403, False), (429, True), (500, True), (503, True)]
)
def test_answers_say_whether_a_retry_could_help(
    resend: FakeResend, tmp_path: Path, status: int, retryable: bool
) -> None:
    resend.status = status
    resend.body = {"statusCode": status, "message": "nope", "name": "error"}
    with pytest.raises(ActionError) as caught:
        _send(_action(f"http://127.0.0.1:{resend.server_port}"), tmp_path)
    assert caught.value.retryable is retryable
    assert str(status) in str(caught.value) and "nope" in str(caught.value)
    assert API_KEY not in str(caught.value)


def test_an_unreachable_api_is_retryable_and_hides_the_key(tmp_path: Path) -> None:
    with pytest.raises(ActionError) as caught:
        _send(_action(f"http://127.0.0.1:{free_port()}"), tmp_path)
    assert caught.value.retryable
    assert API_KEY not in str(caught.value)
