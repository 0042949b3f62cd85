"""Every dashboard endpoint goes through ``guarded``: access, then (for POST)
the form and its CSRF token, then the handler, with errors as HTML pages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from interpreter.daemon.engine import Engine
from interpreter.errors import FlowError, StoreError
from interpreter.http.body import read_body
from interpreter.http.context import app_context
from interpreter.http.dashboard.auth import Access, Denied, check_access
from interpreter.http.dashboard.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    csrf_token,
    csrf_valid,
    new_seed,
)
from interpreter.http.dashboard.rendering import render
from interpreter.http.dashboard.settings import DashboardSettings
from interpreter.http.rejection import Rejected, store_error_status
from interpreter.http.same_site import foreign_origin

log = logging.getLogger("flow.http")

MAX_FORM_BYTES = 1024 * 1024
Form = dict[str, str]


@dataclass(frozen=True)
class Dashboard:
    engine: Engine
    settings: DashboardSettings


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it."""

    request: Request
    dashboard: Dashboard
    access: Access
    form: Form

    @property
    def engine(self) -> Engine:
        return self.dashboard.engine

    def page(self, template: str, status_code: int = 200, **context: Any) -> Response:
        seed = self.access.seed
        token = csrf_token(self.dashboard.settings.key, seed) if seed else ""
        return render(
            template,
            status_code,
            csrf=token,
            via=self.access.via,
            path=self.request.url.path,
            **context,
        )


Handler = Callable[[Call], Awaitable[Response]]


def guarded(
    dashboard: Dashboard, handler: Handler, *, post: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        settings = dashboard.settings
        found = check_access(settings, request)
        if isinstance(found, Denied):
            return _denied(request, found)
        access, new_cookie = found, None
        if access.via == "loopback" and access.seed is None:
            new_cookie = new_seed()
            access = Access("loopback", new_cookie)
        form: Form = {}
        if post and foreign_origin(request) is not None:
            return _page(403, "Forbidden", "A form posted from another site is refused.")
        if post:
            try:
                body = await read_form(request)
            except Rejected as error:
                return _page(error.status, "Refused", error.message, error.headers)
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            if access.via != "bearer" and not csrf_valid(
                settings.key,
                request.cookies.get(CSRF_COOKIE) if access.via == "loopback" else access.seed,
                form.get(CSRF_FIELD),
            ):
                return render(
                    "message.html",
                    403,
                    title="Forbidden",
                    csrf="",
                    via="",
                    path="",
                    message="The form's CSRF token is missing or wrong: "
                    "reload the page and try again.",
                )
        call = Call(request, dashboard, access, form)
        try:
            response = await handler(call)
        except StoreError as error:  # the API's status for the same error
            status, message = store_error_status(error)
            if status >= 500:
                log.error("%s %s: %s", request.method, request.url.path, error)
            title = "Not found" if status == 404 else "Database unavailable"
            response = call.page("message.html", status, title=title, message=message)
        except FlowError as error:
            response = call.page("message.html", 409, title="Not done", message=str(error))
        if new_cookie is not None:
            set_cookie(response, request, CSRF_COOKIE, new_cookie, max_age=None)
        return response

    return endpoint


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def _denied(request: Request, denied: Denied) -> Response:
    if denied.reason == "refused":
        return render("refused.html", 403, csrf="", via="", path="")
    if denied.reason == "foreign_host":
        return _page(
            403,
            "Forbidden",
            "With no FLOW_DASHBOARD_TOKEN the dashboard answers only "
            "requests to localhost or 127.0.0.1, and this one named another host.",
        )
    if denied.reason == "bad_token":
        return render(
            "message.html",
            401,
            csrf="",
            via="",
            path="",
            title="Unauthorized",
            message="That bearer token is not the dashboard's token.",
        )
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return render(
        "message.html", 403, csrf="", via="", path="", title="Forbidden", message="Log in first."
    )


async def read_form(request: Request) -> bytes:
    """A form's body, refused past ``MAX_FORM_BYTES`` as it streams in and after
    the server's body-read timeout (``Rejected``: 413 or 408)."""
    timeout = app_context(request).settings.body_timeout_seconds
    return await read_body(request, MAX_FORM_BYTES, "the form", timeout)


def _page(
    status: int, title: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A message page for a request that got no further: no CSRF token, no cookie."""
    response = render(
        "message.html", status, csrf="", via="", path="", title=title, message=message
    )
    response.headers.update(headers or {})
    return response
