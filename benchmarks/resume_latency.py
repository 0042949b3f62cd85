"""Event to resumed step: how long a waiting run takes to resume after its
event is recorded, with a real ``flow serve`` daemon doing the work.

N runs are started and left waiting for an event; then the events are sent
one at a time, ``--gap`` apart, from this process (another process than the
daemon's, as an HTTP handler or ``flow send`` would be). The latency of one
event runs from the moment the event is handed to the engine here (its commit
counts) to the moment the daemon's commit of the resolved wait becomes
visible: a watcher thread here reads new step rows every millisecond, on its
own connection, so a figure includes up to about a millisecond of polling (a
step row's ``finished_at`` is stamped before its commit, so it would leave
the commit out). Both moments are read from this machine's clock. On
PostgreSQL the daemon is woken by LISTEN/NOTIFY; its poll interval is set to a
minute so that polling cannot help. On SQLite
nothing crosses processes but the daemon's poll (default 0.2 s).

    python benchmarks/resume_latency.py --db postgresql+psycopg://postgres@127.0.0.1/postgres

The last line is one JSON object: {"events": N, "p50_ms": ..., "p99_ms": ...}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _databases import describe, fresh_database  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from interpreter.daemon.clock import RealClock  # noqa: E402
from interpreter.daemon.setup import load_campaigns, open_engine  # noqa: E402
from interpreter.store import tables  # noqa: E402
from interpreter.store.database import normalize_url  # noqa: E402

FLOW = str(Path(sys.executable).with_name("flow"))
CAMPAIGN = """
id: resume
on: {event: bench/start}
steps:
  - id: wait_for_go
    wait_for_event:
      event: bench/go
      if: async.data.n == event.data.n
      timeout: 1d
  - id: done
    action: log
    with: {message: done}
"""


def _wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


class CommitWatcher(threading.Thread):
    """Notes when each run's resolved wait first becomes visible to a reader."""

    def __init__(self, db_url: str) -> None:
        super().__init__(daemon=True)
        self.seen: dict[str, datetime] = {}
        self.stop = threading.Event()
        self._engine = create_engine(normalize_url(db_url))

    def run(self) -> None:
        steps = tables.steps.c
        last = 0
        with self._engine.connect() as connection:
            while not self.stop.is_set():
                rows = connection.execute(
                    select(steps.seq, steps.run_id)
                    .where(steps.seq > last, steps.step_id == "wait_for_go")
                    .order_by(steps.seq)
                ).all()
                connection.rollback()  # the next read sees newer commits
                now = datetime.now(UTC)
                for seq, run_id in rows:
                    self.seen.setdefault(run_id, now)
                    last = max(last, seq)
                time.sleep(0.001)
        self._engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument(
        "--db",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="database server URL (a fresh database is made), or a SQLite URL",
    )
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between events")
    parser.add_argument("--concurrency", type=int, default=2)
    arguments = parser.parse_args()

    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="flow-bench-")))
        db_url = stack.enter_context(fresh_database(arguments.db, scratch))
        workflows = scratch / "workflows"
        workflows.mkdir()
        (workflows / "resume.yaml").write_text(CAMPAIGN)
        engine = open_engine(load_campaigns([workflows]), db_url=db_url, clock=RealClock())
        log = (scratch / "serve.log").open("wb")
        poll = "60" if db_url.startswith("postgresql") else "0.2"
        daemon = subprocess.Popen(
            [
                FLOW,
                "serve",
                "--port",
                "0",
                "--db",
                db_url,
                "--workflows",
                str(workflows),
                "--concurrency",
                str(arguments.concurrency),
                "--poll",
                poll,
                "--log-format",
                "json",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=scratch,
        )
        try:
            for n in range(arguments.events):
                engine.ingest("bench/start", {"n": n})

            def all_waiting() -> bool:
                runs = engine.store.list_runs(status="waiting", limit=arguments.events + 1)
                return len(runs) == arguments.events

            _wait_until(all_waiting, 120, "every run to wait")
            watcher = CommitWatcher(db_url)
            watcher.start()
            sent: dict[int, datetime] = {}
            for n in range(arguments.events):
                sent[n] = datetime.now(UTC)  # the sender's moment: the commit is counted in
                engine.ingest("bench/go", {"n": n})
                time.sleep(arguments.gap)

            def all_done() -> bool:
                runs = engine.store.list_runs(status="completed", limit=arguments.events + 1)
                return len(runs) == arguments.events

            _wait_until(all_done, 120, "every run to resume")
            _wait_until(lambda: len(watcher.seen) == arguments.events, 10, "the watcher")
            watcher.stop.set()
            watcher.join()
            latencies: list[float] = []
            for record in engine.store.list_runs(limit=arguments.events + 1):
                n = int(record.state["event"]["data"]["n"])
                latencies.append((watcher.seen[record.id] - sent[n]).total_seconds() * 1000)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            log.close()
            engine.store.close()

    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"database: {describe(arguments.db)}; {arguments.concurrency} worker thread(s); "
        f"events {arguments.gap * 1000:.0f} ms apart"
    )
    print(
        f"event -> resumed step: min {latencies[0]:.1f} ms, p50 {p50:.1f} ms, "
        f"p90 {latencies[int(len(latencies) * 0.9)]:.1f} ms, p99 {p99:.1f} ms, "
        f"max {latencies[-1]:.1f} ms"
    )
    print(json.dumps({"events": len(latencies), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1)}))


if __name__ == "__main__":
    main()
