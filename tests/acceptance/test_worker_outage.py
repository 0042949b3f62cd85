"""`flow worker` rides out a PostgreSQL outage: it retries with backoff, logs
once when the outage starts and once when it ends, and finishes every run.

The outage is real but ours alone: the worker reaches its own test database
through a TCP proxy on loopback, which the test cuts (every connection closed,
new ones refused) and restores, so no other test's database is disturbed."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from interpreter.daemon.clock import RealClock
from interpreter.daemon.setup import load_campaigns, open_engine
from interpreter.store.database import open_store

FLOW = str(Path(sys.executable).with_name("flow"))
CAMPAIGN = """
id: outage
on: {event: outage/go}
steps:
  - id: one
    action: log
    with: {message: "one ${ event.data.n }"}
  - id: nap
    sleep: 2s
  - id: two
    action: log
    with: {message: two}
"""


class Proxy:
    """Forwards 127.0.0.1:<port> to the database server until ``cut``; ``restore``
    listens on the same port again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.restore()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener is not None:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1.0)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
        except (OSError, ValueError):
            return
        finally:
            a.close()
            b.close()


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return value


def completed(db_url: str) -> int:
    with open_store(db_url) as store:
        return sum(r.status == "completed" for r in store.list_runs(limit=1000))


@pytest.mark.postgres
def test_flow_worker_retries_through_a_database_outage(postgres_url: str, tmp_path: Path) -> None:
    campaign = tmp_path / "outage.yaml"
    campaign.write_text(CAMPAIGN)
    engine = open_engine(load_campaigns([campaign]), db_url=postgres_url, clock=RealClock())
    for n in range(20):
        engine.ingest("outage/go", {"n": n})
    url = make_url(postgres_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [FLOW, "worker", "--db", proxied, "--workflows", str(campaign)],
            env={**os.environ, "FLOW_LEASE_SECONDS": "5"},
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        wait_for(lambda: "Ctrl-C to stop" in log.read_text(), "the worker to start")
        proxy.cut()  # the batch in hand cannot commit; its runs wait out their lease (5 s)
        for n in range(20, 30):  # work that arrives during the outage
            engine.ingest("outage/go", {"n": n})
        time.sleep(4)
        assert worker.poll() is None, log.read_text()[-3000:]
        proxy.restore()
        wait_for(lambda: completed(postgres_url) == 30, "every run to complete")
        assert worker.poll() is None, log.read_text()[-3000:]
        text = log.read_text()
        assert "failed attempt(s)" in text
        retries = int(text.split(" failed attempt(s)")[0].rsplit(" ", 1)[1])
        assert retries >= 3, text[-3000:]  # backed off through the whole outage
        assert text.count("the database is unavailable") == 1, text[-3000:]
        assert text.count("reachable again") == 1, text[-3000:]
        assert "Traceback" not in text
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
        proxy.cut()
        engine.store.close()
    assert code == 0, log.read_text()[-3000:]
