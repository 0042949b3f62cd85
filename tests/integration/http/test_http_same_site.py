"""No cross-site or DNS-rebinding access to the event API when it trusts
loopback (no FLOW_EVENT_KEYS), through a real server."""

from __future__ import annotations

import httpx
import pytest

from interpreter.errors import NotFound
from interpreter.http import HttpSettings
from tests.integration.http._live_server import Serve

EVENT_NAME = "app/signup.completed"

EVENT = (
    b'{"name": "app/signup.completed", "id": "from-a-page",'
    b' "data": {"user": {"id": 7, "email": "ada@example.com"}}}'
)


@pytest.mark.parametrize(
    ("headers", "status", "says"),
    [
        ({"content-type": "text/plain", "origin": "https://evil.example"}, 403, "Origin"),
        ({"content-type": "text/plain"}, 415, "application/json"),
        ({"content-type": "application/x-www-form-urlencoded"}, 415, "application/json"),
        ({}, 415, "not none"),
        ({"content-type": "application/json", "origin": "https://evil.example"}, 403, "Origin"),
        ({"content-type": "application/json", "origin": "null"}, 403, "Origin"),
        ({"content-type": "application/json", "host": "rebind.evil.example"}, 403, "loopback"),
        (
            {
                "content-type": "application/json",
                "host": "rebind.evil.example:8288",
                "origin": "http://rebind.evil.example:8288",
            },
            403,
            "loopback",
        ),
    ],
)
def test_a_web_page_cannot_send_events(
    serve: Serve, headers: dict[str, str], status: int, says: str
) -> None:
    live = serve()
    response = httpx.post(f"{live.url}/e/x", content=EVENT, headers=headers)
    assert response.status_code == status, response.text
    assert says in response.json()["error"]
    with pytest.raises(NotFound):
        live.store.get_event("from-a-page")
    assert live.store.list_runs() == []


def test_loopback_names_and_same_origin_pages_are_served(serve: Serve) -> None:
    live = serve()
    port = live.url.rpartition(":")[2]
    for n, headers in enumerate(
        [
            {"host": f"localhost:{port}"},
            {"host": f"127.0.0.1:{port}", "origin": f"http://127.0.0.1:{port}"},
            {"host": f"[::1]:{port}"},
            {"content-type": "application/json; charset=utf-8"},
        ]
    ):
        body = EVENT.replace(b"from-a-page", f"ok-{n}".encode()).replace(
            b'"id": 7', f'"id": {n}'.encode()
        )
        response = httpx.post(
            f"{live.url}/e/x", content=body, headers={"content-type": "application/json", **headers}
        )
        assert response.status_code == 200, response.text
    assert [live.store.get_event(f"ok-{n}").name for n in range(4)] == [EVENT_NAME] * 4


def test_with_event_keys_any_host_name_may_send(serve: Serve) -> None:
    live = serve(HttpSettings(event_keys=("k1",)))
    headers = {"content-type": "application/json", "host": "flow.example.com"}
    assert httpx.post(f"{live.url}/e/k1", content=EVENT, headers=headers).status_code == 200
    cross = httpx.post(
        f"{live.url}/e/k1", content=EVENT, headers={**headers, "origin": "https://evil.example"}
    )
    assert cross.status_code == 403
