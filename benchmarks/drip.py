"""Run N users through the seed campaign on the virtual clock, durably.

Every step commits to the database as in production (a fresh SQLite file by
default), emails go to the outbox, and ``check_plan`` queries the demo app
database. A third of the users click their welcome email.

    python benchmarks/drip.py --runs 2000
    python benchmarks/drip.py --runs 2000 --db postgresql+psycopg://postgres@127.0.0.1/postgres

The last line is one JSON object: {"runs": N, "seconds": S, "runs_per_s": R}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _databases import describe, fresh_database  # noqa: E402

from interpreter.daemon.clock import VirtualClock  # noqa: E402
from interpreter.daemon.engine import DEFAULT_BATCH  # noqa: E402
from interpreter.daemon.ingest import EventIn  # noqa: E402
from interpreter.daemon.setup import load_campaigns, open_engine  # noqa: E402


def _default_outbox() -> Path | None:
    """Emails go to a tmpfs folder when the machine has one: the benchmark measures
    the engine and its database, and creating a file costs 0.4-0.7 ms on this
    machine's disk, more than a whole step. Pass --outbox to measure with the disk."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="flow-bench-outbox-", dir=shm))
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        help="runs claimed, and events sent, per transaction "
        "(default: the daemon's, as --batch / FLOW_BATCH)",
    )
    parser.add_argument(
        "--outbox",
        type=Path,
        default=_default_outbox(),
        help="where emails are written (default: tmpfs when there is one; see README)",
    )
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
            data_dir=arguments.outbox or Path(scratch),
            secrets={"APP_DATABASE_URL": f"sqlite:///{ROOT}/workflows/demo/app.db"},
            batch=arguments.batch,
        )
        started = time.perf_counter()
        run_ids = []
        # Events arrive in batches, as through the HTTP API's arrays of events.
        for first in range(0, arguments.runs, arguments.batch):
            signups = [
                EventIn(
                    "app/signup.completed",
                    {
                        "user": {
                            "id": index,
                            "email": f"user{index}@example.com",
                            "first_name": f"U{index}",
                        }
                    },
                )
                for index in range(first, min(first + arguments.batch, arguments.runs))
            ]
            for result in engine.ingest_many(signups):
                run_ids.extend(result.started)
        engine.run_virtual(clock, until=clock.now())
        ingested = time.perf_counter()
        # The email ids the clicks carry, read from the runs in one query. This
        # stands in for the email provider, which knows its ids: flow does no
        # such read, so it is left out of the timed region.
        states = {r.id: r.state for r in engine.store.list_runs(limit=arguments.runs + 10)}
        resumed = time.perf_counter()
        clicks = [
            EventIn(
                "resend/email.clicked",
                {"email_id": states[run_id]["steps"]["welcome_email"]["output"]["id"]},
            )
            for run_id in run_ids[::3]
        ]
        for first in range(0, len(clicks), arguments.batch):
            engine.ingest_many(clicks[first : first + arguments.batch])
        engine.run_virtual(clock)
        seconds = time.perf_counter() - resumed + (ingested - started)
        statuses: dict[str, int] = {}
        for record in engine.store.list_runs(limit=arguments.runs + 10):
            statuses[record.status] = statuses.get(record.status, 0) + 1
        engine.store.close()

    if arguments.outbox is not None:
        sent = sum(1 for _ in (arguments.outbox / "outbox").glob("*.eml"))
        shutil.rmtree(arguments.outbox, ignore_errors=True)
        print(f"emails written to the outbox: {sent}")
    print(f"database: {describe(arguments.db)}")
    print(f"signups ingested and welcome emails sent in {ingested - started:.2f} s")
    print(f"run statuses: {statuses}")
    if statuses.get("completed") != arguments.runs:
        print("error: not every run completed", file=sys.stderr)
        sys.exit(1)
    print(
        json.dumps(
            {
                "runs": arguments.runs,
                "seconds": round(seconds, 3),
                "runs_per_s": round(arguments.runs / seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
