"""The links inside flow's emails: ``GET /t/c/{token}`` (a click: 302 to the
link sealed in the token), ``GET /t/o/{token}`` (the open pixel) and
``GET|POST /unsubscribe/{token}`` (a confirmation page; the POST, from its
button or from a mail client's RFC 8058 one-click, unsubscribes).

A token that does not verify gets 404 and nothing is recorded. The redirect
target comes only from inside a verified token, so no query string or path can
send a reader elsewhere. ``tracking_routes`` gives the routes to pass to
``create_app(extra_routes=...)``.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from interpreter.actions.email.tracking import TokenKind, TokenSigner, TrackingToken
from interpreter.daemon.email_events import record_click, record_open, record_unsubscribe
from interpreter.daemon.engine import Engine
from interpreter.http.preferences import preferences_routes
from interpreter.http.reader_page import from_sender, reader_page, sender_name

log = logging.getLogger("flow.http.tracking")

# The smallest transparent GIF: 1x1, one colour.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


def tracking_routes(
    engine: Engine | Callable[[], Engine],
    secret_key: str | None = None,
    sender: str | None = None,
) -> list[BaseRoute]:
    """The tracking and unsubscribe routes, recording through ``engine`` (or
    the engine a callable returns, for a daemon that swaps engines on reload).
    ``secret_key`` defaults to ``FLOW_SECRET_KEY``; without one every token is
    refused with 404. ``sender``, the name the reader's pages carry, defaults
    to the settings' (``reader_page.sender_name``)."""
    key = secret_key if secret_key is not None else os.environ.get("FLOW_SECRET_KEY", "")
    signer = TokenSigner(key) if key else None
    sender = sender if sender is not None else sender_name(os.environ)

    def _not_found() -> Response:
        body = "<p>This link is not valid.</p>"
        return reader_page("Not found", body, sender, status=404, headers=_NO_STORE)

    def current() -> Engine:
        return engine if isinstance(engine, Engine) else engine()

    def verified(request: Request, kind: TokenKind) -> TrackingToken | None:
        token = signer.open(request.path_params["token"]) if signer else None
        return token if token is not None and token.kind == kind else None

    async def click(request: Request) -> Response:
        token = verified(request, "click")
        if token is None or token.link is None:
            return _not_found()
        await run_in_threadpool(record_click, current(), token)
        return RedirectResponse(token.link, status_code=302, headers=_NO_STORE)

    async def opened(request: Request) -> Response:
        token = verified(request, "open")
        if token is None:
            return _not_found()
        await run_in_threadpool(record_open, current(), token)
        return Response(PIXEL, media_type="image/gif", headers=_NO_STORE)

    async def unsubscribe(request: Request) -> Response:
        token = verified(request, "unsubscribe")
        if token is None:
            return _not_found()
        who = html.escape(", ".join(token.addresses))
        topic = f" {html.escape(token.category)}" if token.category else ""
        which = f"{topic} emails" if token.category else " all emails"
        if request.method == "POST":
            await run_in_threadpool(record_unsubscribe, current(), token)
            body = (
                f'<p class="done">You are unsubscribed from{which}{from_sender(sender)}.</p>'
                f"<p>{who} will receive no more of them.</p>"
            )
            if token.category and signer is not None:
                # A topic left, not the whole list: say where the others are.
                page = signer.seal(TrackingToken("preferences", token.email_id, token.to))
                body += f'<p><a href="/u/{page}">Choose which emails you receive</a></p>'
            return reader_page("You are unsubscribed", body, sender, headers=_NO_STORE)
        # A GET changes nothing: link scanners and previews fetch URLs unasked.
        body = (
            f"<p>Stop sending{topic} emails{from_sender(sender)} to {who}?</p>"
            '<form method="post"><button type="submit">Unsubscribe</button></form>'
        )
        return reader_page("Unsubscribe", body, sender, headers=_NO_STORE)

    return [
        Route("/t/c/{token}", click, methods=["GET"]),
        Route("/t/o/{token}", opened, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"]),
        *preferences_routes(current, signer, sender),
    ]
