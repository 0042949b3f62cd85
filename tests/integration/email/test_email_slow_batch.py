"""A batch that outlives its lease against a slow SMTP server (a real one on
loopback) is never sent twice: the lease is renewed while the batch sends, so
a second worker polling all along never takes a run over."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import RealClock
from interpreter.daemon.email_setup import configured_actions
from interpreter.daemon.engine import Engine
from interpreter.daemon.setup import load_campaigns
from interpreter.store import open_store
from tests.integration.email._email_servers import Mailbox, free_port

RUNS = 20
SECONDS_A_MESSAGE = 0.2
LEASE_SECONDS = 2  # the batch needs RUNS x 0.2 s = 4 s, two leases
CAMPAIGN = """\
id: slow-mail
on: {event: app/hello}
steps:
  - id: hello
    action: email.send
    with: {to: "${ event.data.to }", subject: Hello, text: Hi}
"""


class SlowMailbox(Mailbox):
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(SECONDS_A_MESSAGE)
        return await super().handle_DATA(server, session, envelope)


def test_a_batch_slower_than_its_lease_sends_each_email_once(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "slow.yaml").write_text(CAMPAIGN)
    mailbox = SlowMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    environ = {"FLOW_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    stop = threading.Event()
    claims: Counter[str] = Counter()
    errors: list[BaseException] = []
    try:
        with open_store(db_url) as store:
            campaigns = Campaigns(store, load_campaigns([tmp_path / "slow.yaml"]))

            def worker(owner: str) -> None:
                engine = Engine(
                    store,
                    campaigns,
                    RealClock(),
                    owner=owner,
                    lease_seconds=LEASE_SECONDS,
                    actions=configured_actions(store, environ),
                )
                try:
                    while not stop.is_set():
                        claims[owner] += engine.drive_once()
                        stop.wait(0.05)
                except BaseException as error:  # collected for the assertion below
                    errors.append(error)

            first = Engine(store, campaigns, RealClock())
            for n in range(RUNS):
                first.ingest("app/hello", {"to": f"u{n}@example.com"})
            threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
            for thread in threads:
                thread.start()
            for _ in range(400):
                if len(store.list_runs(status="completed", limit=RUNS + 1)) == RUNS:
                    break
                stop.wait(0.05)
            stop.set()
            for thread in threads:
                thread.join()
            assert errors == []
            assert len(store.list_runs(status="completed", limit=RUNS + 1)) == RUNS
            steps = [s for r in store.list_runs(limit=RUNS) for s in store.get_run(r.id).steps]
            assert len(steps) == RUNS
    finally:
        controller.stop()
    sent = Counter(str(message["To"]) for message in mailbox.messages)
    assert sent == {f"u{n}@example.com": 1 for n in range(RUNS)}
    assert sorted(claims.values()) == [0, RUNS]  # one worker claimed them all, and kept them
