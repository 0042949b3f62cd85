"""How long delivering one event takes when N runs wait for events of its name.

N runs of the seed campaign wait on ``resend/email.clicked``, each for its own
``email_id``. Then matching click events are sent one at a time through the
engine's ingest (record the event, find the candidate waits by index, queue the
event for each candidate run, commit), and each delivery is timed.

    python benchmarks/wait_index.py --waiting 100000
    python benchmarks/wait_index.py --waiting 1000 --db postgresql+psycopg://postgres@127.0.0.1/postgres
    python benchmarks/wait_index.py --waiting 100000 --any 3

With ``--any N`` the campaign's wait is a ``wait_for_event`` with ``any`` of N
entries (a click on the welcome email, then N-1 other events keyed by the
user's id), so every run holds N indexed step waits; the events sent go to the
entries in turn.

One run is taken through the real engine up to its wait; the other N-1 are
copies of its rows with their own ids and keys, inserted in bulk, because only
the delivery is being measured. The last line is one JSON object:
{"waiting": N, "events": E, "any": A, "p50_ms": ..., "p99_ms": ...} (A is 0
without ``--any``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
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
SEED = ROOT / "workflows" / "signup-drip.yaml"
SINGLE_WAIT = """\
    wait_for_event:
      event: resend/email.clicked
      if: async.data.email_id == steps.welcome_email.output.id
      timeout: 3d
"""
# The events of an `any` wait after the click, each keyed by the user's id.
OTHER_EVENTS = ("app/subscription.created", "app/support.replied", "app/invite.sent")


def any_campaign(entries: int, folder: Path) -> Path:
    """The seed campaign with its wait turned into ``any`` of ``entries`` entries."""
    if not 1 <= entries <= len(OTHER_EVENTS) + 1:
        raise SystemExit(f"--any takes 1 to {len(OTHER_EVENTS) + 1}")
    lines = [
        "    wait_for_event:",
        "      any:",
        "        - {event: resend/email.clicked,"
        " if: async.data.email_id == steps.welcome_email.output.id}",
    ]
    lines += [
        f"        - {{event: {name}, if: async.data.user_id == event.data.user.id}}"
        for name in OTHER_EVENTS[: entries - 1]
    ]
    lines.append("      timeout: 3d")
    text = SEED.read_text(encoding="utf-8")
    assert SINGLE_WAIT in text, "the seed campaign's wait changed; update this benchmark"
    campaign = folder / "signup-drip-any.yaml"
    campaign.write_text(text.replace(SINGLE_WAIT, "\n".join(lines) + "\n"), encoding="utf-8")
    shutil.copytree(SEED.parent / "templates", folder / "templates")
    return campaign


def event_for(index: int, entry: int, email_id: str) -> tuple[str, dict[str, object]]:
    """The event that resolves run ``index``'s wait through ``entry``."""
    if entry == 0:
        return "resend/email.clicked", {"email_id": email_id}
    return OTHER_EVENTS[entry - 1], {"user_id": index}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--any", type=int, default=0, metavar="N", help="a wait with `any` of N entries"
    )
    arguments = parser.parse_args()

    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="flow-bench-"))
        db_url = stack.enter_context(fresh_database(arguments.db, Path(scratch)))
        clock = VirtualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
        source = any_campaign(arguments.any, Path(scratch)) if arguments.any else SEED
        (campaign,) = load_campaigns([source])
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
        for turn, index in enumerate(targets):
            email_id = f"em_bench_{index}" if index else template_email_id(engine, template_run)
            name, data = event_for(index, turn % max(arguments.any, 1), email_id)
            started = time.perf_counter()
            result = engine.ingest(name, data)
            timings.append((time.perf_counter() - started) * 1000)
            assert result.delivered == 1, (name, data, result)
        engine.store.close()

    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"database: {describe(arguments.db)}")
    if arguments.any:
        print(f"each run waits on any of {arguments.any} events ({arguments.any} indexed waits)")
    print(
        f"{len(timings)} deliveries among {arguments.waiting} waiting runs: "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms"
    )
    print(
        json.dumps(
            {
                "waiting": arguments.waiting,
                "events": len(timings),
                "any": arguments.any,
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
    waiting for its own ``email_id`` (and with ``--any`` its own ``user_id``)
    and cancellable by its own ``user_id``."""
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
                # The click entry (idx 0) is keyed by the email, the others and
                # cancel_on by the user.
                clicked = wait["purpose"] == "step" and wait["idx"] == 0
                value = f"em_bench_{index}" if clicked else index
                new_waits.append({**wait, "run_id": copy_id, "match_value": canonical(value)})
        with database.begin() as connection:
            connection.execute(insert(runs), new_runs)
            connection.execute(insert(waits), new_waits)
    database.dispose()


if __name__ == "__main__":
    main()
