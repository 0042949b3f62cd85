"""Hostile input through a real server: a 400 naming the field, never a 5xx,
and nothing of the request stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from interpreter.daemon.suppressions import list_suppressions
from interpreter.errors import NotFound
from interpreter.http import HttpSettings
from interpreter.http.signatures import sign
from tests.integration.http._live_server import START, Live, Serve

JSON = {"content-type": "application/json"}
GOOD = b'{"name": "app/ok", "id": "kept-out"}'
SECRET = "whsec_" + base64.b64encode(b"a test signing secret, 32 bytes!").decode()


def _nothing_stored(live: Live) -> None:
    with pytest.raises(NotFound):
        live.store.get_event("kept-out")
    assert live.store.list_runs() == []


@pytest.mark.parametrize(
    ("event", "field", "says"),
    [
        (b'{"name": "x", "data": {"n": 1e400}}', "data", "data.n is a number too large"),
        (b'{"name": "x", "data": {"n": [1, -1e309]}}', "data", "data.n[1] is a number too large"),
        (b'{"name": "x", "ts": "9999-12-31T23:59:59+14:00"}', "ts", "ts must be"),
        (b'{"name": "x", "ts": "9999-12-31T23:59:59-14:00"}', "ts", "ts must be"),
        (b'{"name": "x", "ts": "0001-01-01T00:00:00+14:00"}', "ts", "ts must be"),
        (b'{"name": "x", "ts": 1e300}', "ts", "ts is out of range"),
        (b'{"name": "x\\ud800"}', "name", "name contains a lone surrogate (\\ud800)"),
        (b'{"name": "x", "id": "a\\udfff"}', "id", "id contains a lone surrogate"),
        (b'{"name": "x", "data": {"a": {"b": "\\ud83d"}}}', "data", "data.a.b contains a lone"),
        (b'{"name": "x", "data": {"\\udc00": 1}}', "data", "has a key that contains a lone"),
        (b'{"name": "x", "data": {"s": "\xed\xa0\x80"}}', "data", "data.s contains a lone"),
        (b'{"name": "x", "data": {"s": "a\\u0000b"}}', "data", "data.s contains a NUL"),
    ],
)
def test_hostile_values_get_400_naming_the_field(
    serve: Serve, db_url: str, event: bytes, field: str | None, says: str
) -> None:
    live = serve(db_url=db_url)
    response = httpx.post(
        f"{live.url}/e/k", content=b"[" + GOOD + b"," + event + b"]", headers=JSON
    )
    assert response.status_code == 400, response.text
    error = response.json()
    assert says in error["error"]
    assert error.get("field") == field
    if field is not None:
        assert error["index"] == 1 and error["error"].startswith("event 1: ")
    _nothing_stored(live)


def test_a_valid_surrogate_pair_and_the_largest_double_are_stored(serve: Serve) -> None:
    live = serve()
    body = (
        b'{"name": "x", "id": "ok", "data": {"s": "\\ud83d\\ude00", "n": 1.7976931348623157e308}}'
    )
    assert httpx.post(f"{live.url}/e/k", content=body, headers=JSON).status_code == 200
    assert live.store.get_event("ok").data == {"s": "\U0001f600", "n": 1.7976931348623157e308}


def _signed(body: bytes, message_id: str = "msg_1") -> dict[str, str]:
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    timestamp = str(int(START.timestamp()))
    return {
        "svix-id": message_id,
        "svix-timestamp": timestamp,
        **JSON,
        "svix-signature": "v1," + sign(key, message_id, timestamp, body),
    }


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"type": "email.opened", "data": {"n": 1e400}}', "data.n is a number too large"),
        (b'{"type": "email.opened\\ud800", "data": {}}', "type contains a lone surrogate"),
        (b'{"type": "email.bounced", "data": {"to": ["\\udbff@x.test"]}}', "data.to[0] contains"),
    ],
)
def test_hostile_webhooks_get_400_naming_the_field(
    serve: Serve, db_url: str, body: bytes, says: str
) -> None:
    live = serve(HttpSettings(resend_webhook_secret=SECRET), db_url=db_url)
    response = httpx.post(f"{live.url}/webhooks/resend", content=body, headers=_signed(body))
    assert response.status_code == 400, response.text
    assert says in response.json()["error"]
    with pytest.raises(NotFound):
        live.store.get_event("msg_1")
    assert list_suppressions(live.store) == []


def test_a_webhook_created_at_out_of_range_is_recorded_at_now(serve: Serve) -> None:
    live = serve(HttpSettings(resend_webhook_secret=SECRET))
    body = json.dumps(
        {
            "type": "email.opened",
            "created_at": "9999-12-31T23:59:59-14:00",
            "data": {"email_id": "em_1"},
        }
    ).encode()
    response = httpx.post(f"{live.url}/webhooks/resend", content=body, headers=_signed(body))
    assert response.status_code == 200, response.text
    assert live.store.get_event("msg_1").ts == live.clock.now()


def test_a_complaint_with_an_address_too_long_for_the_column_is_still_recorded(
    serve: Serve, db_url: str
) -> None:
    live = serve(HttpSettings(resend_webhook_secret=SECRET), db_url=db_url)
    long = "a" * 400 + "@example.com"
    body = json.dumps(
        {
            "type": "email.complained",
            "created_at": "2026-01-05T09:30:00Z",
            "data": {"email_id": "em_1", "to": [long, "Ada@Example.com"]},
        }
    ).encode()
    response = httpx.post(f"{live.url}/webhooks/resend", content=body, headers=_signed(body))
    assert response.status_code == 200, response.text  # before: 503 on PostgreSQL
    assert live.store.get_event("msg_1").data["to"] == [long, "Ada@Example.com"]
    assert [s.address for s in list_suppressions(live.store)] == ["ada@example.com"]
