"""Tracked links, the open pixel and one-click unsubscribe through real HTTP
requests to uvicorn on loopback, with email going out over real SMTP, driving
the seed campaign."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.suppressions import list_suppressions
from interpreter.http.tracking import PIXEL, tracking_routes
from interpreter.store import Store, open_store
from tests._loopback import serving
from tests.integration.email._email_servers import SECRET_KEY, Mailbox, email_engine, smtp_server

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
ADA = {"user": {"id": 7, "email": "ada@example.com", "first_name": "Ada"}}


@dataclass
class Live:
    engine: Engine
    clock: VirtualClock
    mailbox: Mailbox
    public_url: str

    @property
    def store(self) -> Store:
        return self.engine.store

    def events(self, name: str) -> list[object]:
        return [event.data for event in self.store.events_since(name, START - timedelta(days=1))]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """The seed campaign on SQLite, SMTP to aiosmtpd, tracking served by uvicorn."""
    engines: list[Engine] = []
    app = Starlette(routes=tracking_routes(lambda: engines[0], SECRET_KEY))
    with (
        smtp_server() as (smtp_url, mailbox),
        serving(app) as public_url,
        open_store(f"sqlite:///{tmp_path / 'flow.db'}") as store,
    ):
        environ = {
            "FLOW_SMTP_URL": smtp_url,
            "FLOW_PUBLIC_URL": public_url,
            "FLOW_SECRET_KEY": SECRET_KEY,
            "FLOW_EMAIL_FROM": "ACME <hello@acme.example>",
        }
        clock = VirtualClock(START)
        engines.append(email_engine(store, clock, tmp_path, environ))
        yield Live(engines[0], clock, mailbox, public_url)


def _start(live: Live) -> tuple[str, EmailMessage]:
    (run_id,) = live.engine.ingest("app/signup.completed", ADA).started
    live.engine.run_virtual(live.clock, until=live.clock.now())
    (welcome,) = live.mailbox.messages
    return run_id, welcome


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def _tracked(message: EmailMessage, public_url: str, kind: str) -> list[str]:
    return re.findall(rf'"({re.escape(public_url)}/t/{kind}/[A-Za-z0-9_.-]+)"', _html(message))


def _unsubscribe_url(message: EmailMessage) -> str:
    first = str(message["List-Unsubscribe"]).split(",")[0].strip()
    return first.removeprefix("<").removesuffix(">")


def test_a_click_redirects_and_moves_the_run_to_the_power_user_tips(live: Live) -> None:
    run_id, welcome = _start(live)
    (link,) = _tracked(welcome, live.public_url, "c")
    response = httpx.get(link, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "https://acme.example/start"
    welcome_id = welcome["X-Flow-Email-Id"]
    click = {"email_id": welcome_id, "link": "https://acme.example/start", "to": "ada@example.com"}
    assert live.events("email.clicked") == [click]
    assert live.events("resend/email.clicked") == [click]

    live.engine.run_virtual(live.clock)

    detail = live.store.get_run(run_id)
    assert detail.run.status == "completed"
    done = [step.step_id for step in detail.steps if step.status == "ok"]
    assert done.index("wait_for_engagement") < done.index("send_power_user_tips")
    (wait,) = [s for s in detail.steps if s.step_id == "wait_for_engagement"]
    assert wait.output["data"]["email_id"] == welcome_id
    assert [m["Subject"] for m in live.mailbox.messages] == [
        "Welcome to ACME",
        "Supercharge your ACME experience",
        "Free ACME Pro trial",
    ]


def test_the_open_pixel_answers_a_gif_and_records_an_open(live: Live) -> None:
    _, welcome = _start(live)
    (pixel,) = _tracked(welcome, live.public_url, "o")
    response = httpx.get(pixel)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.content == PIXEL
    assert live.events("email.opened") == [
        {"email_id": welcome["X-Flow-Email-Id"], "to": "ada@example.com"}
    ]


def test_forged_or_altered_tokens_get_404_and_record_nothing(live: Live) -> None:
    run_id, welcome = _start(live)
    (link,) = _tracked(welcome, live.public_url, "c")
    (pixel,) = _tracked(welcome, live.public_url, "o")
    prefix, token = link.rsplit("/", 1)
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    forged = [
        f"{prefix}/{flipped}",  # ciphertext altered
        f"{prefix}/{token[:-2]}",  # tag cut short
        f"{prefix}/{token}.x",  # a second part
        f"{prefix}/{pixel.rsplit('/', 1)[1]}",  # an open token used as a click
        f"{live.public_url}/unsubscribe/{token}",  # a click token used to unsubscribe
    ]
    for url in forged:
        assert httpx.get(url, follow_redirects=False).status_code == 404, url
        assert httpx.post(url).status_code in (404, 405), url
    assert live.events("email.clicked") == []
    assert live.events("resend/email.clicked") == []
    assert live.events("email.unsubscribed") == []
    assert list_suppressions(live.store) == []
    assert live.store.get_run(run_id).run.status == "waiting"


def test_one_click_unsubscribe_leaves_that_category_for_every_later_email(live: Live) -> None:
    run_id, welcome = _start(live)
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = _unsubscribe_url(welcome)
    assert url.startswith(f"{live.public_url}/unsubscribe/")

    page = httpx.get(url)
    assert page.status_code == 200
    assert "ada@example.com" in page.text and '<form method="post">' in page.text
    assert list_suppressions(live.store) == []  # a GET changes nothing

    for _ in range(2):  # as a mail client's one-click POST, twice
        answer = httpx.post(
            url,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200
    (suppression,) = list_suppressions(live.store)
    # The seed campaign's emails are marketing (workflows/policies.yaml's default):
    # the one-click leaves that topic, not receipts.
    assert (suppression.address, suppression.reason, suppression.category) == (
        "ada@example.com",
        "unsubscribed",
        "marketing",
    )
    assert live.events("email.unsubscribed") == [
        {"email_id": welcome["X-Flow-Email-Id"], "to": "ada@example.com"}
    ]

    live.engine.run_virtual(live.clock)  # no click: three days later, the trial offer

    detail = live.store.get_run(run_id)
    assert detail.run.status == "completed"
    (offer,) = [s for s in detail.steps if s.step_id == "trial_offer_email"]
    assert offer.status == "ok"
    assert (offer.output["skipped"], offer.output["category"]) == ("unsubscribed", "marketing")
    assert len(live.mailbox.envelopes) == 1  # the welcome email only
