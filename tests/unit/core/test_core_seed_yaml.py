"""The seed campaign as the loader reads it from ``workflows/signup-drip.yaml``
runs exactly like the hand-built copy the other core tests use."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from interpreter.core.model import EventReceived, RunAction, StepSucceeded, TimerFired
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow
from tests.unit.core._core_workflows import Run, event, seed

SEED = Path(__file__).parents[3] / "workflows" / "signup-drip.yaml"


def _load_seed() -> Workflow:
    workflow, problems = load_workflow(SEED)
    assert workflow is not None, problems
    return workflow


def _click_path(workflow: Workflow) -> list[tuple[str, Any]]:
    run = Run.start(workflow)
    run.later(timedelta(seconds=2), StepSucceeded("welcome_email", {"id": "m-1"}, 1))
    clicked = event("resend/email.clicked", {"email_id": "m-1"}, run.now)
    run.later(timedelta(hours=1), EventReceived(clicked))
    while run.status not in ("completed", "failed"):
        last = run.commands[-1]
        if isinstance(last, RunAction):
            output = {"rows": [{"plan": "free"}]} if last.step_id == "check_plan" else {"id": "x"}
            run.later(timedelta(seconds=1), StepSucceeded(last.step_id, output, last.attempt))
        else:
            run.send(TimerFired(), run.state.wake_at)
    assert run.status == "completed"
    return [(type(c).__name__, getattr(c, "step_id", None)) for c in run.commands] + [
        ("action", c.input) for c in run.commands if isinstance(c, RunAction)
    ]


def test_the_yaml_seed_runs_like_the_hand_built_one() -> None:
    assert _click_path(_load_seed()) == _click_path(seed())
