"""`flow send` says, per campaign the event's name triggers, the run it started
or why none did (issue 17 item 2), in-process through ``main(argv)`` on a
SQLite file and PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from interpreter.daemon.setup import load_campaigns, open_engine
from tests._cli import Ran, run_flow

CAMPAIGNS = {
    "welcome.yaml": """\
id: welcome
on:
  event: app/signup
  if: event.data.user.id > 0
idempotency: event.data.email
steps:
  - {id: hello, action: log, with: {message: hi}}
""",
    "trial.yaml": """\
id: trial
on:
  event: app/signup
  if: event.data.plan == 'trial'
steps:
  - {id: hello, action: log, with: {message: hi}}
""",
    "weekly.yaml": """\
id: weekly
on:
  event: app/visit
entry:
  key: event.data.user
  reentry_after: 7d
steps:
  - {id: hello, action: log, with: {message: hi}}
""",
    "single.yaml": """\
id: single
on:
  event: app/order
entry:
  key: event.data.user
  if_running: skip
  reentry_after: 1d
steps:
  - id: wait
    wait_for_event: {event: app/never, timeout: 30d}
""",
    "carts.yaml": """\
id: carts
on:
  event: shop/cart
debounce:
  key: event.data.cart
  period: 30m
  timeout: 4h
steps:
  - {id: hello, action: log, with: {message: hi}}
""",
    "digest.yaml": """\
id: digest
on:
  cron: "0 9 * * 1"
  timezone: Europe/Paris
steps:
  - {id: hello, action: log, with: {message: hi}}
""",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "workflows").mkdir()
    for name, text in CAMPAIGNS.items():
        (tmp_path / "workflows" / name).write_text(text)
    return tmp_path


def send(project: Path, db_url: str, name: str, data: dict[str, Any], *more: str) -> Ran:
    env = {k: v for k, v in os.environ.items() if k != "FLOW_DATABASE_URL"}
    arguments = ("send", name, "--data", json.dumps(data), "--db", db_url, *more)
    ran = run_flow(arguments, cwd=project, env=env)
    assert ran.returncode == 0, ran.stderr
    return ran


def finish_due_runs(project: Path, db_url: str) -> None:
    """What a `flow worker` would do, once: every due run goes as far as it can."""
    engine = open_engine(load_campaigns([project / "workflows"]), db_url=db_url)
    try:
        while engine.drive_once():
            pass
    finally:
        engine.store.close()


def lines(ran: Ran) -> list[str]:
    return ran.stdout.splitlines()[1:]


def test_an_if_that_is_false_and_an_if_that_fails_say_so(project: Path, db_url: str) -> None:
    ran = send(project, db_url, "app/signup", {"email": "ada@example.com", "plan": "pro"})
    assert ran.stdout.splitlines()[0].endswith("started 0 run(s), woke 0 waiting run(s)")
    assert lines(ran) == [
        "  trial: not started: its if was false (event.data.plan == 'trial')",
        "  welcome: not started: its if failed at workflows/welcome.yaml:4:7: no such member"
        " in mapping: 'user' in 'event.data.user.id > 0'",
    ]


def test_a_started_run_and_an_idempotency_key_that_holds_the_next_back(
    project: Path, db_url: str
) -> None:
    data = {"email": "ada@example.com", "plan": "trial", "user": {"id": 7}}
    first = send(project, db_url, "app/signup", data)
    [trial, welcome] = lines(first)
    assert trial.startswith("  trial: started run_") and welcome.startswith(
        "  welcome: started run_"
    )
    again = send(project, db_url, "app/signup", data)
    assert lines(again)[1] == (
        '  welcome: not started: a run with the key "ada@example.com" exists already,'
        " and a key starts one run"
    )
    no_key = send(project, db_url, "app/signup", {"user": {"id": 7}, "plan": "pro"})
    assert lines(no_key)[1] == (
        "  welcome: not started: its entry key failed at workflows/welcome.yaml:5:14:"
        " no such member in mapping: 'email' in 'event.data.email'"
    )


def test_entry_rules_name_the_run_that_holds_the_key(project: Path, db_url: str) -> None:
    (first,) = json.loads(
        send(project, db_url, "app/visit", {"user": "u1"}, "--format", "json").stdout
    )["started"]
    running = lines(send(project, db_url, "app/visit", {"user": "u1"}))
    assert running == [
        f'  weekly: not started: a run with the key "u1" is still running ({first};'
        " if_running: skip)"
    ]
    finish_due_runs(project, db_url)
    held = lines(send(project, db_url, "app/visit", {"user": "u1"}))
    assert len(held) == 1 and held[0].startswith(
        '  weekly: not started: a run with the key "u1" started at 20'
    )
    assert f"({first}); reentry_after lets the next start from 20" in held[0]
    waiting = json.loads(
        send(project, db_url, "app/order", {"user": "u2"}, "--format", "json").stdout
    )["started"][0]
    finish_due_runs(project, db_url)  # it waits for app/never now
    still = lines(send(project, db_url, "app/order", {"user": "u2"}))
    assert still == [
        f'  single: not started: a run with the key "u2" is still waiting ({waiting};'
        " if_running: skip)"
    ]


def test_a_debounced_event_and_a_cron_campaign(project: Path, db_url: str) -> None:
    [burst] = lines(send(project, db_url, "shop/cart", {"cart": "c1"}))
    assert burst.startswith("  carts: debounced: its run starts after 30m without another event")
    assert "at the latest)" in burst
    expected = (
        "not started: it starts on its cron schedule only (0 9 * * 1, Europe/Paris), never on"
        " a sent event; to run a tick now: flow run workflows/digest.yaml --tick"
    )
    assert lines(send(project, db_url, "flow/cron", {})) == [f"  digest: {expected}"]
    assert lines(send(project, db_url, "digest", {})) == [f"  digest: {expected}"]
    assert lines(send(project, db_url, "app/nothing", {})) == [
        "  no campaign starts on app/nothing and no run is waiting for it"
    ]


def test_json_is_what_the_event_api_answers_per_event(project: Path, db_url: str) -> None:
    ran = send(project, db_url, "app/signup", {"email": "a@b.c", "plan": "pro"}, "--format", "json")
    shown = json.loads(ran.stdout)
    assert shown["id"].startswith("evt_") and shown["duplicate"] is False
    assert (shown["started"], shown["woken"]) == ([], [])
    trial, welcome = shown["campaigns"]
    assert trial == {
        "campaign": "trial",
        "run": None,
        "reason": "if_false",
        "message": "its if was false (event.data.plan == 'trial')",
        "field": "if",
        "expression": "event.data.plan == 'trial'",
        "location": "workflows/trial.yaml:4:7",
    }
    assert welcome["reason"] == "expression_error"
    assert welcome["location"] == "workflows/welcome.yaml:4:7"
    assert welcome["error"] == "no such member in mapping: 'user' in 'event.data.user.id > 0'"
