"""Fan a broadcast out to N recipients, each child run sending one email to the
outbox, end to end on the virtual clock, durably.

The audience is a generated SQLite app database of N users, read by the
broadcast's ``for_each`` query in pages; the children are ordinary runs of a
one-step campaign. Every chunk of events and every step commits to the
database as in production (a fresh SQLite file by default).

    python benchmarks/broadcast.py --recipients 10000
    python benchmarks/broadcast.py --recipients 100000 --db postgresql+psycopg://postgres@127.0.0.1/postgres

The last line is one JSON object:
{"recipients": N, "seconds": S, "children_per_s": R, "peak_rss_mb": M}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _databases import describe, fresh_database  # noqa: E402
from drip import _default_outbox  # noqa: E402

from interpreter.daemon.clock import VirtualClock  # noqa: E402
from interpreter.daemon.engine import DEFAULT_BATCH  # noqa: E402
from interpreter.daemon.setup import load_campaigns, open_engine  # noqa: E402

BROADCAST = """
id: bench-broadcast
on: {event: bench/broadcast.requested}
secrets: [APP_DATABASE_URL]
steps:
  - id: fan_out
    for_each:
      query:
        url: ${ secrets.APP_DATABASE_URL }
        query: SELECT id, email, first_name FROM users ORDER BY id
      event: bench/issue.due
      data: {user: "${ item }", issue: "${ run.id }"}
"""
CHILD = """
id: bench-issue
on: {event: bench/issue.due}
steps:
  - id: issue
    action: email.send
    with:
      to: ${ event.data.user.email }
      subject: This week at ACME
      text: Hi ${ event.data.user.first_name }, here is what shipped this week.
"""


def audience(path: Path, recipients: int) -> str:
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT)"
        )
        connection.executemany(
            "INSERT INTO users VALUES (?, ?, ?)",
            ((n, f"user{n}@example.com", f"U{n}") for n in range(recipients)),
        )
    connection.close()
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="runs claimed per batch")
    parser.add_argument(
        "--outbox",
        type=Path,
        default=_default_outbox(),
        help="where emails are written (default: tmpfs when there is one, as drip.py)",
    )
    arguments = parser.parse_args()

    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="flow-bench-")))
        db_url = stack.enter_context(fresh_database(arguments.db, scratch))
        app_db = audience(scratch / "app.db", arguments.recipients)
        (scratch / "workflows").mkdir()
        (scratch / "workflows" / "broadcast.yaml").write_text(BROADCAST)
        (scratch / "workflows" / "issue.yaml").write_text(CHILD)
        clock = VirtualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
        engine = open_engine(
            load_campaigns([scratch / "workflows"]),
            db_url=db_url,
            clock=clock,
            data_dir=arguments.outbox or scratch,
            secrets={"APP_DATABASE_URL": app_db},
            batch=arguments.batch,
        )
        started = time.perf_counter()
        (run_id,) = engine.ingest("bench/broadcast.requested", {}).started
        engine.run_virtual(clock)
        seconds = time.perf_counter() - started
        output = engine.store.get_run(run_id).run.state["steps"]["fan_out"]["output"]
        counts = engine.store.count_runs_by_status(clock.now())
        statuses = {status: total for status, (total, _) in counts.items() if total}
        engine.store.close()

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if arguments.outbox is not None:
        sent = sum(1 for _ in (arguments.outbox / "outbox").glob("*.eml"))
        shutil.rmtree(arguments.outbox, ignore_errors=True)
        print(f"emails written to the outbox: {sent}")
    print(f"database: {describe(arguments.db)}")
    print(f"fan-out output: {output}")
    print(f"run statuses: {statuses}")
    if statuses.get("completed") != arguments.recipients + 1:
        print("error: not every run completed", file=sys.stderr)
        sys.exit(1)
    print(
        json.dumps(
            {
                "recipients": arguments.recipients,
                "seconds": round(seconds, 3),
                "children_per_s": round(arguments.recipients / seconds, 1),
                "peak_rss_mb": round(peak_rss_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
