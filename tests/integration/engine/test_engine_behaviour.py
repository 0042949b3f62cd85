"""What the engine promises beyond the happy paths: the wait race, retries,
failures with locations, pinned definitions, secrets kept out of the database."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from interpreter.actions.base import JSON, Action, ActionContext
from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.engine import Engine
from interpreter.store import Store
from interpreter.store.records import Delivery
from tests.integration.engine._engine_harness import (
    START,
    Harness,
    campaign_from_text,
    seed_campaign,
)

SECRET = "postgresql://app:hunter2-very-secret@db.internal/app"


class ClickWhileSending:
    """``email.send`` that, like a fast reader, clicks the welcome email before
    the send has even returned: the event lands before the wait is stored."""

    name = "email.send"

    def __init__(self, inner: Action, engine: list[Engine]) -> None:
        self.inner = inner
        self.engine = engine

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        output = self.inner(arguments, context)
        if context.step_id == "welcome_email":
            self.engine[0].ingest("resend/email.clicked", {"email_id": output["id"]})
        return output


def test_an_event_that_arrives_before_the_wait_is_stored_still_matches(
    store: Store, tmp_path: Path
) -> None:
    engine_box: list[Engine] = []
    actions = dict(build_actions(email_transport=CapturingTransport()))
    actions["email.send"] = ClickWhileSending(actions["email.send"], engine_box)
    harness = Harness(store, [seed_campaign()], tmp_path, actions=actions)
    engine_box.append(harness.engine)
    run_id = harness.signup(1)
    harness.run_until()
    executed = [step for step, _ in harness.executed(run_id)]
    assert "send_power_user_tips" in executed
    wait = next(s for s in harness.detail(run_id).steps if s.step_id == "wait_for_engagement")
    assert wait.output is not None and wait.finished_at == START


RETRYING = """
id: retrying
on: {event: ping}
retry: {attempts: 3, initial_delay: 10s, factor: 2, jitter: 0}
steps:
  - id: call
    action: http.request
    with: {url: "URL", method: POST, json: {n: 1}}
"""


class FlakyServer(BaseHTTPRequestHandler):
    failures_left: ClassVar[int] = 0
    keys: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        type(self).keys.append(self.headers.get("Idempotency-Key", ""))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def flaky_url() -> Iterator[str]:
    FlakyServer.keys = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_a_5xx_is_retried_with_backoff_and_the_same_idempotency_key(
    store: Store, tmp_path: Path, flaky_url: str
) -> None:
    FlakyServer.failures_left = 2
    campaign = campaign_from_text(RETRYING.replace("URL", flaky_url), tmp_path)
    harness = Harness(store, [campaign], tmp_path, secrets={})
    run_id = harness.engine.ingest("ping", {}).started[0]
    harness.run_until()
    detail = harness.detail(run_id)
    assert detail.run.status == "completed"
    attempts = [(s.attempt, s.status, s.finished_at - START) for s in detail.steps]
    assert attempts == [
        (1, "error", timedelta(0)),
        (2, "error", timedelta(seconds=10)),
        (3, "ok", timedelta(seconds=30)),
    ]
    assert len(set(FlakyServer.keys)) == 1 and len(FlakyServer.keys) == 3


def test_retries_exhausted_fail_the_run_with_the_error(
    store: Store, tmp_path: Path, flaky_url: str
) -> None:
    FlakyServer.failures_left = 10
    campaign = campaign_from_text(RETRYING.replace("URL", flaky_url), tmp_path)
    harness = Harness(store, [campaign], tmp_path, secrets={})
    run_id = harness.engine.ingest("ping", {}).started[0]
    harness.run_until()
    run = harness.detail(run_id).run
    assert run.status == "failed"
    assert run.state["error"]["step"] == "call"
    assert "503" in run.state["error"]["message"]
    assert store.next_wake_at() is None


BROKEN_IF = """
id: broken-if
on: {event: ping}
steps:
  - id: greet
    if: event.data.count > 1
    action: log
    with: {message: hi}
"""


def test_a_cel_error_in_a_step_if_fails_the_run_at_the_expression(
    store: Store, tmp_path: Path
) -> None:
    campaign = campaign_from_text(BROKEN_IF, tmp_path)
    harness = Harness(store, [campaign], tmp_path, secrets={})
    run_id = harness.engine.ingest("ping", {"count": "three"}).started[0]
    harness.run_until()
    run = harness.detail(run_id).run
    assert run.status == "failed"
    assert run.state["error"]["step"] == "greet"
    assert run.state["error"]["location"].endswith("campaign.yaml:6:9")


SECRETIVE = """
id: secretive
on: {event: ping}
secrets: [APP_DATABASE_URL]
steps:
  - id: note
    action: log
    with: {message: "connecting to ${ secrets.APP_DATABASE_URL }"}
"""


def test_secret_values_never_reach_the_database(sqlite_url: str, tmp_path: Path) -> None:
    from interpreter.store.database import open_store

    campaign = campaign_from_text(SECRETIVE, tmp_path)
    with open_store(sqlite_url) as store:
        harness = Harness(store, [campaign], tmp_path, secrets={"APP_DATABASE_URL": SECRET})
        run_id = harness.engine.ingest("ping", {}).started[0]
        harness.run_until()
        [step] = harness.detail(run_id).steps
        assert step.input == {"message": "connecting to ***"}
    raw = Path(sqlite_url.removeprefix("sqlite:///")).read_bytes()
    assert b"hunter2" not in raw


def test_a_run_keeps_the_definition_it_started_with(store: Store, tmp_path: Path) -> None:
    first = campaign_from_text(BROKEN_IF.replace("event.data.count > 1", "true"), tmp_path)
    harness = Harness(store, [first], tmp_path, secrets={})
    old_run = harness.engine.ingest("ping", {}).started[0]
    edited = campaign_from_text(
        BROKEN_IF.replace("event.data.count > 1", "true").replace("message: hi", "message: bye"),
        tmp_path,
    )
    # A restarted process that only knows the edited file still runs the old run as it was.
    restarted = Engine(store, Campaigns(store, [edited]), harness.clock, data_dir=tmp_path)
    new_run = restarted.ingest("ping", {}).started[0]
    restarted.run_virtual(harness.clock)
    assert harness.detail(old_run).steps[0].input == {"message": "hi"}
    assert harness.detail(new_run).steps[0].input == {"message": "bye"}
    assert harness.detail(old_run).run.workflow_hash == first.content_hash != edited.content_hash


def test_a_new_engine_continues_parked_runs(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(1)
    harness.run_until(timedelta(hours=1))
    assert harness.detail(run_id).run.status == "waiting"
    later = Harness(store, [seed_campaign()], tmp_path)
    later.clock.advance_to(harness.clock.now())
    later.run_until()
    assert later.detail(run_id).run.status == "completed"
    assert [s.step_id for s in later.detail(run_id).steps].count("welcome_email") == 1


def test_cancel_applies_at_once_to_a_parked_run(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(1)
    harness.run_until(timedelta(hours=1))
    assert harness.engine.cancel(run_id)  # applied in its own transaction
    assert harness.detail(run_id).run.status == "cancelled"
    assert store.list_waits(run_id) == []
    assert not harness.engine.cancel(run_id)  # finished: nothing to cancel


def test_cancel_runs_nothing_queued_before_it(store: Store, tmp_path: Path) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(1)  # its start is queued; no step has run
    assert harness.engine.cancel(run_id, "changed my mind")
    harness.run_until(timedelta(days=7))
    detail = harness.detail(run_id)
    assert detail.run.status == "cancelled"
    assert detail.run.state["error"]["message"] == "changed my mind"
    assert detail.steps == () and harness.mail.sent == []


def test_a_cancel_a_worker_finds_supersedes_the_rest_of_its_inbox(
    store: Store, tmp_path: Path
) -> None:
    harness = Harness(store, [seed_campaign()], tmp_path)
    run_id = harness.signup(1)
    with store.transaction() as tx:  # as if a worker had held the run at cancel time
        tx.enqueue_all([Delivery(run_id, "cancel", {"reason": "stop"})], harness.clock.now())
    harness.run_until(timedelta(days=7))
    assert harness.detail(run_id).run.status == "cancelled"
    assert harness.mail.sent == []
