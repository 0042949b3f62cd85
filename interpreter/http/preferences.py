"""``GET|POST /u/{token}``: the preferences page every email with a category
links to. It lists the non-transactional categories of ``policies.yaml`` with
a checkbox each (ticked: still subscribed) and a button that leaves all of
them; the POST saves and says what changed. Escaped HTML with the sender's
name and a small stylesheet (``reader_page``), no JavaScript.

The token is sealed like the tracking tokens (a forged one gets 404), and a
POST must carry the form's CSRF field, an HMAC of a random cookie the GET set
(``SameSite=Strict``), and no foreign ``Origin``: a page elsewhere cannot
change anyone's subscriptions, even knowing the link.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from interpreter.actions.email.tracking import TokenSigner, TrackingToken
from interpreter.daemon.email_events import record_topic_changes
from interpreter.daemon.engine import Engine
from interpreter.daemon.suppressions import suppress, unsuppress
from interpreter.http.body import read_body
from interpreter.http.dashboard.csrf import csrf_token, csrf_valid, new_seed
from interpreter.http.reader_page import from_sender, reader_page
from interpreter.http.same_site import foreign_origin
from interpreter.language.policies import Category

COOKIE = "flow_preferences"
MAX_FORM_BYTES = 16 * 1024  # a box per topic: far below this
FORM_TIMEOUT_SECONDS = 10.0
# same-origin, not no-referrer: under no-referrer a browser posts the form with
# ``Origin: null``, which the Origin check must refuse. Nothing links away, so
# the token in the URL still goes nowhere else.
_NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "same-origin"}


def preferences_routes(
    current: Callable[[], Engine], signer: TokenSigner | None, sender: str | None = None
) -> list[BaseRoute]:
    def opened(request: Request) -> TrackingToken | None:
        token = signer.open(request.path_params["token"]) if signer else None
        return token if token is not None and token.kind == "preferences" else None

    async def page(request: Request) -> Response:
        token = opened(request)
        if token is None or signer is None:
            return _page("Not found", "<p>This link is not valid.</p>", sender, 404)
        engine = current()
        topics = [c for c in engine.campaigns.policies.categories.values() if not c.transactional]
        key = signer.csrf_key
        notice = ""
        if request.method == "POST":
            body = await read_body(request, MAX_FORM_BYTES, "the form", FORM_TIMEOUT_SECONDS)
            fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            seed = request.cookies.get(COOKIE)
            field = next((value for name, value in fields if name == "csrf"), None)
            if foreign_origin(request) is not None or not csrf_valid(key, seed, field):
                expired = "<p>This form expired; nothing was saved. Open the link again.</p>"
                return _page("Not saved", expired, sender, 403)
            if any(name == "all" for name, _ in fields):
                wanted: set[str] = set()
            else:
                wanted = {value for name, value in fields if name == "category"}
            changes = await run_in_threadpool(_save, engine, token, topics, wanted)
            everything = any(name == "all" for name, _ in fields)
            notice = _what_happened(changes, topics if everything else None, sender)
        left = await run_in_threadpool(_topics_left, engine, token)
        seed = request.cookies.get(COOKIE) or new_seed()
        form = _form(token, topics, left, csrf_token(key, seed), sender)
        response = _page("Email preferences", notice + form, sender)
        response.set_cookie(COOKIE, seed, httponly=True, samesite="strict", path="/u/")
        return response

    return [Route("/u/{token}", page, methods=["GET", "POST"])]


def _topics_left(engine: Engine, token: TrackingToken) -> set[str]:
    with engine.store.reading() as tx:
        return (
            set.intersection(*(tx.topics_left(a) for a in token.addresses))
            if token.addresses
            else set()
        )


Change = tuple[str, str | None, bool]  # address, topic, joined (False: left)


def _save(
    engine: Engine, token: TrackingToken, topics: list[Category], wanted: set[str]
) -> list[Change]:
    """Leave the unticked topics and rejoin the ticked ones; returns what changed."""
    now = engine.clock.now()
    changes: list[Change] = []
    for address in token.addresses:
        with engine.store.reading() as tx:
            left = tx.topics_left(address)
        for topic in topics:
            name = topic.name
            if name in wanted and name in left:
                joined = unsuppress(engine.store, address, name)
            else:
                joined = False
            gone = name not in wanted and name not in left
            if gone and suppress(engine.store, [address], "unsubscribed", now, "preferences", name):
                changes.append((address, name, False))
            elif joined:
                changes.append((address, name, True))
    record_topic_changes(engine, changes)
    return changes


def _what_happened(
    changes: list[Change], everything: list[Category] | None, sender: str | None
) -> str:
    """The sentence after a save: which topics the reader left or rejoined, or
    that nothing changed; after "unsubscribe from all", that they are."""
    if everything is not None:
        names = ", ".join(html.escape(topic.name) for topic in everything)
        return (
            f'<p class="done">You are unsubscribed from {names} emails{from_sender(sender)}.'
            " Tick a topic and save to get it again.</p>"
        )
    left = sorted({topic for _, topic, joined in changes if topic and not joined})
    joined = sorted({topic for _, topic, was_joined in changes if topic and was_joined})
    parts = [f"you left {html.escape(', '.join(left))}"] if left else []
    parts += [f"you rejoined {html.escape(', '.join(joined))}"] if joined else []
    what = "; ".join(parts) if parts else "nothing changed"
    return f'<p class="done">Your preferences were saved: {what}.</p>'


def _form(
    token: TrackingToken, topics: list[Category], left: set[str], csrf: str, sender: str | None
) -> str:
    who = html.escape(", ".join(token.addresses))
    if not topics:
        return f"<p>{who} is on no mailing topics.</p>"
    rows = "".join(
        '<p><label><input type="checkbox" name="category" value="{value}"{checked}> '
        "<strong>{name}</strong>{description}</label></p>".format(
            value=html.escape(topic.name, quote=True),
            checked="" if topic.name in left else " checked",
            name=html.escape(topic.name),
            description=f" — {html.escape(topic.description)}" if topic.description else "",
        )
        for topic in topics
    )
    return (
        f"<p>Choose the emails {who} receives{from_sender(sender) or ' from us'}.</p>"
        f'<form method="post"><input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        f'{rows}<p><button type="submit" name="save">Save</button> '
        '<button type="submit" name="all" value="1" class="quiet">Unsubscribe from all of these'
        "</button></p>"
        "</form><p><small>Receipts and other account email are not affected.</small></p>"
    )


def _page(title: str, body: str, sender: str | None, status: int = 200) -> HTMLResponse:
    return reader_page(title, body, sender, status=status, headers=_NO_STORE)
