"""`flow run --simulate`, `flow graph` and `flow runs show` on a campaign with a
split, on_error around a lookup, and a run timeout, in-process through
``main(argv)``; the lookup hits a real loopback HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from interpreter.core._split import bucket_of, path_for
from interpreter.language.definitions import SplitStep
from interpreter.language.loader import load_workflow
from tests._cli import Ran, run_flow

CAMPAIGN = """\
id: paths-demo
on: {event: app/signup}
timeout: 2d
steps:
  - id: lookup
    action: http.request
    with: {url: "%s/contacts/${ event.data.user.id }"}
    on_error: continue
  - id: offer
    split:
      key: event.data.user.id
      paths:
        - {name: a, weight: 50, next: note_a}
        - {name: b, weight: 50, next: note_b}
  - id: note_a
    action: log
    with: {message: "a: ${ steps.lookup.error.message }"}
    next: wait
  - id: note_b
    action: log
    with: {message: "b: ${ steps.lookup.error.message }"}
  - id: wait
    wait_for_event: {event: app/paid}
  - id: thanks
    action: log
    with: {message: thanks}
"""


class _NotFound(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b'{"error": "no such contact"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def crm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def campaign(tmp_path: Path, crm: str) -> Path:
    file = tmp_path / "paths-demo.yaml"
    file.write_text(CAMPAIGN % crm, encoding="utf-8")
    return file


def flow(*arguments: str, cwd: Path) -> Ran:
    return run_flow(arguments, cwd=cwd)


def _expected_path(file: Path, user_id: int) -> str:
    workflow, _ = load_workflow(file)
    assert workflow is not None
    step = workflow.step("offer")
    assert isinstance(step, SplitStep)
    return path_for(bucket_of("paths-demo", "offer", str(user_id)), step.paths).name


def test_run_simulate_shows_the_failure_the_path_and_the_timeout(
    campaign: Path, tmp_path: Path
) -> None:
    event = '{"data": {"user": {"id": 7}}}'
    result = flow("run", str(campaign), "--event", event, "--simulate", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # timed out: not completed
    out = result.stdout
    path = _expected_path(campaign, 7)
    assert "failed for good after 1 attempt, went on to offer" in out
    assert f"took path {path} (bucket {bucket_of('paths-demo', 'offer', '7')})" in out
    assert "the run's timeout ran out at" in out
    assert out.rstrip().endswith("timed_out after 2d")
    assert "Traceback" not in result.stderr

    as_json = flow(
        "run", str(campaign), "--event", event, "--simulate", "--format", "json", cwd=tmp_path
    )
    *entries, summary = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert summary["status"] == "timed_out" and summary["duration"] == 2 * 86400.0
    kinds = [(e["step"], e["kind"], e.get("status")) for e in entries]
    assert kinds == [
        ("lookup", "http.request", "error"),
        ("lookup", "on_error", "error"),
        ("offer", "split", "ok"),
        (f"note_{path}", "log", "ok"),
        ("wait", "timed_out", "error"),
    ]
    error = entries[1]["output"]["error"]
    assert error["attempts"] == 1 and error["retryable"] is False
    assert "404" in error["message"]
    assert entries[1]["output"]["next"] == "offer"


def test_graph_draws_the_split_and_the_error_edge(campaign: Path, tmp_path: Path) -> None:
    result = flow("graph", str(campaign), "--format", "mermaid", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 's_offer -->|"a 50%"| s_note_a' in result.stdout
    assert 's_lookup -.->|"on error"| s_offer' in result.stdout


def test_lint_points_at_a_bad_split_and_on_error(campaign: Path, tmp_path: Path) -> None:
    text = campaign.read_text()
    text = text.replace("weight: 50, next: note_a", "weight: 0, next: note_a")
    text = text.replace("weight: 50, next: note_b", "weight: 0, next: note_bb")
    text = text.replace("on_error: continue", "on_error: {next: offr}")
    campaign.write_text(text)
    result = flow("lint", str(campaign), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    name = str(campaign)
    assert (
        f"{name}:8:22: error unknown-target there is no step 'offr' to go to; did you mean 'offer'?"
        in lines
    )
    assert any(line.startswith(f"{name}:12:7: error split-weights ") for line in lines)
    assert any(line.startswith(f"{name}:14:38: error unknown-target ") for line in lines)
