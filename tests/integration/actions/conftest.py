from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from interpreter.actions.base import ActionContext


@pytest.fixture
def make_context(tmp_path: Path) -> Callable[..., ActionContext]:
    """An ActionContext for one step visit; keyword arguments override fields."""

    def make(**overrides: Any) -> ActionContext:
        fields: dict[str, Any] = {
            "run_id": "run_1",
            "workflow_id": "wf",
            "step_id": "call",
            "attempt": 1,
            "idempotency_key": "run_1:call:1",
            "data_dir": tmp_path / ".flow",
        }
        fields.update(overrides)
        return ActionContext(**fields)

    return make
