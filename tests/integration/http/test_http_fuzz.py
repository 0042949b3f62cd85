"""Generated requests to every route of ``flow serve``'s app through a real
server on loopback: none answers 5xx while the database is up.

Hypothesis generates JSON documents (event-shaped, with the seed campaign's
trigger name so runs really start, and hostile values: huge numbers, NUL, lone
surrogates, deep nesting), raw bytes, query strings, form fields and headers.
Bounded (a fixed number of examples, derandomized, no example database) so it
takes seconds and fails the same way every time.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpreter.actions.email.tracking import TokenSigner, TrackingToken
from interpreter.daemon.metrics import Metrics
from interpreter.http import HttpSettings, create_app
from interpreter.http.dashboard import DashboardSettings, dashboard_routes
from interpreter.http.signatures import sign
from interpreter.http.tracking import tracking_routes
from interpreter.store import open_store
from tests._loopback import serving
from tests.integration.http._live_server import START, seed_engine

EXAMPLES = 400
SECRET = "whsec_" + base64.b64encode(b"a test signing secret, 32 bytes!").decode()
TOKEN = "fuzz-dashboard-token"
SIGNER = TokenSigner("fuzz secret key")

HOSTILE_TEXT = [
    "\ud800",
    "\udfff",
    "a\x00b",
    "",
    " ",
    "x" * 300,
    "${ event }",
    "{{ 7*7 }}",
    "app/signup.completed",
    "ada@example.com",
    "é",
    "\U0001f600",
]
text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(st.characters(codec=None), max_size=20))
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
)
values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)
user = st.fixed_dictionaries({}, optional={"id": values, "email": values, "first_name": values})
event = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["app/signup.completed", "app/x"]), values),
        "data": st.one_of(st.fixed_dictionaries({"user": user}), values),
        "id": st.one_of(text, values),
        "ts": st.one_of(
            st.sampled_from(
                ["9999-12-31T23:59:59-14:00", "2026-01-05T10:00:00Z", 1e400, 253402300799999]
            ),
            values,
        ),
        "v": values,
    },
)


def _urlencoded(fields: dict[str, str]) -> str:
    # surrogatepass: a lone surrogate goes out as the bytes a hostile client sends.
    return urlencode(fields, errors="surrogatepass")


def _encode(document: Any) -> bytes:
    # allow_nan: NaN and Infinity go out as the bare words a hostile client sends.
    return json.dumps(document, allow_nan=True).encode()


bodies = st.one_of(
    event.map(_encode),
    st.lists(event, max_size=3).map(_encode),
    values.map(_encode),
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"[" * 50_000,
            b'{"name": "x", "data": {"n": 1e400}}',
            b'{"name": "x\\ud800"}',
            b'{"a": ' * 3000 + b"1" + b"}" * 3000,
        ]
    ),
)
tokens = st.one_of(
    st.sampled_from(
        [
            SIGNER.seal(TrackingToken("click", "em_1", "ada@example.com", "https://acme.test/x")),
            SIGNER.seal(TrackingToken("open", "em_1", ["ada@example.com"])),
            SIGNER.seal(TrackingToken("unsubscribe", "em_1", "ada@example.com")),
        ]
    ),
    st.text(st.characters(codec="ascii"), max_size=40),
)
query = st.dictionaries(
    st.sampled_from(
        ["q", "before", "after", "since", "until", "status", "campaign", "period", "sent", "next"]
    ),
    text,
    max_size=3,
)
content_types = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-16",
        "",
    ]
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """(method, path, httpx keyword arguments)."""
    route = draw(st.sampled_from(["event", "webhook", "page", "form", "login", "link", "plain"]))
    headers = {"content-type": draw(content_types)}
    if draw(st.booleans()):
        headers["origin"] = draw(
            st.sampled_from(["https://evil.example", "null", "http://127.0.0.1"])
        )
    if route == "event":
        key = draw(st.sampled_from(["k", "key%00", "%ED%A0%80", "x" * 500]))
        return "POST", f"/e/{key}", {"content": draw(bodies), "headers": headers}
    if route == "webhook":
        body = draw(bodies)
        message_id = draw(st.sampled_from(["msg_1", "msg_" + "x" * 300, "m\x7f"]))
        timestamp = str(int(START.timestamp()))
        signing_key = base64.b64decode(SECRET.removeprefix("whsec_"))
        headers.update(
            {
                "svix-id": message_id,
                "svix-timestamp": timestamp,
                "svix-signature": "v1," + sign(signing_key, message_id, timestamp, body),
            }
        )
        return "POST", "/webhooks/resend", {"content": body, "headers": headers}
    if route == "page":
        path = draw(
            st.sampled_from(
                [
                    "/",
                    "/runs",
                    "/events",
                    "/suppressions",
                    "/runs/run_x",
                    "/runs/%00",
                    "/login",
                    "/healthz",
                    "/metrics",
                ]
            )
        )
        headers["authorization"] = f"Bearer {TOKEN}"
        return "GET", path + "?" + _urlencoded(draw(query)), {"headers": headers}
    if route == "form":
        path = draw(
            st.sampled_from(["/events/test", "/runs/run_x/cancel", "/runs/run_x/retry", "/logout"])
        )
        headers["authorization"] = f"Bearer {TOKEN}"
        headers["content-type"] = "application/x-www-form-urlencoded"
        form = draw(
            st.dictionaries(
                st.sampled_from(["name", "data", "csrf"]),
                st.one_of(text, values.map(json.dumps)),
                max_size=3,
            )
        )
        return "POST", path, {"content": _urlencoded(form).encode(), "headers": headers}
    if route == "login":
        headers["content-type"] = "application/x-www-form-urlencoded"
        return "POST", "/login", {"content": draw(st.binary(max_size=64)), "headers": headers}
    if route == "link":
        method = draw(st.sampled_from(["GET", "POST"]))
        prefix = draw(st.sampled_from(["/t/c/", "/t/o/", "/unsubscribe/"]))
        return method, prefix + quote(draw(tokens), safe=""), {"headers": headers}
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]))
    path = draw(st.sampled_from(["/e/k", "/webhooks/resend", "/nowhere", "/t/c/", "/%ff"]))
    return method, path, {"headers": headers}


@pytest.mark.slow
def test_no_request_answers_5xx(tmp_path: Path) -> None:
    statuses: Counter[int] = Counter()
    with open_store(f"sqlite:///{tmp_path / 'flow.db'}") as store:
        engine, _, _ = seed_engine(store, tmp_path)
        routes = [
            *tracking_routes(engine, "fuzz secret key"),
            *dashboard_routes(engine, DashboardSettings.with_token("127.0.0.1", TOKEN)),
        ]
        app = create_app(
            engine,
            HttpSettings(resend_webhook_secret=SECRET),
            metrics=Metrics(),
            extra_routes=routes,
        )
        with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(requests())
            def one(request: tuple[str, str, dict[str, Any]]) -> None:
                method, path, arguments = request
                answer = client.request(method, path, **arguments)
                statuses[answer.status_code] += 1
                assert answer.status_code < 500, (method, path, answer.text[:300])

            one()
    decided = sum(statuses.values())
    # Its reach: every example sent, and both accepted and refused requests among them.
    assert decided >= EXAMPLES, statuses
    assert sum(n for s, n in statuses.items() if s < 400) >= 40, statuses
    assert sum(n for s, n in statuses.items() if 400 <= s < 500) >= 100, statuses
