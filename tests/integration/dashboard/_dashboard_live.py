"""A live dashboard for tests: uvicorn on 127.0.0.1 serving ``create_app`` with
``dashboard_routes``, over a SQLite file holding the seed campaign and a
campaign whose ``http.request`` hits a local provider that answers 400 until fixed."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import RealClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.setup import load_campaigns
from interpreter.http import HttpSettings, create_app
from interpreter.http.dashboard import DashboardSettings, dashboard_routes
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow_text
from interpreter.store import open_store
from tests._loopback import serving

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "workflows" / "signup-drip.yaml"
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"
TOKEN = "s3cret-dashboard-token"

CRM = """
id: crm-sync
name: CRM sync
on: {{event: app/signup.completed}}
idempotency: event.data.user.id
steps:
  - id: greet
    action: log
    with: {{message: "hello"}}
  - id: push
    action: http.request
    with: {{url: "{url}", method: POST, json: {{id: "${{ event.data.user.id }}"}}}}
  - id: done
    action: log
    with: {{message: "pushed"}}
"""


class Provider(ThreadingHTTPServer):
    """Answers 400 until ``fixed``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fixed = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/contacts"


class _Handler(BaseHTTPRequestHandler):
    server: Provider

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, body = (200, b'{"ok": true}') if self.server.fixed else (400, b"bad field")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class LiveDashboard:
    url: str
    engine: Engine
    provider: Provider

    def signup(self, user_id: str, email: str, first_name: str = "Ada") -> list[str]:
        """Send a signup and drive the runs it started as far as they go now."""
        data = {"user": {"id": user_id, "email": email, "first_name": first_name}}
        result = self.engine.ingest("app/signup.completed", data)
        while self.engine.drive_once():
            pass
        return list(result.started)


@contextmanager
def live_dashboard(
    tmp_path: Path,
    token: str | None = TOKEN,
    dashboard_host: str = "127.0.0.1",
    db_url: str | None = None,
    extra: Sequence[Workflow] = (),
) -> Iterator[LiveDashboard]:
    provider = Provider()
    provider_thread = threading.Thread(target=provider.serve_forever, daemon=True)
    provider_thread.start()
    crm, problems = load_workflow_text(
        CRM.format(url=provider.url), str(tmp_path / "crm.yaml"), base_dir=tmp_path
    )
    assert crm is not None, [p.as_text() for p in problems]
    store = open_store(db_url or f"sqlite:///{tmp_path / 'flow.db'}")
    try:
        engine = Engine(
            store,
            Campaigns(store, [*load_campaigns([SEED]), crm, *extra]),
            RealClock(),
            secrets={"APP_DATABASE_URL": APP_DB},
            data_dir=tmp_path,
            actions=build_actions(email_transport=CapturingTransport()),
        )
        settings = DashboardSettings.with_token(dashboard_host, token)
        app = create_app(
            engine,
            HttpSettings(event_keys=("key",)),
            extra_routes=dashboard_routes(engine, settings),
        )
        with serving(app) as url:
            yield LiveDashboard(url, engine, provider)
    finally:
        store.close()
        provider.shutdown()
        provider.server_close()
