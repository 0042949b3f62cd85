"""Keeping web pages out: what stops a site the user visits from driving a
flow server that trusts loopback (no event keys, no dashboard token).

- ``require_json``: a page can POST ``text/plain`` or a form anywhere without
  asking, but ``application/json`` across sites needs a CORS preflight, which
  flow never grants.
- ``check_origin``: a browser names the page behind a request in ``Origin``;
  one that is not this server is refused.
- ``check_loopback_host``: DNS rebinding points an attacker's name at
  127.0.0.1, making its page same-origin with the server; the ``Host`` header
  still carries the attacker's name, so a server that trusts loopback answers
  only loopback names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from interpreter.http.rejection import Rejected
from interpreter.http.settings import is_loopback


def require_json(request: Request) -> None:
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json":
        shown = media or "none"
        raise Rejected(415, f"content-type must be application/json, not {shown}")


def foreign_origin(request: Request) -> str | None:
    """The request's ``Origin`` when a browser sent it from another site, else None."""
    origin = request.headers.get("origin")
    if origin is None:
        return None  # not sent by a browser's cross-site request: curl, an SDK, a provider
    host = request.headers.get("host", "").strip().lower()
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return origin
    if parts.scheme in ("http", "https") and host and parts.netloc.lower() == host:
        return None
    return origin


def check_origin(request: Request) -> None:
    origin = foreign_origin(request)
    if origin is not None:
        raise Rejected(
            403, f"cross-site request refused: Origin {_printable(origin)} is not this server"
        )


def host_is_loopback(request: Request) -> bool:
    """Whether the ``Host`` header names loopback (``localhost``, 127.0.0.0/8,
    ``[::1]``), port aside. A request without one was not sent by a browser."""
    host = request.headers.get("host", "").strip()
    if not host:
        return True
    if host.startswith("["):
        name = host[1 : host.find("]")] if "]" in host else host
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    return is_loopback(name)


def check_loopback_host(request: Request, unset: str) -> None:
    """Refuse a non-loopback ``Host``; ``unset`` names the setting that would
    make the server trust more than loopback."""
    if not host_is_loopback(request):
        host = _printable(request.headers.get("host", ""))
        raise Rejected(
            403,
            f"Host {host} is not a loopback name: with no {unset} this "
            "server answers only requests to localhost or 127.0.0.1",
        )


def _printable(text: str) -> str:
    shown = text.encode("ascii", "backslashreplace").decode("ascii")
    return repr(shown[:100])
