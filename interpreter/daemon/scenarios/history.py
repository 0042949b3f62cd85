"""What happened in a scenario, read back from the store: the executed actions
and the runs, in the order they happened, as values and as CEL documents."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from interpreter.daemon.scenarios.mocks import CallKey, CallLog
from interpreter.language.durations import format_duration
from interpreter.language.values import JSON
from interpreter.store import Store

# More runs than any scenario starts; list_runs needs a bound.
_RUN_LIMIT = 100_000


@dataclass(frozen=True)
class HappenedAction:
    """One executed action attempt: a step row of an action that ran (ok or error).

    A retried action appears once per attempt, as the store records it.
    """

    run_id: str
    step: str
    action: str
    at: timedelta  # from the scenario's start to when the attempt finished
    with_: JSON
    output: JSON
    error: JSON
    status: str
    attempt: int
    campaign: str = ""

    def as_cel(self) -> dict[str, JSON]:
        return {
            "step": self.step,
            "action": self.action,
            "with": self.with_,
            "output": self.output,
            "error": self.error,
            "status": self.status,
            "attempt": self.attempt,
            "campaign": self.campaign,
            "run": self.run_id,
            "at": format_duration(self.at),
        }


@dataclass(frozen=True)
class RunSummary:
    id: str
    status: str
    campaign: str
    error: str | None = None  # why a failed run failed, with the step and its line

    def as_cel(self) -> dict[str, JSON]:
        return {"id": self.id, "status": self.status, "campaign": self.campaign}


def runs_so_far(store: Store, started: Sequence[str]) -> list[RunSummary]:
    """Every run, in the order its trigger arrived (runs ``started`` by the
    scenario's events first in that order; any others by creation time)."""
    records = store.list_runs(limit=_RUN_LIMIT)
    order = {run_id: index for index, run_id in enumerate(started)}
    records.sort(key=lambda run: (order.get(run.id, len(order)), run.created_at, run.id))
    return [RunSummary(run.id, run.status, run.workflow_id, _failure(run.state)) for run in records]


def _failure(state: dict[str, JSON]) -> str | None:
    error = state.get("error")
    if not isinstance(error, dict):
        return None
    where = f" ({error['location']})" if error.get("location") else ""
    return f"step {error.get('step')}{where}: {error.get('message')}"


def actions_so_far(
    store: Store,
    runs: Sequence[RunSummary],
    action_names: Collection[str],
    log: CallLog,
    start: datetime,
) -> list[HappenedAction]:
    """Every executed action attempt of ``runs``, in the order the engine ran them.

    Skipped steps are not actions that happened; nor is a step that failed
    before its action was called (a CEL error in its ``with``).
    """
    calls: dict[CallKey, deque[int]] = defaultdict(deque)
    for index, key in enumerate(log.calls):
        calls[key].append(index)
    found: list[tuple[float, datetime, HappenedAction]] = []
    for run in runs:
        last = -1.0
        for row in store.get_run(run.id).steps:
            if row.kind not in action_names or row.status not in ("ok", "error"):
                continue
            queue = calls.get((row.run_id, row.step_id, row.attempt))
            # An action step that never called its action (skipped by quiet
            # hours) came right after the run's previous call.
            order: float = queue.popleft() if queue else last + 1e-3
            last = order
            found.append(
                (
                    order,
                    row.finished_at,
                    HappenedAction(
                        run_id=row.run_id,
                        step=row.step_id,
                        action=row.kind,
                        at=row.finished_at - start,
                        with_=row.input,
                        output=row.output,
                        error=row.error,
                        status=row.status,
                        attempt=row.attempt,
                        campaign=run.campaign,
                    ),
                )
            )
    found.sort(key=lambda item: (item[0], item[1]))
    return [action for _, _, action in found]


def count_by_status(runs: Sequence[RunSummary]) -> dict[str, int]:
    counts: dict[str, int] = {"total": len(runs)}
    for run in runs:
        counts[run.status] = counts.get(run.status, 0) + 1
    return counts
