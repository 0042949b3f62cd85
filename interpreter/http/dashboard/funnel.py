"""The funnel both campaign pages draw: per step, how many runs reached it and
how many are there now ("120 sleeping here"), each linking to the runs list
filtered by that step; and the same links for the graph's nodes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from interpreter.language.definitions import Workflow
from interpreter.store.records import GOING


def runs_at_step(workflow_id: str, step_id: str, status: str | None = None) -> str:
    """The runs page, filtered to the campaign's runs at (or ended at) a step."""
    query = {"campaign": workflow_id, "step": step_id, **({"status": status} if status else {})}
    return f"/runs?{urlencode(query)}"


@dataclass(frozen=True)
class FunnelRow:
    step_id: str
    kind: str
    reached: int  # runs that reached the step (passed it or are there)
    # Runs there now, by status (running, sleeping, waiting) with the link to them.
    here: tuple[tuple[str, int, str], ...] = field(default=())
    link: str = ""  # the runs at this step


def funnel_rows(
    workflow: Workflow,
    reached: Mapping[str, int],
    here: Mapping[str, Mapping[str, int]],
) -> list[FunnelRow]:
    rows = []
    for step in workflow.steps:
        now = here.get(step.id, {})
        rows.append(
            FunnelRow(
                step.id,
                step.kind,
                reached.get(step.id, 0),
                tuple(
                    (status, now[status], runs_at_step(workflow.id, step.id, status))
                    for status in GOING
                    if now.get(status)
                ),
                runs_at_step(workflow.id, step.id),
            )
        )
    return rows


def step_links(workflow: Workflow) -> dict[str, str]:
    """Graph node id -> the runs at that step (start and goal nodes have none)."""
    return {step.id: runs_at_step(workflow.id, step.id) for step in workflow.steps}
