"""`flow runs retry`, `flow runs replay --dry-run` and `flow graph`, in-process
through ``main(argv)``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from tests._cli import ROOT, Ran, run_flow


def flow(*arguments: str, cwd: Path) -> Ran:
    return run_flow(arguments, cwd=cwd, env={**os.environ, "NO_COLOR": "1"})


class Crm(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fixed = False


class _Handler(BaseHTTPRequestHandler):
    server: Crm

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, body = (200, b"{}") if self.server.fixed else (400, b"missing field")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def crm() -> Iterator[Crm]:
    server = Crm()
    Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_failed_run_is_listed_for_replay_then_retried_to_completion(
    tmp_path: Path, crm: Crm
) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "sync.yaml").write_text(f"""
id: crm-sync
on: {{event: app/signup.completed}}
steps:
  - id: greet
    action: log
    with: {{message: hello}}
  - id: push
    action: http.request
    with: {{url: "http://127.0.0.1:{crm.server_port}/crm", method: POST, json: {{a: 1}}}}
""")
    db = ["--db", f"sqlite:///{tmp_path / 'flow.db'}"]
    first = flow(
        "run",
        "workflows/sync.yaml",
        "--event",
        '{"name": "app/signup.completed"}',
        *db,
        cwd=tmp_path,
    )
    assert first.returncode == 1, first.stderr
    listed = flow("runs", "list", "--status", "failed", "--format", "json", *db, cwd=tmp_path)
    [run] = json.loads(listed.stdout)

    dry = flow(
        "runs",
        "replay",
        "--campaign",
        "crm-sync",
        "--status",
        "failed",
        "--since",
        "1h",
        "--dry-run",
        *db,
        cwd=tmp_path,
    )
    assert dry.returncode == 0, dry.stderr
    assert run["id"] in dry.stdout and "1 run(s) would be replayed" in dry.stdout
    dry_json = flow(
        "runs",
        "replay",
        "--campaign",
        "crm-sync",
        "--status",
        "failed",
        "--dry-run",
        "--format",
        "json",
        *db,
        cwd=tmp_path,
    )
    assert [entry["run"] for entry in json.loads(dry_json.stdout)] == [run["id"]]

    crm.fixed = True
    retried = flow("runs", "retry", run["id"], *db, cwd=tmp_path)

    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.strip() == f"run {run['id']} retried at step push: completed"
    shown = json.loads(
        flow("runs", "show", run["id"], "--format", "json", *db, cwd=tmp_path).stdout
    )
    assert [(e["step"], e["attempt"], e["status"]) for e in shown["timeline"]] == [
        ("greet", 1, "ok"),
        ("push", 1, "error"),
        ("push", 2, "ok"),
    ]

    again = flow("runs", "retry", run["id"], *db, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        f"flow: run {run['id']} is completed; only a failed run can be retried"
    ]


def test_replay_refuses_a_bad_time_with_one_line(tmp_path: Path) -> None:
    result = flow(
        "runs",
        "replay",
        "--campaign",
        "x",
        "--status",
        "failed",
        "--since",
        "yesterday",
        "--dry-run",
        "--db",
        f"sqlite:///{tmp_path / 'f.db'}",
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--since" in result.stderr


def test_graph_prints_mermaid_and_writes_svg(tmp_path: Path) -> None:
    seed = str(ROOT / "workflows" / "signup-drip.yaml")

    mermaid = flow("graph", seed, "--format", "mermaid", cwd=tmp_path)
    svg = flow("graph", seed, "--output", str(tmp_path / "g.svg"), cwd=tmp_path)

    assert mermaid.returncode == 0, mermaid.stderr
    assert mermaid.stdout.startswith("flowchart TD\n")
    assert "s_route -->" in mermaid.stdout and "-.->" in mermaid.stdout
    assert svg.returncode == 0 and svg.stdout == ""
    assert (tmp_path / "g.svg").read_text().startswith("<svg ")


def test_graph_of_a_campaign_with_lint_errors_prints_them(tmp_path: Path) -> None:
    bad = "id: bad\non: {event: x}\nsteps:\n  - id: a\n    sleep: 0s\n"
    (tmp_path / "bad.yaml").write_text(bad)

    result = flow("graph", "bad.yaml", "--format", "dot", cwd=tmp_path)

    assert result.returncode == 1 and result.stdout == ""
    assert "bad.yaml:5:" in result.stderr and "bad-duration" in result.stderr
