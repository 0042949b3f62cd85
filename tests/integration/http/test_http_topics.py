"""Topics over HTTP on a real server: a one-click unsubscribe leaves that
email's category only, and the preferences page changes the others."""

from __future__ import annotations

import re

import httpx

from interpreter.actions.email.tracking import TokenSigner, TrackingToken
from interpreter.daemon.campaigns import Campaigns
from interpreter.http.tracking import tracking_routes
from interpreter.language.policies import policies_from_text
from tests.integration.http._live_server import Live, Serve

KEY = "topic secret"
BOX = re.compile(r'<input type="checkbox" name="category" value="(\w+)"( checked)?>')
ADA = "ada@example.com"
POLICIES, _ = policies_from_text(
    "default_category: marketing\n"
    "categories:\n"
    "  marketing: {description: 'News & <offers>'}\n"
    "  tips: {}\n"
    "  receipts: {transactional: true}\n",
    "policies.yaml",
)


def _live(serve: Serve) -> Live:
    live = serve(extra_routes=lambda engine: tracking_routes(engine, KEY, sender="Acme & Co"))
    engine = live.engine
    engine.load(Campaigns(engine.store, engine.campaigns.current(), POLICIES), engine.secrets)
    return live


def _topic_events(live: Live) -> list[object]:
    return [
        (e.name, e.data)
        for e in reversed(live.store.list_events(None, None, 50))
        if e.name.startswith("flow/email.")
    ]


def test_one_click_leaves_only_that_emails_category(serve: Serve) -> None:
    live = _live(serve)
    signer = TokenSigner(KEY)
    token = signer.seal(TrackingToken("unsubscribe", "em_1", ADA, category="tips"))
    with httpx.Client(base_url=live.url) as client:
        asked = client.get(f"/unsubscribe/{token}")
        assert "Stop sending tips emails from Acme &amp; Co to" in asked.text
        done = client.post(f"/unsubscribe/{token}")
        assert done.status_code == 200
        # Says what happened, and whose emails: the sender's name, escaped.
        assert "You are unsubscribed from tips emails from Acme &amp; Co." in done.text
        assert '<p class="sender">Acme &amp; Co</p>' in done.text
        assert (
            "<script" not in done.text
            and "default-src 'none'" in done.headers["content-security-policy"]
        )
        assert client.post(f"/unsubscribe/{token}").status_code == 200  # a repeat changes nothing
    store = live.store
    assert store.suppressed_among([ADA], "tips") == {ADA: "tips"}
    assert store.suppressed_among([ADA], "marketing") == {}
    assert store.suppressed_among([ADA]) == {}  # receipts still go
    # Recorded once: the repeat, at the same moment, has the same event id.
    assert _topic_events(live) == [
        ("flow/email.unsubscribed", {"address": ADA, "category": "tips"}),
    ]


def test_the_preferences_page_lists_the_topics_and_saves_them(serve: Serve) -> None:
    live = _live(serve)
    signer = TokenSigner(KEY)
    token = signer.seal(TrackingToken("preferences", "em_1", ADA))
    with httpx.Client(base_url=live.url) as client:
        page = client.get(f"/u/{token}")
        assert page.status_code == 200
        # Receipts are transactional: not a topic, so no box.
        assert BOX.findall(page.text) == [("marketing", " checked"), ("tips", " checked")]
        assert "News &amp; &lt;offers&gt;" in page.text  # escaped
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        # No CSRF field, or a page elsewhere: nothing is saved.
        assert client.post(f"/u/{token}", data={"category": ["tips"]}).status_code == 403
        foreign = client.post(
            f"/u/{token}",
            data={"csrf": csrf.group(1), "category": ["tips"]},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403
        assert live.store.suppressed_among([ADA], "marketing") == {}
        # Untick marketing, keep tips.
        saved = client.post(f"/u/{token}", data={"csrf": csrf.group(1), "category": ["tips"]})
        assert saved.status_code == 200
        assert "Your preferences were saved: you left marketing." in saved.text
        assert "receives from Acme &amp; Co." in saved.text
        assert live.store.suppressed_among([ADA], "marketing") == {ADA: "marketing"}
        assert live.store.suppressed_among([ADA], "tips") == {}
        boxes = BOX.findall(saved.text)
        assert boxes == [("marketing", ""), ("tips", " checked")]
        # "Unsubscribe from all of these" leaves every topic, not the whole list.
        everything = client.post(f"/u/{token}", data={"csrf": csrf.group(1), "all": "1"})
        assert everything.status_code == 200
        assert "You are unsubscribed from marketing, tips emails from Acme &amp; Co." in (
            everything.text
        )
        assert live.store.suppressed_among([ADA], "tips") == {ADA: "tips"}
        assert live.store.suppressed_among([ADA]) == {}
        # Tick marketing again: rejoined.
        again = client.post(f"/u/{token}", data={"csrf": csrf.group(1), "category": ["marketing"]})
        assert "Your preferences were saved: you rejoined marketing." in again.text
        same = client.post(f"/u/{token}", data={"csrf": csrf.group(1), "category": ["marketing"]})
        assert "Your preferences were saved: nothing changed." in same.text
        assert live.store.suppressed_among([ADA], "marketing") == {}
        forged = TokenSigner("another key").seal(TrackingToken("preferences", "em_1", ADA))
        assert client.get(f"/u/{forged}").status_code == 404
        wrong_kind = signer.seal(TrackingToken("open", "em_1", ADA))
        assert client.get(f"/u/{wrong_kind}").status_code == 404
    assert _topic_events(live) == [
        ("flow/email.unsubscribed", {"address": ADA, "category": "marketing"}),
        ("flow/email.unsubscribed", {"address": ADA, "category": "tips"}),
        ("flow/email.resubscribed", {"address": ADA, "category": "marketing"}),
    ]
