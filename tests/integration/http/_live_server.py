"""A real uvicorn server on loopback, in a thread, serving ``create_app``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.metrics import Metrics
from interpreter.daemon.setup import load_campaigns
from interpreter.http import HttpSettings, create_app
from interpreter.store import Store

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "workflows" / "signup-drip.yaml"
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


@dataclass
class Live:
    url: str
    engine: Engine
    clock: VirtualClock
    mail: CapturingTransport
    metrics: Metrics

    @property
    def store(self) -> Store:
        return self.engine.store


def seed_engine(store: Store, data_dir: Path) -> tuple[Engine, VirtualClock, CapturingTransport]:
    clock = VirtualClock(START)
    mail = CapturingTransport()
    engine = Engine(
        store,
        Campaigns(store, load_campaigns([SEED])),
        clock,
        secrets={"APP_DATABASE_URL": APP_DB},
        data_dir=data_dir,
        actions=build_actions(email_transport=mail),
    )
    return engine, clock, mail


Serve = Callable[..., Live]
"""The ``serve`` fixture: ``serve(settings=None, db_url=None) -> Live``."""


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) until the block ends; yields its URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            lifespan="off", ws="none")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.005)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


@contextmanager
def live_app(store: Store, data_dir: Path, settings: HttpSettings | None = None) -> Iterator[Live]:
    engine, clock, mail = seed_engine(store, data_dir)
    metrics = Metrics()
    app = create_app(engine, settings or HttpSettings(), metrics=metrics)
    with serving(app) as url:
        yield Live(url, engine, clock, mail, metrics)
