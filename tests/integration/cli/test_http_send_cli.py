"""`flow send --url` against a live server, in-process through ``main(argv)``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from interpreter.http import HttpSettings
from interpreter.store import open_store
from tests._cli import Ran, run_flow
from tests.integration.http._live_server import Live, live_app  # the HTTP tests' live server


def flow(*arguments: str, cwd: Path, key: str | None = None) -> Ran:
    env = {k: v for k, v in os.environ.items() if k not in ("FLOW_EVENT_KEY", "FLOW_DATABASE_URL")}
    if key is not None:
        env["FLOW_EVENT_KEY"] = key
    return run_flow(arguments, cwd=cwd, env=env)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with (
        open_store(f"sqlite:///{tmp_path / 'server.db'}") as store,
        live_app(store, tmp_path, HttpSettings(event_keys=("the-key",))) as server,
    ):
        yield server


def test_send_url_records_the_event_on_the_server(live: Live, tmp_path: Path) -> None:
    data = '{"user": {"id": 7, "email": "ada@example.com", "first_name": "Ada"}}'
    result = flow(
        "send",
        "app/signup.completed",
        "--data",
        data,
        "--url",
        live.url,
        "--id",
        "signup-7",
        cwd=tmp_path,
        key="the-key",
    )
    assert result.returncode == 0, result.stderr
    recorded, started = result.stdout.splitlines()
    assert recorded == "recorded signup-7: started 1 run(s), woke 0 waiting run(s)"
    assert started == f"  signup-drip-campaign: started {live.store.list_runs()[0].id}"
    assert live.store.get_event("signup-7").data["user"]["id"] == 7
    assert len(live.store.list_runs()) == 1
    assert not (tmp_path / ".flow").exists(), "--url must not touch a local database"


def test_send_url_with_the_key_option_and_json_output(live: Live, tmp_path: Path) -> None:
    result = flow(
        "send", "app/ping", "--url", live.url, "--key", "the-key", "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"].startswith("evt_")


def test_send_url_with_a_wrong_key_prints_the_servers_error(live: Live, tmp_path: Path) -> None:
    result = flow("send", "app/ping", "--url", live.url, cwd=tmp_path, key="not-the-key")
    assert result.returncode == 1
    assert result.stderr.strip() == "flow: the server answered 401: unknown event key"
    assert result.stdout == ""


def test_send_url_to_nothing_is_one_line(tmp_path: Path) -> None:
    result = flow("send", "app/ping", "--url", "http://127.0.0.1:9", cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_send_url_says_why_no_run_started(live: Live, tmp_path: Path) -> None:
    data = '{"user": {"id": 7, "email": "ada@example.com", "first_name": "Ada"}}'
    send = ("send", "app/signup.completed", "--data", data, "--url", live.url)
    assert flow(*send, cwd=tmp_path, key="the-key").returncode == 0
    again = flow(*send, cwd=tmp_path, key="the-key")
    assert again.stdout.splitlines() == [
        again.stdout.splitlines()[0],
        "  signup-drip-campaign: not started: a run with the key 7 exists already,"
        " and a key starts one run",
    ]
    as_json = json.loads(flow(*send, "--format", "json", cwd=tmp_path, key="the-key").stdout)
    assert as_json["started"] == [] and as_json["campaigns"][0]["reason"] == "entry"
    assert set(as_json) == {"id", "duplicate", "started", "woken", "campaigns"}
