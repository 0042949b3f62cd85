"""POST /e/{key} through a real uvicorn server on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from interpreter.errors import NotFound
from interpreter.http import HttpSettings
from tests.integration.http._live_server import Serve

JSON = {"content-type": "application/json"}


def signup(user_id: int, **extra: Any) -> dict[str, Any]:
    user = {"id": user_id, "email": f"user{user_id}@example.com", "first_name": "Ada"}
    return {"name": "app/signup.completed", "data": {"user": user}, **extra}


def test_one_event_starts_a_run_of_the_seed_campaign(serve: Serve, db_url: str) -> None:
    live = serve(db_url=db_url)
    response = httpx.post(f"{live.url}/e/any-key", json=signup(1))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == 200 and len(body["ids"]) == 1
    assert live.store.get_event(body["ids"][0]).name == "app/signup.completed"
    [run] = live.store.list_runs()
    assert run.workflow_id == "signup-drip-campaign"
    live.engine.drive_once()
    assert [email.message["To"] for email in live.mail.sent] == ["user1@example.com"]


def test_an_array_is_recorded_in_order_with_ids_given_or_made(serve: Serve, db_url: str) -> None:
    live = serve(db_url=db_url)
    events = [signup(1, id="evt-a"), signup(2), signup(3, id="evt-c")]
    response = httpx.post(f"{live.url}/e/k", json=events)
    assert response.status_code == 200
    ids = response.json()["ids"]
    assert ids[0] == "evt-a" and ids[2] == "evt-c" and ids[1].startswith("evt_")
    assert len(live.store.list_runs()) == 3


def test_the_same_id_is_stored_once_and_triggers_once(serve: Serve, db_url: str) -> None:
    live = serve(db_url=db_url)
    first = httpx.post(f"{live.url}/e/k", json=signup(1, id="signup-1"))
    again = httpx.post(f"{live.url}/e/k", json=[signup(2, id="signup-1"), signup(3, id="signup-1")])
    assert first.json()["ids"] == ["signup-1"]
    assert again.status_code == 200 and again.json()["ids"] == ["signup-1", "signup-1"]
    assert live.store.get_event("signup-1").data["user"]["id"] == 1
    assert len(live.store.list_runs()) == 1


def test_timestamps_in_milliseconds_or_rfc_3339(serve: Serve) -> None:
    live = serve()
    events = [
        {"name": "app/ping", "id": "ms", "ts": 1767603600000, "v": "2026-01-01.1"},
        {"name": "app/ping", "id": "rfc", "ts": "2026-01-05T10:00:00+01:00"},
        {"name": "app/ping", "id": "none", "ts": 0},
    ]
    assert httpx.post(f"{live.url}/e/k", json=events).status_code == 200
    expected = datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert live.store.get_event("ms").ts == expected
    assert live.store.get_event("rfc").ts == expected
    assert live.store.get_event("none").ts == live.clock.now()


def test_concurrent_requests_all_commit_before_their_answers(serve: Serve) -> None:
    live = serve()

    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live.url) as client:
            return list(
                await asyncio.gather(
                    *(client.post("/e/k", json=signup(n, id=f"c{n}")) for n in range(40))
                )
            )

    responses = asyncio.run(send_all())
    assert [r.json()["ids"] for r in responses] == [[f"c{n}"] for n in range(40)]
    assert len(live.store.list_runs()) == 40


def test_event_keys_are_checked_when_configured(serve: Serve) -> None:
    live = serve(HttpSettings(event_keys=("key-one", "key-two")))
    bad = httpx.post(f"{live.url}/e/key-three", json=signup(1))
    assert bad.status_code == 401 and bad.json() == {"error": "unknown event key"}
    assert live.store.list_runs() == []
    assert httpx.post(f"{live.url}/e/key-two", json=signup(1)).status_code == 200


@pytest.mark.parametrize(
    ("body", "index", "field"),
    [
        ([{"name": "app/ok", "id": "kept-out"}, {"data": {}}], 1, "name"),
        ([{"name": "app/ok", "id": "kept-out"}, {"name": ""}], 1, "name"),
        ([{"name": "app/ok", "id": "kept-out"}, {"name": 7}], 1, "name"),
        ([{"name": "app/ok", "id": "kept-out"}, {"name": "x", "data": [1]}], 1, "data"),
        ([{"name": "app/ok", "id": "kept-out"}, {"name": "x", "ts": "yesterday"}], 1, "ts"),
        ([{"name": "app/ok", "id": "kept-out"}, {"name": "x", "id": 5}], 1, "id"),
        ([{"name": "app/ok", "id": "kept-out"}, "app/x"], 1, None),
    ],
)
def test_a_bad_event_rejects_the_whole_request(
    serve: Serve, body: Any, index: int, field: str | None
) -> None:
    live = serve()
    response = httpx.post(f"{live.url}/e/k", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["index"] == index and error.get("field") == field
    assert field is None or field in error["error"]
    with pytest.raises(NotFound):
        live.store.get_event("kept-out")


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"[1,",
        b'"app/x"',
        b'{"name": "x", "data": {"n": NaN}}',
        b'{"name": "x", "data": {"s": "a\\u0000b"}}',
        b"[" * 100_000,
    ],
)
def test_malformed_bodies_get_400_with_a_json_error(serve: Serve, content: bytes) -> None:
    live = serve()
    response = httpx.post(f"{live.url}/e/k", content=content, headers=JSON)
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


def test_limits_give_413(serve: Serve) -> None:
    live = serve(HttpSettings(max_events_per_request=3, max_event_bytes=1024, max_body_bytes=8192))
    too_many = httpx.post(f"{live.url}/e/k", json=[{"name": "app/x"}] * 4)
    assert too_many.status_code == 413 and "limit is 3" in too_many.json()["error"]
    big = {"name": "app/x", "data": {"text": "x" * 2000}}
    one_too_big = httpx.post(f"{live.url}/e/k", json=[{"name": "app/x", "id": "small"}, big])
    assert one_too_big.status_code == 413 and one_too_big.json()["index"] == 1
    body_too_big = httpx.post(f"{live.url}/e/k", json={"name": "app/x", "data": {"t": "y" * 9000}})
    assert body_too_big.status_code == 413

    def chunks() -> Any:
        for _ in range(20):
            yield b" " * 1000  # no content-length: the cap applies as the body streams

    streamed = httpx.post(f"{live.url}/e/k", content=chunks(), headers=JSON)
    assert streamed.status_code == 413
    with pytest.raises(NotFound):
        live.store.get_event("small")


def test_unknown_paths_and_methods_answer_json(serve: Serve) -> None:
    live = serve()
    assert httpx.get(f"{live.url}/nowhere").json() == {"error": "Not Found"}
    wrong = httpx.get(f"{live.url}/e/k")
    assert wrong.status_code == 405 and "error" in wrong.json()


def test_the_answer_says_per_event_what_it_started_and_why_not(serve: Serve, db_url: str) -> None:
    live = serve(db_url=db_url)
    body = [signup(7, id="first"), signup(7, id="again"), {"name": "app/signup.completed"}]
    answer = httpx.post(f"{live.url}/e/any-key", json=body).json()
    assert (answer["ids"], answer["status"]) == (["first", "again", answer["ids"][2]], 200)
    first, again, keyless = answer["outcomes"]
    (run_id,) = first["started"]
    assert first == {
        "id": "first",
        "duplicate": False,
        "started": [run_id],
        "woken": [],
        "campaigns": [{"campaign": "signup-drip-campaign", "run": run_id}],
    }
    [held] = again["campaigns"]
    assert again["started"] == [] and held["reason"] == "entry"
    assert held["message"] == "a run with the key 7 exists already, and a key starts one run"
    [failed] = keyless["campaigns"]
    assert failed["reason"] == "expression_error" and failed["field"] == "entry.key"
    assert failed["location"].endswith("workflows/signup-drip.yaml:9:14")
    assert failed["error"] == "no such member in mapping: 'user' in 'event.data.user.id'"
    # A duplicate id triggers nothing, and says so; an id no campaign takes is an empty list.
    replay = httpx.post(f"{live.url}/e/any-key", json=[signup(7, id="first"), {"name": "x"}])
    duplicate, unknown = replay.json()["outcomes"]
    assert duplicate == {
        "id": "first",
        "duplicate": True,
        "started": [],
        "woken": [],
        "campaigns": [],
    }
    assert unknown["campaigns"] == [] and not unknown["duplicate"]
