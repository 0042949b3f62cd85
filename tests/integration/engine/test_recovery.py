"""Recovery on a real store: retry a failed run, replay runs from their events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from interpreter.daemon.recovery import (
    NotRetryable,
    replay_of,
    replay_runs,
    retry_run,
    select_replay,
)
from interpreter.errors import UsageError
from interpreter.store import Store
from tests.integration.engine._engine_harness import START, Harness, campaign_from_text


class Provider(ThreadingHTTPServer):
    """Answers 400 until ``fixed``; records each request's idempotency key."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fixed = False
        self.keys: list[str | None] = []


class _Handler(BaseHTTPRequestHandler):
    server: Provider

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.keys.append(self.headers.get("Idempotency-Key"))
        status, body = (200, b'{"ok": true}') if self.server.fixed else (400, b"bad field")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _campaign(tmp_path: Path, url: str, version: str = "v1") -> str:
    return f"""
id: crm-sync
on: {{event: app/signup.completed}}
idempotency: event.data.user.id
steps:
  - id: greet
    action: log
    with: {{message: "hello {version}"}}
  - id: pause
    sleep: 1h
  - id: push
    action: http.request
    with: {{url: "{url}", method: POST, json: {{id: "${{ event.data.user.id }}"}}}}
  - id: done
    action: log
    with: {{message: "pushed {version}"}}
"""


def _harness(store: Store, tmp_path: Path, url: str, version: str = "v1") -> Harness:
    text = _campaign(tmp_path, url, version)
    return Harness(store, [campaign_from_text(text, tmp_path)], tmp_path, secrets={})


def test_retry_resumes_at_the_failed_step_and_keeps_what_came_before(
    store: Store, tmp_path: Path, provider: Provider
) -> None:
    harness = _harness(store, tmp_path, f"http://127.0.0.1:{provider.server_port}/crm")
    run_id = harness.signup(7)
    harness.run_until()
    failed = harness.detail(run_id)
    assert failed.run.status == "failed" and failed.run.state["error"]["step"] == "push"

    provider.fixed = True
    harness.clock.advance_to(START + timedelta(days=1))
    result = retry_run(harness.engine, run_id)

    assert (result.step_id, result.applied, result.status) == ("push", True, "completed")
    detail = harness.detail(run_id)
    timeline = [(s.step_id, s.attempt, s.status) for s in detail.steps]
    assert timeline == [
        ("greet", 1, "ok"),
        ("pause", 1, "ok"),
        ("push", 1, "error"),  # the failure stays on the timeline
        ("push", 2, "ok"),  # the retry: the attempt numbers go on
        ("done", 1, "ok"),
    ]
    assert detail.steps[3].finished_at == START + timedelta(days=1)
    assert detail.run.state["steps"]["push"]["output"]["status"] == 200
    # One visit, one key: the provider can tell the retry from a new request.
    assert len(provider.keys) == 2 and provider.keys[0] == provider.keys[1] == f"{run_id}:push:1"


def test_retry_refuses_runs_that_did_not_fail_and_changes_nothing(
    store: Store, tmp_path: Path, provider: Provider
) -> None:
    provider.fixed = True
    harness = _harness(store, tmp_path, f"http://127.0.0.1:{provider.server_port}/crm")
    run_id = harness.signup(8)
    harness.run_until(timedelta(minutes=1))
    assert harness.detail(run_id).run.status == "sleeping"

    with pytest.raises(NotRetryable, match="is sleeping; only a failed run"):
        retry_run(harness.engine, run_id)

    assert harness.detail(run_id).run.status == "sleeping"


def test_retry_uses_the_pinned_definition_not_the_current_file(
    store: Store, tmp_path: Path, provider: Provider
) -> None:
    url = f"http://127.0.0.1:{provider.server_port}/crm"
    old = _harness(store, tmp_path, url, "v1")
    run_id = old.signup(9)
    old.run_until()
    assert old.detail(run_id).run.status == "failed"

    provider.fixed = True
    (tmp_path / "v2").mkdir()
    new = _harness(store, tmp_path / "v2", url, "v2")  # the campaign was edited since
    retry_run(new.engine, run_id)

    done = [s for s in new.detail(run_id).steps if s.step_id == "done"]
    assert [s.input for s in done] == [{"message": "pushed v1"}]


def test_replay_starts_fresh_runs_from_the_trigger_events_of_the_selection(
    store: Store, tmp_path: Path, provider: Provider
) -> None:
    harness = _harness(store, tmp_path, f"http://127.0.0.1:{provider.server_port}/crm")
    first = harness.signup(1)
    harness.clock.advance_to(START + timedelta(hours=2))
    second = harness.signup(2)
    harness.run_until()
    third = harness.signup(3)  # started after the window below
    harness.engine.cancel(third)
    harness.run_until()
    assert {harness.detail(r).run.status for r in (first, second)} == {"failed"}

    window = (START + timedelta(hours=1), START + timedelta(days=30))
    assert [r.id for r in select_replay(store, "crm-sync", "failed")] == [first, second]
    selected = select_replay(store, "crm-sync", "failed", *window)
    assert [r.id for r in selected] == [second]
    assert [r.id for r in select_replay(store, "crm-sync", "cancelled")] == [third]
    # Selecting is a dry run: it changes nothing.
    assert select_replay(store, "crm-sync", "failed", *window) == selected
    assert len(store.list_runs(workflow_id="crm-sync")) == 3

    provider.fixed = True
    results = replay_runs(harness.engine, selected)
    harness.run_until()

    assert [(r.original_id, r.skipped) for r in results] == [(second, None)]
    new_id = results[0].run_id
    assert new_id is not None
    replayed = harness.detail(new_id).run
    assert replayed.status == "completed"
    assert replayed.trigger_event_id == harness.detail(second).run.trigger_event_id
    assert replay_of(replayed) == second
    assert replayed.state["event"]["data"]["user"]["id"] == 2
    # Once replayed, a run leaves the selection: replaying again starts nothing.
    assert select_replay(store, "crm-sync", "failed", *window) == []
    assert replay_runs(harness.engine, selected)[0].skipped == "already replayed"


def test_replay_refuses_statuses_other_than_failed_or_cancelled(store: Store) -> None:
    with pytest.raises(UsageError, match="failed or cancelled"):
        select_replay(store, "crm-sync", "completed")
