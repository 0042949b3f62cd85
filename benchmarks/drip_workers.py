"""One against two worker processes on PostgreSQL, on the seed campaign.

N signups are recorded first (not timed); then K worker processes drive them
all to completion, each claiming batches with FOR UPDATE SKIP LOCKED, and the
wall time is measured until every run has completed. The workers share a fast
clock (one real second is ``--speed`` seconds of campaign time, starting at the
same instant in every process), so the three days' wait and the one-day sleeps
pass in a fraction of a second and the figure measures the engine and the
database, not the campaign's calendar. Nobody clicks: every run takes the
timeout path (welcome email, wait, check_plan, trial offer).

    python benchmarks/drip_workers.py --db postgresql+psycopg://postgres@127.0.0.1/postgres

The last line is one JSON object: {"runs": N, "seconds": {"1": S1, "2": S2}, "speedup": S1/S2}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _databases import describe, fresh_database  # noqa: E402

from interpreter.core.model import FINISHED  # noqa: E402
from interpreter.daemon.setup import load_campaigns, open_engine  # noqa: E402

CAMPAIGN = ROOT / "workflows" / "signup-drip.yaml"
# Emails go to tmpfs when there is one, as in drip.py: a file costs more than a step on disk.
_SHM = "/dev/shm" if Path("/dev/shm").is_dir() else None
SECRETS = {"APP_DATABASE_URL": f"sqlite:///{ROOT}/workflows/demo/app.db"}


class FastClock:
    """Campaign time that runs ``speed`` times faster than real time from a
    shared origin, so every process agrees on it."""

    def __init__(self, origin_real: float, origin: datetime, speed: float) -> None:
        self._origin_real = origin_real
        self._origin = origin
        self._speed = speed

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.time() - self._origin_real) * self._speed)


def _worker(db_url: str, outbox: str, origin_real: float, speed: float, batch: int) -> None:
    clock = FastClock(origin_real, datetime(2026, 1, 5, 9, tzinfo=UTC), speed)
    # Leases are measured on the engine's clock: 60 real seconds of it.
    engine = open_engine(
        load_campaigns([CAMPAIGN]),
        db_url=db_url,
        clock=clock,
        data_dir=Path(outbox),
        secrets=SECRETS,
        lease_seconds=int(60 * speed),
    )
    engine.batch = batch
    while True:
        if engine.drive_once():
            continue
        counts = engine.store.count_runs_by_status(clock.now())
        if not any(n for status, (n, _) in counts.items() if status not in FINISHED):
            break
        time.sleep(0.002)
    engine.store.close()


def _measure(server: str, runs: int, workers: int, speed: float, batch: int) -> float:
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="flow-bench-", dir=_SHM))
        db_url = stack.enter_context(fresh_database(server, Path(scratch)))
        origin_real = time.time()
        clock = FastClock(origin_real, datetime(2026, 1, 5, 9, tzinfo=UTC), speed)
        engine = open_engine(
            load_campaigns([CAMPAIGN]), db_url=db_url, clock=clock, secrets=SECRETS
        )
        from interpreter.daemon.ingest import EventIn

        engine.ingest_many(
            [
                EventIn(
                    "app/signup.completed",
                    {"user": {"id": n, "email": f"user{n}@example.com", "first_name": f"U{n}"}},
                )
                for n in range(runs)
            ]
        )
        context = multiprocessing.get_context("spawn")
        processes = [
            context.Process(target=_worker, args=(db_url, scratch, origin_real, speed, batch))
            for _ in range(workers)
        ]
        started = time.perf_counter()
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        seconds = time.perf_counter() - started
        statuses: dict[str, int] = {}
        for record in engine.store.list_runs(limit=runs + 10):
            statuses[record.status] = statuses.get(record.status, 0) + 1
        engine.store.close()
    print(
        f"{workers} worker process(es): {runs} runs in {seconds:.2f} s "
        f"({runs / seconds:.0f} runs/s); statuses {statuses}"
    )
    if statuses != {"completed": runs}:
        print("error: not every run completed", file=sys.stderr)
        sys.exit(1)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument(
        "--db",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL (a fresh database is made per measurement)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1e6,
        help="campaign seconds per real second (default: 3 days in 0.26 s)",
    )
    parser.add_argument("--batch", type=int, default=256, help="runs claimed per transaction")
    arguments = parser.parse_args()
    print(f"database: {describe(arguments.db)}")
    one = _measure(arguments.db, arguments.runs, 1, arguments.speed, arguments.batch)
    two = _measure(arguments.db, arguments.runs, 2, arguments.speed, arguments.batch)
    print(
        json.dumps(
            {
                "runs": arguments.runs,
                "seconds": {"1": round(one, 3), "2": round(two, 3)},
                "speedup": round(one / two, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
