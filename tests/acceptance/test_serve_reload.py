"""A reload replaces, never patches: through a real `flow serve`, real SIGHUPs.

Each version of the campaign declares a different secret and calls a different
path of a loopback HTTP server with it. After each of three reloads in a row, a
run started over the HTTP API runs the newest definition with the newest
secret, and the recorded step input masks that secret. A reload whose campaign
raises while it loads is refused and the last good set keeps serving."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx

from interpreter.store.database import open_store
from tests._loopback import flow_serve, wait_for

TOKENS = {n: f"token-{n}-{'x' * n}" for n in range(1, 5)}
# Raises OverflowError while it loads (or, once the language range-checks
# durations, is a lint error): either way the reload must be refused.
OVERFLOWING = """
id: hook
on: {event: app/ping}
steps:
  - id: nap
    sleep: 99999999999999999999d
"""


def campaign(version: int, hook_port: int) -> str:
    return f"""
id: hook
on: {{event: app/ping}}
secrets: [TOKEN_{version}]
steps:
  - id: call
    action: http.request
    with:
      method: POST
      url: http://127.0.0.1:{hook_port}/v{version}
      headers: {{x-token: "${{ secrets.TOKEN_{version} }}"}}
      json: {{n: "${{ event.data.n }}"}}
"""


class _Hook(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).calls.append((self.path, self.headers.get("x-token") or ""))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def hook_server() -> Iterator[tuple[int, list[tuple[str, str]]]]:
    calls: list[tuple[str, str]] = []
    handler = type("Hook", (_Hook,), {"calls": calls})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], calls
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_three_reloads_in_a_row_replace_campaigns_and_secrets(tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    log = tmp_path / "serve.log"
    env = {**os.environ, **{f"TOKEN_{n}": token for n, token in TOKENS.items()}}
    with hook_server() as (hook_port, calls):
        (workflows / "hook.yaml").write_text(campaign(1, hook_port))
        arguments = ("--db", db, "--workflows", "workflows")
        with flow_serve(*arguments, cwd=tmp_path, env=env, log=log) as served:
            daemon, base = served.process, served.url

            def ping(n: int) -> None:
                answer = httpx.post(f"{base}/e/k", json={"name": "app/ping", "data": {"n": n}})
                assert answer.status_code == 200, answer.text

            ping(1)
            wait_for(lambda: len(calls) == 1, "version 1's call")
            for version in (2, 3, 4):
                (workflows / "hook.yaml").write_text(campaign(version, hook_port))
                daemon.send_signal(signal.SIGHUP)

                def reloaded(v: int = version) -> bool:
                    return log.read_text().count("reloaded 1 campaign") == v - 1

                def called(v: int = version) -> bool:
                    return len(calls) == v

                wait_for(reloaded, f"reload {version - 1}")
                ping(version)
                wait_for(called, f"version {version}'s call")
                assert calls[-1] == (f"/v{version}", TOKENS[version]), (calls, log.read_text())

            (workflows / "hook.yaml").write_text(OVERFLOWING)
            daemon.send_signal(signal.SIGHUP)
            wait_for(lambda: "reload refused" in log.read_text(), "the refused reload")
            assert daemon.poll() is None, log.read_text()[-3000:]
            ping(5)
            wait_for(lambda: len(calls) == 5, "the last good version's call")
            assert calls[-1] == ("/v4", TOKENS[4])

            with open_store(db) as store:
                details = [store.get_run(r.id) for r in store.list_runs(limit=10)]
            assert len(details) == 5
            for detail in details:
                [step] = detail.steps
                assert step.status == "ok", step.error
                assert step.input["headers"] == {"x-token": "***"}, step.input
            assert len({detail.run.workflow_hash for detail in details}) == 4
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=30) == 0, log.read_text()[-3000:]
