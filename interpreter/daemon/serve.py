"""``flow serve``: the daemon. One process serves the HTTP event API (uvicorn,
in a thread of its own), drives due runs in ``concurrency`` worker threads and
fires cron ticks in a scheduler thread, all sharing one ``Store``.

- Each worker thread has its own ``Engine``, so its own lease owner
  (``host:pid:wN``): claims are per owner, and two threads never hold the
  same run. The HTTP app and the scheduler have engines of their own too.
- Idle workers wait on a ``Wakeup``: rung after a local commit that made a
  run due, and on PostgreSQL by a LISTEN connection (other processes' commits
  send ``NOTIFY flow_wakeup``); otherwise they poll.
- The main thread only waits for signals. SIGTERM/SIGINT: uvicorn stops
  accepting requests and finishes those in hand, then the workers finish and
  save the batch in hand (everything else stays parked in the database), and
  the process exits 0. SIGHUP: the campaigns are linted and reloaded from
  disk, and every engine (workers, HTTP, cron) gets the new set and its
  secrets in one swap; a reload that fails for any reason (lint errors, or
  anything a campaign raises while loading) is refused, logged, and the old
  set stays. Runs stay pinned to the definition they started with.

The serve loops are the only code here that read the real clock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn

from interpreter.actions.base import Action
from interpreter.daemon import heap
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import RealClock
from interpreter.daemon.cron import CronScheduler
from interpreter.daemon.email_setup import configured_actions, email_destination
from interpreter.daemon.engine import DEFAULT_BATCH, DEFAULT_LEASE_SECONDS, Engine
from interpreter.daemon.metrics import Metrics
from interpreter.daemon.secrets import gather
from interpreter.daemon.setup import CampaignErrors, load_campaigns
from interpreter.daemon.signals import handling_signals
from interpreter.daemon.wakeups import NotifyListener, Wakeup
from interpreter.daemon.worker import work
from interpreter.errors import FlowError
from interpreter.language.definitions import Workflow
from interpreter.store.database import open_store

log = logging.getLogger("flow.serve")

ASGIApp = Callable[..., Any]
# (engine, the host the server binds, the metrics the workers update)
AppFactory = Callable[[Engine, str, Metrics], ASGIApp]

# With LISTEN working, idle workers still look this often, as a safety net.
_LISTENING_POLL = timedelta(seconds=10)
# The scheduler looks at least this often (new campaigns, clock jumps).
_SCHEDULER_PERIOD = timedelta(seconds=30)


@dataclass(frozen=True)
class ServeSettings:
    workflows: Path = Path("workflows")
    db_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8288
    concurrency: int = 2
    poll: timedelta = timedelta(milliseconds=200)
    lease_seconds: int = DEFAULT_LEASE_SECONDS
    batch: int = DEFAULT_BATCH
    secrets: Mapping[str, str] = field(default_factory=dict)
    data_dir: Path = Path(".flow")
    # None: the configured transport (SMTP, Resend or the outbox), honouring
    # the suppression list; tests pass their own.
    actions: Mapping[str, Action] | None = None


class Daemon:
    """The running parts of ``flow serve``; ``run`` blocks until a stop signal."""

    def __init__(
        self,
        settings: ServeSettings,
        workflows: Sequence[Workflow],
        *,
        app_factory: AppFactory,
    ) -> None:
        self.settings = settings
        self.store = open_store(settings.db_url)
        self.owner = f"{os.uname().nodename}:{os.getpid()}"
        self.metrics = Metrics()
        actions = (
            settings.actions if settings.actions is not None else configured_actions(self.store)
        )
        campaigns, secrets = self._load(workflows)

        def engine(role: str) -> Engine:
            return Engine(
                self.store,
                campaigns,
                RealClock(),
                secrets=secrets,
                data_dir=settings.data_dir,
                owner=f"{self.owner}:{role}",
                lease_seconds=settings.lease_seconds,
                batch=settings.batch,
                actions=actions,
                metrics=self.metrics,
            )

        # One engine per role for the life of the process, each its own lease
        # owner; a reload swaps their campaigns and secrets (``Engine.load``).
        self.workers = [engine(f"w{index}") for index in range(settings.concurrency)]
        self.http = engine("http")
        self.cron = engine("cron")
        self._stop = threading.Event()
        self._attention = threading.Event()  # a signal arrived
        self._reload_requested = False
        self.wakeup = Wakeup()
        self.store.on_wakeup.append(self.wakeup.ring)
        self.listener: NotifyListener | None = None
        if self.store.dialect == "postgresql" and settings.db_url is not None:
            self.listener = NotifyListener(settings.db_url, self.wakeup, self._stop)
        self.scheduler = CronScheduler(self.cron)
        self._scheduler_wake = threading.Event()  # rung on stop and reload
        app = app_factory(self.http, settings.host, self.metrics)
        self._socket = _bind(settings.host, settings.port)
        self.port = int(self._socket.getsockname()[1])
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=10,
            )
        )
        self._threads: list[threading.Thread] = []

    # ---- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        heap.settle()  # as open_engine does: the campaigns, store and app are built
        if self.listener is not None:
            self.listener.start()
        for index in range(self.settings.concurrency):
            self._spawn(f"flow-worker-{index}", self._work, index)
        self._spawn("flow-cron", self._schedule)
        self._http = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self._socket]},
            name="flow-http",
            daemon=True,
        )
        self._http.start()

    def run(self) -> int:
        """Start, then wait for signals until told to stop; returns the exit code."""
        with handling_signals(self.request_stop, reload=self.request_reload):
            self._run()
        return 0

    def _run(self) -> None:
        try:
            self.start()
            log.info(
                "flow serve on http://%s:%d with %d worker(s), database %s",
                self.settings.host,
                self.port,
                self.settings.concurrency,
                self.store.url,
                extra={"port": self.port, "owner": self.owner},
            )
            if self.settings.actions is None:  # tests that bring their own say nothing
                where = email_destination(os.environ, self.settings.data_dir)
                log.info("email: %s", where, extra={"email": where})
            while not self._stop.is_set():
                self._attention.wait(1.0)
                self._attention.clear()
                if self._reload_requested:
                    self._reload_requested = False
                    self.reload()
                if not self._http.is_alive() and not self._stop.is_set():
                    log.error("the HTTP server stopped; shutting down")
                    self._stop.set()
        finally:
            self.shutdown()

    def request_stop(self) -> None:
        self._stop.set()
        self._scheduler_wake.set()
        self._attention.set()

    def request_reload(self) -> None:
        self._reload_requested = True
        self._attention.set()

    def shutdown(self) -> None:
        """Stop HTTP first, then the workers (each finishes and saves its batch)."""
        self.request_stop()
        self.server.should_exit = True
        if getattr(self, "_http", None) is not None:
            self._http.join(timeout=30)
        self.wakeup.ring()
        for thread in self._threads:
            thread.join()
        if self.listener is not None and self.listener.is_alive():
            self.listener.join(timeout=5)
        self.store.close()
        log.info("flow serve stopped; in-flight work is saved")

    def reload(self) -> bool:
        """Lint and load the campaigns again, then give every engine the new set
        and its secrets; on any failure the old set stays, whatever was raised."""
        try:
            workflows = load_campaigns([self.settings.workflows])
            campaigns, secrets = self._load(workflows)
        except CampaignErrors as errors:
            for problem in errors.problems:
                log.error(
                    "reload refused: %s",
                    problem.as_text(),
                    extra={"code": problem.code, "file": str(problem.file), "line": problem.line},
                )
            log.error(
                "reload refused: %d lint error(s); keeping the campaigns loaded before",
                len(errors.problems),
            )
            return False
        except FlowError as error:
            log.error("reload refused: %s; keeping the campaigns loaded before", error)
            return False
        except Exception as error:  # a campaign can raise anything while it loads
            log.error(
                "reload refused: %s: %s; keeping the campaigns loaded before",
                type(error).__name__,
                " ".join(str(error).split())[:300],
            )
            return False
        for engine in (*self.workers, self.http, self.cron):
            engine.load(campaigns, secrets)
        self.wakeup.ring()
        self._scheduler_wake.set()
        log.info(
            "reloaded %d campaign(s): %s",
            len(workflows),
            ", ".join(sorted(w.id for w in workflows)),
            extra={"campaigns": sorted(w.id for w in workflows)},
        )
        return True

    def _load(self, workflows: Sequence[Workflow]) -> tuple[Campaigns, dict[str, str]]:
        """The campaigns (their definitions pinned in the store) and the secrets they declare."""
        campaigns = Campaigns(self.store, workflows)
        names = {name for workflow in workflows for name in workflow.secrets}
        return campaigns, gather(names, self.settings.secrets)

    # ---- the loops -------------------------------------------------------------

    def _spawn(self, name: str, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work(self, index: int) -> None:
        wait = self.wakeup.waiter()
        poll = self.settings.poll

        def idle(timeout: float) -> bool:
            if self.listener is None or not self.listener.listening.is_set():
                timeout = min(timeout, poll.total_seconds())
            return wait(timeout)

        longest = max(poll, _LISTENING_POLL) if self.listener is not None else poll
        while not self._stop.is_set():
            try:
                work(self.workers[index], self._stop, poll=longest, wait=idle)
            except FlowError as error:  # the database is down, say: try again later
                log.error("worker %d: %s", index, error)
                self._stop.wait(min(5.0, max(1.0, poll.total_seconds())))

    def _schedule(self) -> None:
        clock = RealClock()
        while not self._stop.is_set():
            try:
                self.scheduler.fire_due(clock.now())
                upcoming = self.scheduler.next_due(clock.now())
            except FlowError as error:
                log.error("cron: %s", error)
                upcoming = None
            limit = clock.now() + _SCHEDULER_PERIOD
            until = limit if upcoming is None else min(upcoming, limit)
            # Woken early by stop and by reloads.
            self._scheduler_wake.wait(max(0.0, (until - clock.now()).total_seconds()))
            self._scheduler_wake.clear()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise FlowError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(settings: ServeSettings, workflows: Sequence[Workflow], app_factory: AppFactory) -> int:
    """Run the daemon until SIGTERM or SIGINT; returns the exit code."""
    return Daemon(settings, workflows, app_factory=app_factory).run()
