"""The rate achieved through policies.yaml's ``send_rate``, with one and two
worker processes on PostgreSQL.

A folder holds a one-step campaign (an ``email.send`` to the outbox, on tmpfs)
and ``policies.yaml`` with ``send_rate: {limit: L, period: P}``. N signups are
recorded first (not timed), so the queue's backlog is long from the start;
then K worker processes on the real clock drive every run to completion. The
figures come from the send steps' recorded start times:

- achieved rate: (N - L) sends over the time from the first start to the last
  (with a backlog, the ideal is exactly L / P: the last L start (N / L - 1)
  periods after the first L);
- the most starts any span of P held (the rule says at most L), and the least
  time between the k-th start and the (k - L)-th (the rule says P). These are
  the steps' recorded starts, read a few milliseconds after the queue stamped
  the start (its commit lies between), so they may fall short of P by that.

    python benchmarks/throttle.py --db postgresql+psycopg://postgres@127.0.0.1/postgres

The last line is one JSON object: {"configured": L/P, "sends": N, "workers": {"1":
{"rate": ..., "of_configured": ..., "most_in_a_period": ...}, "2": {...}}}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _databases import describe, fresh_database  # noqa: E402

from interpreter.core.model import FINISHED  # noqa: E402
from interpreter.daemon.clock import RealClock  # noqa: E402
from interpreter.daemon.ingest import EventIn  # noqa: E402
from interpreter.daemon.setup import load_campaigns, open_engine  # noqa: E402
from interpreter.daemon.worker import work  # noqa: E402
from interpreter.store.database import open_store  # noqa: E402

CAMPAIGN = """\
id: notify
on: {event: app/notify}
steps:
  - id: hello
    action: email.send
    with: {to: "user${ event.data.n }@example.com", from: "a@example.com", subject: Hi, text: hi}
"""
_SHM = "/dev/shm" if Path("/dev/shm").is_dir() else None


def _worker(folder: str, db_url: str) -> None:
    """``flow worker``'s own loop (``work``), stopped once every run has finished."""
    engine = open_engine(
        load_campaigns([Path(folder)]), db_url=db_url, clock=RealClock(), data_dir=Path(folder)
    )
    stop = threading.Event()

    def watch() -> None:
        with open_store(db_url) as store:
            while not stop.wait(0.5):
                counts = store.count_runs_by_status(RealClock().now())
                if not any(n for status, (n, _) in counts.items() if status not in FINISHED):
                    stop.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    work(engine, stop, poll=timedelta(milliseconds=200))
    watcher.join()
    engine.store.close()


def _most_in_a_period(starts: list[float], period: float) -> int:
    best, first = 0, 0
    for last, moment in enumerate(starts):
        while moment - starts[first] >= period:
            first += 1
        best = max(best, last - first + 1)
    return best


def _measure(server: str, sends: int, limit: int, period: float, workers: int) -> dict[str, float]:
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=_SHM)))
        db_url = stack.enter_context(fresh_database(server, scratch))
        folder = scratch / "workflows"
        folder.mkdir()
        (folder / "notify.yaml").write_text(CAMPAIGN)
        (folder / "policies.yaml").write_text(
            f"send_rate: {{limit: {limit}, period: {period:g}s}}\n"
        )
        engine = open_engine(load_campaigns([folder]), db_url=db_url, clock=RealClock())
        engine.ingest_many([EventIn("app/notify", {"n": n}) for n in range(sends)])
        engine.store.close()
        context = multiprocessing.get_context("spawn")
        processes = [
            context.Process(target=_worker, args=(str(folder), db_url)) for _ in range(workers)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        with open_store(db_url) as store:
            runs = store.list_runs(limit=sends + 10)
            statuses = {run.status for run in runs}
            starts = sorted(
                step.started_at.timestamp()
                for run in runs
                for step in store.get_run(run.id).steps
                if step.kind == "email.send"
            )
    if statuses != {"completed"} or len(starts) != sends:
        print(f"error: statuses {statuses}, {len(starts)} sends of {sends}", file=sys.stderr)
        sys.exit(1)
    rate = (sends - limit) / (starts[-1] - starts[0])
    configured = limit / period
    figures = {
        "rate": round(rate, 3),
        "of_configured": round(rate / configured, 4),
        "most_in_a_period": _most_in_a_period(starts, period),
        # The k-th recorded start less the (k - L)-th: the rule says at least P.
        "closest": round(min(b - a for a, b in zip(starts, starts[limit:], strict=False)), 4),
        "seconds": round(starts[-1] - starts[0], 3),
    }
    print(
        f"{workers} worker process(es): {sends} sends at {rate:.3f}/s "
        f"({rate / configured:.2%} of {configured:g}/s), at most "
        f"{figures['most_in_a_period']} starts in any {period:g}s; the k-th start came "
        f"{figures['closest']:.4f}s or more after the (k-{limit})-th"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=400)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--period", type=float, default=1.0, help="seconds")
    parser.add_argument(
        "--db",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL (a fresh database is made per measurement)",
    )
    arguments = parser.parse_args()
    for name in ("FLOW_SMTP_URL", "FLOW_EMAIL_PROVIDER"):  # the outbox, never a real server
        os.environ.pop(name, None)
    print(f"database: {describe(arguments.db)}")
    results = {
        str(workers): _measure(
            arguments.db, arguments.sends, arguments.limit, arguments.period, workers
        )
        for workers in (1, 2)
    }
    print(
        json.dumps(
            {
                "configured": arguments.limit / arguments.period,
                "period": arguments.period,
                "sends": arguments.sends,
                "workers": results,
            }
        )
    )


if __name__ == "__main__":
    main()
