"""How long delivering one event takes when N runs wait for events of its name.

N runs of the seed campaign wait on ``resend/email.clicked``, each for its own
``email_id``. Then matching click events are sent one at a time through the
engine's ingest (record the event, find the candidate waits by index, queue the
event for each candidate run, commit), and each delivery is timed.

    python benchmarks/wait_index.py --waiting 100000
    python benchmarks/wait_index.py --waiting 1000 --db postgresql+psycopg://postgres@127.0.0.1/postgres

One run is taken through the real engine up to its wait; the other N-1 are
copies of its rows with their own ids and keys, inserted in bulk, because only
the delivery is being measured. The last line is one JSON object:
{"waiting": N, "events": E, "p50_ms": ..., "p99_ms": ...}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _databases import describe, fresh_database  # noqa: E402
from sqlalchemy import create_engine, insert, select  # noqa: E402

from interpreter.daemon.clock import VirtualClock  # noqa: E402
from interpreter.daemon.engine import Engine  # noqa: E402
from interpreter.daemon.setup import load_campaigns, open_engine  # noqa: E402
from interpreter.language.wait_keys import canonical  # noqa: E402
from interpreter.store import tables  # noqa: E402
from interpreter.store.database import normalize_url  # noqa: E402

CHUNK = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    arguments = parser.parse_args()

    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="flow-bench-"))
        db_url = stack.enter_context(fresh_database(arguments.db, Path(scratch)))
        clock = VirtualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
        (campaign,) = load_campaigns([ROOT / "workflows" / "signup-drip.yaml"])
        engine = open_engine(
            [campaign],
            db_url=db_url,
            clock=clock,
            data_dir=Path(scratch),
            secrets={"APP_DATABASE_URL": "sqlite://"},
        )
        template_run = engine.ingest(
            "app/signup.completed",
            {"user": {"id": 0, "email": "user0@example.com", "first_name": "U0"}},
        ).started[0]
        engine.run_virtual(clock, until=clock.now())
        print(f"copying the waiting run {arguments.waiting - 1} times ...", file=sys.stderr)
        copy_waiting_run(db_url, template_run, arguments.waiting)

        rng = random.Random(7)
        targets = rng.sample(range(arguments.waiting), min(arguments.events, arguments.waiting))
        timings = []
        for index in targets:
            email_id = f"em_bench_{index}" if index else template_email_id(engine, template_run)
            started = time.perf_counter()
            result = engine.ingest("resend/email.clicked", {"email_id": email_id})
            timings.append((time.perf_counter() - started) * 1000)
            assert result.delivered == 1, (email_id, result)
        engine.store.close()

    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"database: {describe(arguments.db)}")
    print(
        f"{len(timings)} deliveries among {arguments.waiting} waiting runs: "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms"
    )
    print(
        json.dumps(
            {
                "waiting": arguments.waiting,
                "events": len(timings),
                "p50_ms": round(p50, 3),
                "p99_ms": round(p99, 3),
            }
        )
    )


def template_email_id(engine: Engine, run_id: str) -> str:
    state = engine.store.get_run(run_id).run.state
    return str(state["steps"]["welcome_email"]["output"]["id"])


def copy_waiting_run(db_url: str, run_id: str, total: int) -> None:
    """Insert total-1 copies of ``run_id`` (its run row and its waits), each
    waiting for its own ``email_id`` and cancellable by its own ``user_id``."""
    database = create_engine(normalize_url(db_url))
    runs, waits = tables.runs, tables.waits
    with database.begin() as connection:
        run = connection.execute(select(runs).where(runs.c.id == run_id)).mappings().one()
        own_waits = (
            connection.execute(select(waits).where(waits.c.run_id == run_id)).mappings().all()
        )
    run_row = {key: value for key, value in run.items()}
    wait_rows = [{key: value for key, value in w.items() if key != "seq"} for w in own_waits]
    for start in range(1, total, CHUNK):
        batch = range(start, min(start + CHUNK, total))
        new_runs, new_waits = [], []
        for index in batch:
            copy_id = f"run_bench_{index:08d}"
            new_runs.append(
                {
                    **run_row,
                    "id": copy_id,
                    "idempotency_key": str(index),
                    "wake_at": run_row["wake_at"] + timedelta(microseconds=index),
                }
            )
            for wait in wait_rows:
                value = f"em_bench_{index}" if wait["purpose"] == "step" else index
                new_waits.append({**wait, "run_id": copy_id, "match_value": canonical(value)})
        with database.begin() as connection:
            connection.execute(insert(runs), new_runs)
            connection.execute(insert(waits), new_waits)
    database.dispose()


if __name__ == "__main__":
    main()
