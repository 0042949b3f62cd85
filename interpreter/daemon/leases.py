"""The lease on a claimed batch, and the actions recorded under it.

A worker claims a batch of runs for ``lease_seconds``; another worker may take
a run over once its lease has expired. Two rules keep a slow or dying worker
from sending anything twice:

- Before each action the lease is checked against this worker's clock, and
  renewed for the whole batch when less than half of it is left. So an action
  starts with at least half a lease ahead of it (the email and HTTP timeouts
  are shorter than that), and a run another worker took over raises
  ``LeaseLost`` before its next action instead of running it.
- An action with outside effects (an email delivered, a request made, a row
  written) is recorded the moment it completes, in a small transaction that
  checks the lease: a crash then loses at most the actions running at that
  moment, and the worker that takes the run over finds the recorded outcomes
  (``ClaimedRun.recorded``) and uses them instead of acting again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from interpreter.core.advance import kept_path_key
from interpreter.core.model import Input, RunState, StepFailed, StepSucceeded, changed
from interpreter.store import Store
from interpreter.store.records import StepRecord


class LeaseLost(Exception):
    """Another worker took the run over: drop this worker's work on it."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


@dataclass
class BatchLease:
    """What this worker knows of its lease on one batch: until when it runs,
    and which runs it still holds (claimed and not lost)."""

    store: Store
    owner: str
    seconds: float
    until: datetime
    held: set[str]

    def before_action(self, run_id: str, now: datetime) -> None:
        """Raise LeaseLost unless the run is still this worker's, renewing the
        batch's lease first when less than half of it is left."""
        if run_id in self.held and now + timedelta(seconds=self.seconds / 2) >= self.until:
            until = now + timedelta(seconds=self.seconds)
            with self.store.transaction() as tx:
                self.held = tx.renew_leases(self.owner, sorted(self.held), until)
            self.until = until
        if run_id not in self.held:
            raise LeaseLost(run_id)

    def record(self, run_id: str, rows: list[StepRecord]) -> None:
        """Commit a run's step rows now, under the lease (LeaseLost if gone):
        an action's, after the rows before it, so the timeline keeps its order."""
        with self.store.transaction() as tx:
            held = tx.record_steps_held(self.owner, run_id, rows)
        if not held:
            self.held.discard(run_id)
            raise LeaseLost(run_id)


def recorded_result(row: StepRecord) -> Input:
    """The input a recorded action outcome gives the core, as when it completed."""
    if row.status == "ok":
        return StepSucceeded(row.step_id, row.output, row.attempt)
    error = row.error if isinstance(row.error, dict) else {}
    message = str(error.get("message", "failed"))
    return StepFailed(row.step_id, message, bool(error.get("retryable", False)), row.attempt)


def kept_split_paths(state: RunState, recorded: Sequence[StepRecord]) -> RunState:
    """A run taken over keeps the split paths its previous worker recorded (with
    the action after them) before it could save the run: the core takes a kept
    path over its formula, so a key that reads ``now`` cannot change cohorts."""
    kept = {
        kept_path_key(row.step_id, row.visit): row.output
        for row in recorded
        if row.kind == "split" and row.status == "ok" and isinstance(row.output, dict)
    }
    if not kept:
        return state
    return changed(state, kept_paths={**state.kept_paths, **kept})
