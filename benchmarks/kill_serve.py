"""kill -9 a real ``flow serve`` again and again while it emails signups of the
seed campaign through a real SMTP server, and count what the server received.

Each signup clicks its welcome email, so it gets three emails (welcome, power
tips, trial offer); the campaign's sleeps are cut to a second. After each kill
a new ``flow serve`` starts at once and takes the killed one's runs over when
their leases expire. At the end every email step recorded must have reached
the SMTP server (nothing lost), no step may be recorded twice, and an email
may arrive twice only if it was being sent at a kill: at most
``kills x concurrency`` duplicates.

    python benchmarks/kill_serve.py --signups 1000 --kills 8
    python benchmarks/kill_serve.py --db postgresql+psycopg://postgres@127.0.0.1/postgres

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _databases import describe, fresh_database  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP, Envelope, Session  # noqa: E402

from interpreter.daemon.clock import RealClock  # noqa: E402
from interpreter.daemon.ingest import EventIn  # noqa: E402
from interpreter.daemon.setup import load_campaigns, open_engine  # noqa: E402

FLOW = str(Path(sys.executable).with_name("flow"))
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"
EMAIL_STEPS = ("welcome_email", "send_power_user_tips", "trial_offer_email")


class Received:
    """The SMTP handler: counts each message by its Message-ID."""

    def __init__(self) -> None:
        self.copies: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.original_content or b"", policy=default_policy)
        with self._lock:
            self.copies[str(message["Message-ID"]).strip("<> ")] += 1
        return "250 Message accepted"

    def total(self) -> int:
        with self._lock:
            return sum(self.copies.values())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _campaign(folder: Path) -> Path:
    """The seed campaign with its days cut to seconds, so it runs on the real clock."""
    shutil.copytree(ROOT / "workflows", folder, ignore=shutil.ignore_patterns("*.db", "demo"))
    seed = folder / "signup-drip.yaml"
    text = seed.read_text().replace("sleep: 1d", "sleep: 1s").replace("timeout: 3d", "timeout: 1h")
    seed.write_text(text)
    return folder


def kill_test(
    db_url: str, scratch: Path, *, signups: int, kills: int, concurrency: int, lease: int
) -> dict[str, Any]:
    received = Received()
    smtp_port = _free_port()
    controller = Controller(received, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    workflows = _campaign(scratch / "workflows")
    engine = open_engine(
        load_campaigns([workflows]),
        db_url=db_url,
        clock=RealClock(),
        secrets={"APP_DATABASE_URL": APP_DB},
    )
    env = {
        **os.environ,
        "FLOW_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "APP_DATABASE_URL": APP_DB,
        "FLOW_LEASE_SECONDS": str(lease),
    }
    env.pop("RESEND_API_KEY", None)
    log = (scratch / "serve.log").open("ab")

    def serve() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
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
                str(concurrency),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=scratch,
        )

    expected = 3 * signups
    started = time.monotonic()
    daemon = serve()
    done = 0
    try:
        for first in range(0, signups, 100):
            engine.ingest_many(
                [
                    EventIn(
                        "app/signup.completed",
                        {"user": {"id": n, "email": f"user{n}@example.com", "first_name": f"U{n}"}},
                    )
                    for n in range(first, min(first + 100, signups))
                ]
            )
        clicked: set[str] = set()
        killed = 0
        deadline = time.monotonic() + 120 + signups * 0.5
        while time.monotonic() < deadline:
            if killed < kills and received.total() >= expected * (killed + 1) / (kills + 1):
                daemon.send_signal(signal.SIGKILL)
                daemon.wait()
                killed += 1
                daemon = serve()
                print(
                    f"{time.monotonic() - started:6.1f} s: kill {killed} at "
                    f"{received.total()} deliveries",
                    file=sys.stderr,
                )
            waiting = engine.store.list_runs(status="waiting", limit=signups + 1)
            clicks = [
                EventIn(
                    "resend/email.clicked",
                    {"email_id": run.state["steps"]["welcome_email"]["output"]["id"]},
                )
                for run in waiting
                if run.id not in clicked
            ]
            if clicks:
                engine.ingest_many(clicks)
                clicked |= {run.id for run in waiting}
            statuses = engine.store.count_runs_by_status(engine.clock.now())
            done = statuses.get("completed", (0, 0))[0]
            if done == signups and killed == kills:
                break
            time.sleep(0.2)
        seconds = time.monotonic() - started
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        controller.stop()

    recorded: list[str] = []
    steps_twice = 0
    for run in engine.store.list_runs(limit=signups + 1):
        steps = engine.store.get_run(run.id).steps
        keys = Counter((s.step_id, s.visit) for s in steps if s.status == "ok")
        steps_twice += sum(count - 1 for count in keys.values())
        recorded += [
            str(s.output["message_id"]).strip("<> ")
            for s in steps
            if s.step_id in EMAIL_STEPS and s.status == "ok"
        ]
    engine.store.close()
    copies = received.copies
    if done != signups:  # say why, for whoever reads the figures
        print((scratch / "serve.log").read_text()[-3000:], file=sys.stderr)
    return {
        "signups": signups,
        "completed": done,
        "kills": killed,
        "concurrency": concurrency,
        "emails_recorded": len(recorded),
        "deliveries": sum(copies.values()),
        "lost": sum(1 for message_id in recorded if copies[message_id] == 0),
        "duplicates": sum(count - 1 for count in copies.values()),
        "max_copies": max(copies.values(), default=0),
        "steps_recorded_twice": steps_twice,
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--lease", type=int, default=5, help="lease seconds of each flow serve")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    arguments = parser.parse_args()
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="flow-kill-")))
        db_url = stack.enter_context(fresh_database(arguments.db, scratch))
        figures = kill_test(
            db_url,
            scratch,
            signups=arguments.signups,
            kills=arguments.kills,
            concurrency=arguments.concurrency,
            lease=arguments.lease,
        )
    print(f"database: {describe(arguments.db)}")
    print(
        f"{figures['signups']} signups, {figures['kills']} x SIGKILL, "
        f"{figures['concurrency']} worker threads: {figures['emails_recorded']} emails recorded, "
        f"{figures['deliveries']} deliveries, {figures['lost']} lost, "
        f"{figures['duplicates']} duplicates, {figures['steps_recorded_twice']} steps twice"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
