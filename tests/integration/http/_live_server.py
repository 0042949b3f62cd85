"""A real uvicorn server on loopback, in a thread, serving ``create_app``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from starlette.routing import BaseRoute

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.metrics import Metrics
from interpreter.daemon.setup import load_campaigns
from interpreter.http import HttpSettings, create_app
from interpreter.store import Store
from tests._loopback import serving

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
"""The ``serve`` fixture: ``serve(settings=None, db_url=None, extra_routes=None) -> Live``."""


ExtraRoutes = Callable[[Engine], Sequence[BaseRoute]]


@contextmanager
def live_app(
    store: Store,
    data_dir: Path,
    settings: HttpSettings | None = None,
    extra_routes: ExtraRoutes | None = None,
) -> Iterator[Live]:
    """``extra_routes(engine)`` are served after flow's own (tracking links, say)."""
    engine, clock, mail = seed_engine(store, data_dir)
    metrics = Metrics()
    routes = extra_routes(engine) if extra_routes is not None else ()
    app = create_app(engine, settings or HttpSettings(), metrics=metrics, extra_routes=routes)
    with serving(app) as url:
        yield Live(url, engine, clock, mail, metrics)
