"""Opaque tracking tokens through a real server: the links flow makes carry no
address, and the links in emails sent before (the first, readable format)
still work."""

from __future__ import annotations

import base64

import httpx

from interpreter.actions.email.tracking import TokenSigner, TrackingToken
from interpreter.daemon.suppressions import list_suppressions
from interpreter.http.tracking import tracking_routes
from tests._legacy_tokens import legacy_seal
from tests.integration.http._live_server import Serve

KEY = "token secret"
ADA = "ada@example.com"


def test_new_links_are_opaque_and_old_links_keep_working(serve: Serve) -> None:
    live = serve(extra_routes=lambda engine: tracking_routes(engine, KEY))
    signer = TokenSigner(KEY)
    click = TrackingToken("click", "em_1", ADA, "https://acme.test/a")
    new_url = signer.url(live.url, click)
    token = new_url.rpartition("/")[2]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert ADA not in new_url and ADA.encode() not in raw and b"acme" not in raw
    with httpx.Client(base_url=live.url) as client:
        answer = client.get(f"/t/c/{token}")
        assert answer.status_code == 302 and answer.headers["location"] == "https://acme.test/a"
        old = legacy_seal(KEY, TrackingToken("click", "em_0", ADA, "https://acme.test/old"))
        answer = client.get(f"/t/c/{old}")
        assert answer.status_code == 302 and answer.headers["location"] == "https://acme.test/old"
        unsubscribe = legacy_seal(KEY, TrackingToken("unsubscribe", "em_0", ADA))
        assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
        forged = legacy_seal("another key", TrackingToken("unsubscribe", "em_0", "bo@x.test"))
        assert client.post(f"/unsubscribe/{forged}").status_code == 404
    assert [s.address for s in list_suppressions(live.store)] == [ADA]
    clicked = [e.data for e in live.store.list_events(None, None, 10) if e.name == "email.clicked"]
    assert sorted(d["link"] for d in clicked) == ["https://acme.test/a", "https://acme.test/old"]
