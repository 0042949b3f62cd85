"""An engine on a virtual clock over a given store, with email captured."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from interpreter.actions.base import Action
from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow, load_workflow_text
from interpreter.store import Store
from interpreter.store.records import RunDetail

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "workflows" / "signup-drip.yaml"
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def seed_campaign() -> Workflow:
    workflow, problems = load_workflow(SEED)
    assert workflow is not None, problems
    return workflow


def campaign_from_text(text: str, tmp_path: Path) -> Workflow:
    workflow, problems = load_workflow_text(
        text, str(tmp_path / "campaign.yaml"), base_dir=tmp_path
    )
    assert workflow is not None, [p.as_text() for p in problems]
    return workflow


class Harness:
    def __init__(
        self,
        store: Store,
        workflows: list[Workflow],
        data_dir: Path,
        *,
        secrets: Mapping[str, str] | None = None,
        actions: Mapping[str, Action] | None = None,
    ) -> None:
        self.clock = VirtualClock(START)
        self.mail = CapturingTransport()
        self.engine = Engine(
            store,
            Campaigns(store, workflows),
            self.clock,
            secrets=dict(secrets or {"APP_DATABASE_URL": APP_DB}),
            data_dir=data_dir,
            actions=actions or build_actions(email_transport=self.mail),
        )

    def signup(
        self, user_id: int, email: str = "ada@example.com", event: str = "app/signup.completed"
    ) -> str:
        result = self.engine.ingest(
            event,
            {"user": {"id": user_id, "email": email, "first_name": "Ada"}},
        )
        assert len(result.started) == 1
        return result.started[0]

    def send(self, name: str, data: Any) -> None:
        self.engine.ingest(name, data)

    def run_until(self, offset: timedelta | None = None) -> None:
        self.engine.run_virtual(self.clock, None if offset is None else START + offset)

    def detail(self, run_id: str) -> RunDetail:
        return self.engine.store.get_run(run_id)

    def executed(self, run_id: str) -> list[tuple[str, timedelta]]:
        """(step, offset from START) of every action that ran, in order."""
        return [
            (step.step_id, step.finished_at - START)
            for step in self.detail(run_id).steps
            if "." in step.kind or step.kind == "log"
        ]

    def subjects(self) -> list[str]:
        return [str(sent.message["Subject"]) for sent in self.mail.sent]
