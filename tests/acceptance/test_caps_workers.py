"""A frequency cap across two real `flow worker` processes on one PostgreSQL:
forty sends to four addresses race, and each address gets exactly one email
(the cap is one a day); the other thirty-six are skipped as capped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from interpreter.daemon.clock import RealClock
from interpreter.daemon.setup import load_campaigns, open_engine
from interpreter.store.database import open_store
from tests._loopback import wait_for

FLOW = str(Path(sys.executable).with_name("flow"))
ADDRESSES = [f"user{n}@example.com" for n in range(4)]
SENDS_EACH = 10
POLICIES = """
default_category: promo
categories:
  promo:
    caps: [{limit: 1, per: 1d}]
"""
# The nap makes every run due at once, so both workers reach the sends together.
CAMPAIGN = """
id: promo-race
on: {event: promo/go}
steps:
  - id: nap
    sleep: 1s
  - id: mail
    action: email.send
    with: {to: "${ event.data.email }", subject: "Offer ${ event.data.n }", text: Hello.}
"""


def _worker(db_url: str, folder: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [FLOW, "worker", "--db", db_url, "--workflows", str(folder), "--batch", "2"],
            env={**os.environ, "FLOW_LEASE_SECONDS": "30"},
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=folder.parent,
        )


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_never_pass_a_cap_of_one_together(postgres_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / "policies.yaml").write_text(POLICIES)
    (folder / "promo.yaml").write_text(CAMPAIGN)
    engine = open_engine(load_campaigns([folder]), db_url=postgres_url, clock=RealClock())
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [_worker(postgres_url, folder, log) for log in logs]
    try:

        def started() -> bool:
            return all(b"Ctrl-C to stop" in log.read_bytes() for log in logs)

        wait_for(started, "both workers", 60)
        for n in range(SENDS_EACH):
            for address in ADDRESSES:
                engine.ingest("promo/go", {"email": address, "n": n})
        total = SENDS_EACH * len(ADDRESSES)

        def finished() -> bool:
            statuses = Counter(run.status for run in engine.store.list_runs(limit=total + 1))
            return statuses.get("completed") == total

        wait_for(finished, "every run", 120)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(timeout=30) for worker in workers]
        engine.store.close()
    assert codes == [0, 0], [log.read_text()[-1500:] for log in logs]
    advanced = [int(re.findall(r"after advancing (\d+) run", log.read_text())[-1]) for log in logs]
    assert all(count > 0 for count in advanced), f"both workers must take part: {advanced}"

    with open_store(postgres_url) as store:
        outputs = [
            step.output
            for run in store.list_runs(limit=total)
            for step in store.get_run(run.id).steps
            if step.step_id == "mail"
        ]
    assert len(outputs) == total
    sent = Counter(o["to"] for o in outputs if "skipped" not in o)
    capped = Counter(o["to"] for o in outputs if o.get("skipped") == "capped")
    assert sent == {address: 1 for address in ADDRESSES}, sent
    assert capped == {address: SENDS_EACH - 1 for address in ADDRESSES}, capped
