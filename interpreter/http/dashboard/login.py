"""The login form (token in, signed session cookie out) and logout."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from interpreter.http.dashboard.auth import SESSION_COOKIE, new_session, token_matches
from interpreter.http.dashboard.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    csrf_token,
    csrf_valid,
    new_seed,
)
from interpreter.http.dashboard.guard import Call, Dashboard, read_form, set_cookie
from interpreter.http.dashboard.rendering import render
from interpreter.http.rejection import Rejected
from interpreter.http.same_site import foreign_origin

Endpoint = Callable[[Request], Awaitable[Response]]


def login_endpoints(dashboard: Dashboard) -> tuple[Endpoint, Endpoint]:
    """GET and POST /login."""
    settings = dashboard.settings

    def form(request: Request, status_code: int = 200, error: str = "") -> Response:
        seed = request.cookies.get(CSRF_COOKIE) or new_seed()
        response = render(
            "login.html",
            status_code,
            csrf=csrf_token(settings.key, seed),
            via="",
            path="/login",
            error=error,
            next=_safe_next(request.query_params.get("next")),
        )
        if CSRF_COOKIE not in request.cookies:
            set_cookie(response, request, CSRF_COOKIE, seed, max_age=None)
        return response

    async def show(request: Request) -> Response:
        if settings.token is None:
            return RedirectResponse("/", status_code=303)
        return form(request)

    async def submit(request: Request) -> Response:
        if settings.token is None:
            return RedirectResponse("/", status_code=303)
        if foreign_origin(request) is not None:
            return form(request, 403, "A login posted from another site is refused.")
        try:
            body = await read_form(request)
        except Rejected as error:
            response = form(request, error.status, error.message)
            response.headers.update(error.headers)
            return response
        fields = dict(parse_qsl(body.decode("utf-8", "replace")))
        if not csrf_valid(settings.key, request.cookies.get(CSRF_COOKIE), fields.get(CSRF_FIELD)):
            return form(request, 403, "The form expired: try again.")
        if not token_matches(settings, fields.get("token", "")):
            return form(request, 401, "That is not the dashboard token.")
        response = RedirectResponse(_safe_next(fields.get("next")), status_code=303)
        set_cookie(
            response,
            request,
            SESSION_COOKIE,
            new_session(settings),
            max_age=settings.session_seconds,
        )
        return response

    return show, submit


async def logout(call: Call) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never ``//host`` or a full URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
