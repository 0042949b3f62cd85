"""POST /webhooks/resend: Standard Webhooks (Svix) signatures, through a real server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from interpreter.errors import NotFound
from interpreter.http import HttpSettings
from interpreter.http.rejection import Rejected
from interpreter.http.signatures import sign, verify
from tests.integration.http._live_server import START, Live, Serve

SECRET = "whsec_" + base64.b64encode(b"a test signing secret, 32 bytes!").decode()
OTHER = "whsec_" + base64.b64encode(b"somebody else's secret, 32 bytes").decode()


def signed(
    payload: dict[str, Any], message_id: str, *, secret: str = SECRET, at: datetime = START
) -> tuple[bytes, dict[str, str]]:
    """A delivery as Svix makes it, signed here by hand."""
    body = json.dumps(payload).encode()
    timestamp = str(int(at.timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(digest).decode()
    headers = {
        "svix-id": message_id,
        "svix-timestamp": timestamp,
        "svix-signature": signature,
        "content-type": "application/json",
    }
    return body, headers


def clicked(email_id: str) -> dict[str, Any]:
    return {
        "type": "email.clicked",
        "created_at": "2026-01-05T09:30:00.000Z",
        "data": {"email_id": email_id, "click": {"link": "https://acme.test/x"}},
    }


def post(live: Live, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{live.url}/webhooks/resend", content=body, headers=headers)


def test_the_published_standard_webhooks_vector() -> None:
    key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    assert sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body) == (
        "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    headers = {
        "svix-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "svix-timestamp": "1614265330",
        "svix-signature": "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    now = datetime.fromtimestamp(1614265330 + 299, UTC)
    assert verify(key, headers, body, now, 300) == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    with pytest.raises(Rejected, match="too old"):
        verify(key, headers, body, datetime.fromtimestamp(1614265330 + 301, UTC), 300)
    with pytest.raises(Rejected, match="future"):
        verify(key, headers, body, datetime.fromtimestamp(1614265330 - 301, UTC), 300)
    with pytest.raises(Rejected, match="no valid signature"):
        verify(key, headers, body + b" ", now, 300)


def test_a_click_resolves_the_seed_campaigns_wait(serve: Serve, db_url: str) -> None:
    live = serve(HttpSettings(resend_webhook_secret=SECRET), db_url=db_url)
    user = {"id": 7, "email": "ada@example.com", "first_name": "Ada"}
    response = httpx.post(
        f"{live.url}/e/k", json={"name": "app/signup.completed", "data": {"user": user}}
    )
    assert response.status_code == 200
    live.engine.drive_once()
    [run] = live.store.list_runs()
    assert run.status == "waiting"
    email_id = live.store.get_run(run.id).steps[0].output["id"]

    body, headers = signed(clicked(email_id), "msg_click_1")
    response = post(live, body, headers)
    assert response.status_code == 200 and response.json()["ids"] == ["msg_click_1"]
    event = live.store.get_event("msg_click_1")
    assert event.name == "resend/email.clicked" and event.data == clicked(email_id)["data"]
    assert event.ts == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)

    live.engine.drive_once()
    steps = {step.step_id: step for step in live.store.get_run(run.id).steps}
    assert steps["wait_for_engagement"].output["data"]["email_id"] == email_id
    assert "route" in steps


def test_a_redelivery_is_stored_once(serve: Serve) -> None:
    live = serve(HttpSettings(resend_webhook_secret=SECRET))
    body, headers = signed(clicked("em_1"), "msg_twice")
    assert post(live, body, headers).status_code == 200
    again = post(live, body, headers)
    assert again.status_code == 200 and again.json()["ids"] == ["msg_twice"]
    assert live.store.events_since("resend/email.clicked", START) == [
        live.store.get_event("msg_twice")
    ]


def test_forged_and_stale_deliveries_get_401_and_store_nothing(serve: Serve) -> None:
    live = serve(HttpSettings(resend_webhook_secret=SECRET))
    body, forged = signed(clicked("em_1"), "msg_forged", secret=OTHER)
    assert post(live, body, forged).status_code == 401
    body, headers = signed(clicked("em_1"), "msg_tampered")
    assert post(live, body.replace(b"em_1", b"em_2"), headers).status_code == 401
    stale_at = datetime.fromtimestamp(START.timestamp() - 301, UTC)
    body, stale = signed(clicked("em_1"), "msg_stale", at=stale_at)
    response = post(live, body, stale)
    assert response.status_code == 401 and "too old" in response.json()["error"]
    future_at = datetime.fromtimestamp(START.timestamp() + 301, UTC)
    assert post(live, *signed(clicked("em_1"), "msg_future", at=future_at)).status_code == 401
    body, headers = signed(clicked("em_1"), "msg_unsigned")
    del headers["svix-signature"]
    assert post(live, body, headers).status_code == 401
    for message_id in ("msg_forged", "msg_tampered", "msg_stale", "msg_future", "msg_unsigned"):
        with pytest.raises(NotFound):
            live.store.get_event(message_id)


def test_a_signed_but_malformed_payload_gets_400(serve: Serve) -> None:
    live = serve(HttpSettings(resend_webhook_secret=SECRET))
    body, headers = signed({"created_at": "x", "data": {}}, "msg_no_type")
    response = post(live, body, headers)
    assert response.status_code == 400 and response.json()["field"] == "type"


def test_without_a_secret_webhooks_are_refused_with_503(serve: Serve) -> None:
    live = serve()
    body, headers = signed(clicked("em_1"), "msg_1")
    response = post(live, body, headers)
    assert response.status_code == 503 and "FLOW_RESEND_WEBHOOK_SECRET" in response.json()["error"]


def test_a_permanent_bounce_or_a_complaint_suppresses_the_address(serve: Serve) -> None:
    from interpreter.daemon.suppressions import list_suppressions

    live = serve(HttpSettings(resend_webhook_secret=SECRET))
    soft: dict[str, Any] = {
        "type": "email.bounced",
        "created_at": "2026-01-05T09:30:00.000Z",
        "data": {"email_id": "re_1", "to": ["soft@example.com"], "bounce": {"type": "Transient"}},
    }
    hard = {
        **soft,
        "data": {**soft["data"], "to": ["hard@example.com"], "bounce": {"type": "Permanent"}},
    }
    complaint = {
        "type": "email.complained",
        "created_at": "2026-01-05T09:31:00.000Z",
        "data": {"email_id": "re_2", "to": ["angry@example.com"]},
    }
    for index, payload in enumerate((soft, hard, complaint)):
        body, headers = signed(payload, f"msg_bounce_{index}")
        assert post(live, body, headers).status_code == 200
    suppressed = {entry.address: entry.reason for entry in list_suppressions(live.store)}
    assert suppressed == {"hard@example.com": "bounced", "angry@example.com": "complained"}
