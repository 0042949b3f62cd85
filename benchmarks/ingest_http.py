"""Event ingestion over HTTP on loopback: a real uvicorn server in a subprocess
(its own CPU), clients in this process firing POST /e/{key} over C keep-alive connections.

Each event is a signup of a distinct user, so each starts a run of the seed
campaign (no worker runs: this measures ingestion). Requests are single events
unless --batch gives arrays of B events. The server answers a request only after
the transaction holding its events committed (concurrent requests share commits).

    python benchmarks/ingest_http.py --events 20000 --concurrency 64
    python benchmarks/ingest_http.py --events 50000 --batch 100
    python benchmarks/ingest_http.py --db postgresql+psycopg://postgres@127.0.0.1/postgres

The last line is one JSON object: {"events": N, "seconds": S, "events_per_s": R, ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from _databases import describe, fresh_database  # noqa: E402

SEED = ROOT / "workflows" / "signup-drip.yaml"


def serve(db_url: str, port: int) -> None:
    """The server process: flow's app over the seed campaign, on uvicorn."""
    import uvicorn

    from interpreter.daemon.setup import load_campaigns, open_engine
    from interpreter.http import HttpSettings, create_app

    engine = open_engine(
        load_campaigns([SEED]), db_url=db_url, secrets={"APP_DATABASE_URL": "sqlite://"}
    )
    app = create_app(engine, HttpSettings(host="127.0.0.1"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def event(n: int) -> dict[str, Any]:
    user = {"id": n, "email": f"user{n}@example.com", "first_name": "Ada"}
    return {"name": "app/signup.completed", "data": {"user": user}}


def bodies(events: int, batch: int) -> list[Any]:
    return [
        [event(n) for n in range(start, min(start + batch, events))] if batch > 1 else event(start)
        for start in range(0, events, batch)
    ]


async def fire_raw(port: int, events: int, concurrency: int, batch: int) -> tuple[float, int]:
    """C keep-alive HTTP/1.1 connections written by hand on asyncio streams: a
    client cheap enough that the server, not the client, is what is measured."""
    queue = iter([json.dumps(body).encode() for body in bodies(events, batch)])
    failures = 0

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for body in queue:
            writer.write(
                b"POST /e/bench HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )
            head = await reader.readuntil(b"\r\n\r\n")
            failures += not head.startswith(b"HTTP/1.1 200")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
        writer.close()
        await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - started, failures


async def fire(url: str, events: int, concurrency: int, batch: int) -> tuple[float, int]:
    """The same with httpx.AsyncClient (about 300 requests/s per process here:
    it measures the client more than the server)."""
    queue = iter(bodies(events, batch))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    failures = 0
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def client_loop() -> None:
            nonlocal failures
            for body in queue:
                response = await client.post("/e/bench", json=body)
                failures += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        return time.perf_counter() - started, failures


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    while True:
        if server.poll() is not None:
            raise SystemExit("the server exited before answering")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--batch", type=int, default=1, help="events per request (1: single)")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="raw asyncio HTTP/1.1 connections (default) or httpx.AsyncClient",
    )
    parser.add_argument("--db", help="PostgreSQL server URL (default: a fresh SQLite file)")
    parser.add_argument("--serve", nargs=2, metavar=("DB_URL", "PORT"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve[0], int(arguments.serve[1]))
        return

    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="flow-bench-"))
        db_url = stack.enter_context(fresh_database(arguments.db, Path(scratch)))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", db_url, str(port)], cwd=scratch
        )
        stack.callback(server.wait)
        stack.callback(server.terminate)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, server)
        load = (arguments.events, arguments.concurrency, arguments.batch)
        if arguments.client == "raw":
            seconds, failures = asyncio.run(fire_raw(port, *load))
        else:
            seconds, failures = asyncio.run(fire(url, *load))
        stored = httpx.get(f"{url}/metrics").text
    rate = arguments.events / seconds
    print(
        f"{arguments.events} events in {seconds:.2f} s over HTTP "
        f"({describe(arguments.db)}; concurrency {arguments.concurrency}, "
        f"{arguments.batch} per request, {arguments.client} client): {rate:,.0f} events/s, "
        f"{failures} failed requests"
    )
    received = [line for line in stored.splitlines() if line.startswith("flow_events_received")]
    print("server:", " ".join(received))
    print(
        json.dumps(
            {
                "events": arguments.events,
                "seconds": round(seconds, 3),
                "events_per_s": round(rate),
                "concurrency": arguments.concurrency,
                "batch": arguments.batch,
                "client": arguments.client,
                "failed_requests": failures,
                "database": describe(arguments.db),
            }
        )
    )


if __name__ == "__main__":
    main()
