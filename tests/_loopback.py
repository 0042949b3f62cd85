"""Real servers on 127.0.0.1 for the tests that talk to flow: uvicorn serving an
app in-process, and a real ``flow serve`` subprocess, each on a free port."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

FLOW = str(Path(sys.executable).with_name("flow"))
# The line `flow serve` logs once it listens, in text and in JSON log format.
LISTENING = re.compile(r"flow serve on http://[^:\s]+:(\d+)")


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) until the block ends; yields its URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.005)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    """Poll ``condition`` every 50 ms until it is truthy; returns its value."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


class Served:
    """A running ``flow serve``: its process, URL and what it has logged."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, offset: int) -> None:
        self.process = process
        self.log = log
        self.offset = offset  # where this daemon's lines begin in a shared log
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_bytes()[self.offset :].decode(errors="replace")

    def get(self, path: str) -> int:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as answer:
            return int(answer.status)

    def healthy(self) -> bool:
        try:
            return self.get("/healthz") == 200
        except (urllib.error.URLError, OSError):
            return False


@contextmanager
def flow_serve(
    *arguments: str, cwd: Path, env: Mapping[str, str], log: Path, port: int = 0
) -> Iterator[Served]:
    """``flow serve --port PORT ARGUMENTS`` in ``cwd``, its output appended to
    ``log``; yields once it answers ``/healthz``, and kills it at the end if
    the block has not stopped it. Port 0 lets the daemon pick a free port,
    read back from the line it logs."""
    offset = log.stat().st_size if log.exists() else 0
    with log.open("ab") as output:
        process = subprocess.Popen(
            [FLOW, "serve", "--port", str(port), *arguments],
            cwd=cwd,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, log, offset)
    try:

        def listening() -> re.Match[str] | None:
            assert process.poll() is None, served.output()[-3000:]
            return LISTENING.search(served.output())

        served.port = int(wait_for(listening, "flow serve to listen").group(1))
        wait_for(served.healthy, "flow serve to answer /healthz", 30)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
