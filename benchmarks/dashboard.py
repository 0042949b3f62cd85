"""The dashboard's runs, run-detail and campaign pages over a big database.

    python benchmarks/dashboard.py [--db URL] [--runs 1000000] [--steps-per-run 10]

Generates the runs, their trigger events and step rows with bulk inserts
(executemany in big chunks), then requests each page through the real app
in-process (httpx ASGITransport) and prints p50/p99 per page; the last line
is the figures as JSON.

Each run's first step row is a split (``{path, bucket}``: paths a, b and
holdout), its second an email sent; a third of those emails are opened and a
tenth clicked (``email.opened``/``email.clicked`` events, as tracking records
them), and one run in twelve converted. The campaign page
(``/campaigns/ID``) is measured for each period: the dashboard's clock is
put at the last run, so that a period holds as many runs as it would in
production at that rate (a run every 20 s: about 15,000 runs of each
campaign in 7 days, 65,000 in 30). ``--db`` names a
PostgreSQL server (a fresh database is created and dropped) or a SQLite URL;
the default is a SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _databases import fresh_database

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.http import HttpSettings, create_app
from interpreter.http.dashboard import DashboardSettings, dashboard_routes
from interpreter.language.loader import load_workflow_text
from interpreter.store import Store, open_store
from interpreter.store import tables as t

CAMPAIGN = """
id: bench-{n}
on: {{event: app/signup.completed}}
goal:
  event: app/subscription.created
  if: async.data.user_id == event.data.user.id
  within: 7d
steps:
{steps}
"""
CHUNK = 20_000
START = datetime(2025, 1, 1, tzinfo=UTC)
STATUSES = ["completed"] * 16 + ["waiting"] * 2 + ["failed", "cancelled"]
PATHS = ["a", "b", "a", "b", "holdout"]
CONVERTS_EVERY = 12
TOKEN = "bench"


def campaigns(scratch: Path, steps: int) -> list[Any]:
    body = "\n".join(
        f"  - id: s{k}\n    action: log\n    with: {{message: hi}}" for k in range(steps)
    )
    loaded = []
    for n in range(2):
        workflow, problems = load_workflow_text(
            CAMPAIGN.format(n=n, steps=body), str(scratch / f"bench-{n}.yaml")
        )
        assert workflow is not None, problems
        loaded.append(workflow)
    return loaded


def generate(store: Store, workflows: list[Any], runs: int, steps: int) -> None:
    engine = store._engine  # the benchmark writes rows directly, in bulk
    began = time.perf_counter()
    for first in range(0, runs, CHUNK):
        last = min(first + CHUNK, runs)
        events, run_rows, step_rows, conversions = [], [], [], []
        for i in range(first, last):
            at = START + timedelta(seconds=i * 20)
            workflow = workflows[i % 2]
            events.append(
                {
                    "id": f"evt_{i:09d}",
                    "name": "app/signup.completed",
                    "data": {"user": {"id": str(i), "email": f"user{i}@example.com"}},
                    "ts": at,
                    "received_at": at,
                }
            )
            run_rows.append(
                {
                    "id": f"run_{i:012d}",
                    "workflow_id": workflow.id,
                    "workflow_hash": workflow.content_hash,
                    "status": STATUSES[i % len(STATUSES)],
                    # Where the run is (a going run) or ended (a finished one):
                    # the funnel's "here now" counts the waiting ones per step.
                    "step_id": f"s{i % steps}"
                    if STATUSES[i % len(STATUSES)] == "waiting"
                    else f"s{steps - 1}",
                    "state": {"cursor": None},
                    "idempotency_key": None,
                    "trigger_event_id": f"evt_{i:09d}",
                    "created_at": at,
                    "updated_at": at,
                }
            )
            email_id = f"em_{i:012d}"
            for k in range(steps):
                step_at = at + timedelta(seconds=k)
                kind, output = "action", {"ok": True}
                if k == 0:
                    kind, output = "split", {"path": PATHS[i % len(PATHS)], "bucket": i % 10000}
                elif k == 1:
                    kind, output = "email.send", {"id": email_id, "to": f"user{i}@example.com"}
                step_rows.append(
                    {
                        "run_id": f"run_{i:012d}",
                        "step_id": f"s{k}",
                        "visit": 1,
                        "attempt": 1,
                        "kind": kind,
                        "status": "ok",
                        "input": {"message": "hi"},
                        "output": output,
                        "error": None,
                        "started_at": step_at,
                        "finished_at": step_at,
                    }
                )
            for every, name in ((3, "email.opened"), (10, "email.clicked")):
                if steps > 1 and i % every == 0:
                    events.append(
                        {
                            "id": f"{name}_{i:09d}",
                            "name": name,
                            "data": {"email_id": email_id, "to": f"user{i}@example.com"},
                            "ts": at + timedelta(seconds=5),
                            "received_at": at + timedelta(seconds=5),
                        }
                    )
            if i % CONVERTS_EVERY == 0:
                conversions.append(
                    {
                        "run_id": f"run_{i:012d}",
                        "workflow_id": workflow.id,
                        "run_created_at": at,
                        "converted_at": at + timedelta(hours=1),
                        "event_id": f"evt_paid_{i:09d}",
                        "last_email_step": "s1",
                        "paths": {"s0": PATHS[i % len(PATHS)]},
                        "after_finish": False,
                    }
                )
        with engine.begin() as connection:
            connection.execute(t.events.insert(), events)
            connection.execute(t.runs.insert(), run_rows)
            connection.execute(t.steps.insert(), step_rows)
            connection.execute(t.conversions.insert(), conversions)
        done = time.perf_counter() - began
        print(f"  {last:>9,} runs, {last * steps:>11,} steps  ({done:.0f}s)", flush=True)


async def measure(app: Any, paths: list[str], rounds: int) -> list[float]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    timings = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n in range(rounds):
            path = paths[n % len(paths)]
            began = time.perf_counter()
            answer = await client.get(path, headers=headers)
            timings.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a PostgreSQL server URL or a SQLite URL")
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--steps-per-run", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument(
        "--campaign-periods",
        default="1d,7d,30d,all",
        help="the periods the campaign page is measured for (all: every run)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch, fresh_database(args.db, Path(scratch)) as url:
        store = open_store(url)
        workflows = campaigns(Path(scratch), args.steps_per_run)
        # The dashboard's "now" is the last run's start, so each period holds runs.
        last = START + timedelta(seconds=(args.runs - 1) * 20)
        engine = Engine(store, Campaigns(store, workflows), VirtualClock(last))
        print(f"{store.dialect}: {args.runs:,} runs, {args.runs * args.steps_per_run:,} steps")
        generate(store, workflows, args.runs, args.steps_per_run)
        with store._engine.begin() as connection:  # fresh planner statistics
            connection.exec_driver_sql("ANALYZE")
        app = create_app(
            engine,
            HttpSettings(),
            extra_routes=dashboard_routes(engine, DashboardSettings.with_token("127.0.0.1", TOKEN)),
        )
        pick = random.Random(7)
        ids = [pick.randrange(args.runs) for _ in range(args.rounds)]
        middle = START + timedelta(seconds=(args.runs // 2) * 20)
        pages = {
            "runs: first page": ["/runs"],
            "runs: campaign + failed": ["/runs?campaign=bench-1&status=failed"],
            "runs: search email": [f"/runs?q=user{i}%40example.com" for i in ids],
            "runs: deep keyset page": [
                f"/runs?after={(middle + timedelta(seconds=20 * (i % 1000))).isoformat()}"
                f"%7Crun_{args.runs // 2 + i % 1000:012d}"
                for i in ids
            ],
            "run detail": [f"/runs/run_{i:012d}" for i in ids],
        }
        pages["campaigns: 7d"] = ["/?period=7d"]
        for period in args.campaign_periods.split(","):
            pages[f"campaign page: {period}"] = [
                f"/campaigns/bench-{i % 2}?period={period}" for i in ids
            ]
        print(f"{'page':<26}{'p50 ms':>9}{'p99 ms':>9}")
        figures: dict[str, Any] = {"dialect": store.dialect, "runs": args.runs}
        for name, paths in pages.items():
            asyncio.run(measure(app, paths, 3))  # warm up
            # The whole history is slow by nature: fewer rounds, still a median.
            rounds = max(5, args.rounds // 10) if name.endswith(": all") else args.rounds
            timings = asyncio.run(measure(app, paths, rounds))
            p50 = statistics.median(timings)
            p99 = statistics.quantiles(timings, n=100)[98]
            print(f"{name:<26}{p50:>9.1f}{p99:>9.1f}")
            figures[name] = {"p50_ms": round(p50, 1), "p99_ms": round(p99, 1)}
        store.close()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
