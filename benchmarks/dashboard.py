"""The dashboard's runs, run-detail and campaign pages over a big database.

    python benchmarks/dashboard.py [--db URL] [--runs 1000000] [--steps-per-run 10]
    python benchmarks/dashboard.py --db sqlite:////var/tmp/b.db --reuse --only-campaign-page

Generates the runs, their trigger events and step rows inside the database
(``_dashboard_data.py``; ``--reuse`` keeps them for the next measurement),
checks the campaign page's figures against the generator's rules, then
requests each page over HTTP through the real app in-process (httpx
ASGITransport, the handler and store reads production runs) and prints
p50/p95/p99 per page; the last line is the figures as JSON.

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
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _dashboard_data import START, expected, generate, last_run_at
from _databases import fresh_database

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.http import HttpSettings, create_app
from interpreter.http.dashboard import DashboardSettings, dashboard_routes
from interpreter.http.dashboard.pages import PERIODS
from interpreter.language.loader import load_workflow_text
from interpreter.store import Store, open_store

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


def check(store: Store, runs: int, since: datetime | None) -> None:
    """The page's figures (the store reads its handler calls) against what the
    generator's rules add up to: counters that drifted fail the benchmark."""
    for n in range(2):
        want = expected(n, runs, since)
        figures = store.goal_figures(f"bench-{n}", since, None)
        got = {
            "started": store.count_runs(f"bench-{n}", since, None),
            "converted": figures.converted,
            "opened": sum(e.opened for e in figures.emails),
            "clicked": sum(e.clicked for e in figures.emails),
        }
        assert got == want, (n, since, got, want)


def _database(args: argparse.Namespace, scratch: Path) -> Any:
    if args.reuse:
        return contextlib.nullcontext(args.db or f"sqlite:///{scratch}/bench.db")
    return fresh_database(args.db, scratch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="example: python benchmarks/dashboard.py --runs 1000000 "
        "--db sqlite:////var/tmp/bench-1m.db --reuse",
    )
    parser.add_argument("--db", help="a PostgreSQL server URL or a SQLite URL")
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--steps-per-run", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the database --db names itself and keep it; generate only when it has no runs",
    )
    parser.add_argument(
        "--campaign-periods",
        default="1d,7d,30d,all",
        help="the periods the campaign page is measured for (all: every run)",
    )
    parser.add_argument(
        "--only-campaign-page",
        action="store_true",
        help="measure the campaign page alone (not the runs, run and campaigns pages)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch, _database(args, Path(scratch)) as url:
        store = open_store(url)  # migrates to the latest revision, as flow serve does
        workflows = campaigns(Path(scratch), args.steps_per_run)
        # The dashboard's "now" is the last run's start, so each period holds runs.
        last = last_run_at(args.runs)
        engine = Engine(store, Campaigns(store, workflows), VirtualClock(last))
        print(f"{store.dialect}: {args.runs:,} runs, {args.runs * args.steps_per_run:,} steps")
        have = store.count_runs("bench-0", None, None) + store.count_runs("bench-1", None, None)
        if have == 0:
            took = generate(
                store,
                (workflows[0].content_hash, workflows[1].content_hash),
                args.runs,
                args.steps_per_run,
            )
            print(f"generated in {took:.0f}s ({args.runs / took:,.0f} runs/s)")
        else:
            assert have == args.runs, f"the database holds {have:,} runs, not {args.runs:,}"
            print(f"reusing {have:,} runs already in the database")
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
        if args.only_campaign_page:
            pages.clear()
        else:
            pages["campaigns: 7d"] = ["/?period=7d"]
        for period in args.campaign_periods.split(","):
            pages[f"campaign page: {period}"] = [
                f"/campaigns/bench-{i % 2}?period={period}" for i in ids
            ]
            length = PERIODS[period]
            check(store, args.runs, last - length if length is not None else None)
        print("figures checked against the generator's rules; pages requested over HTTP")
        print("through the real app in-process (httpx ASGITransport, bearer token)")
        print(f"{'page':<26}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        figures: dict[str, Any] = {"dialect": store.dialect, "runs": args.runs}
        for name, paths in pages.items():
            asyncio.run(measure(app, paths, 3))  # warm up
            timings = asyncio.run(measure(app, paths, args.rounds))
            p50 = statistics.median(timings)
            cuts = statistics.quantiles(timings, n=100)
            print(f"{name:<26}{p50:>9.1f}{cuts[94]:>9.1f}{cuts[98]:>9.1f}")
            figures[name] = {
                "p50_ms": round(p50, 1),
                "p95_ms": round(cuts[94], 1),
                "p99_ms": round(cuts[98], 1),
            }
        store.close()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
