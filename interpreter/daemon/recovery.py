"""Recovery: retry a failed run from the step that failed, or replay runs in bulk
from their stored trigger events (what a dead-letter queue would be for).

``flow runs cancel|retry|replay`` and the dashboard call these same functions.

- A retry reopens the run in the store (``reopen_run``: running, due now, a
  ``retry`` input queued, in one transaction); the core's ``Retry`` then resumes
  it under its pinned definition. An action that ran and failed is run again in
  the same visit, so with the same idempotency key, its attempt numbers going on
  from the last one with a fresh retry budget.
- A replay starts a new run of the campaign's current definition from the
  original run's trigger event. Its idempotency key is ``replay:<original run
  id>``: the campaign's own key would refuse it (the original run holds it),
  and this one links the two runs without a column and makes replaying the
  same selection twice start nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from interpreter.core.advance import new_run_state, retry_step_index
from interpreter.core.codec import state_from_json, state_to_json
from interpreter.core.model import FINISHED, Event
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.engine import Engine
from interpreter.daemon.entry import new_id
from interpreter.daemon.leases import kept_split_paths
from interpreter.errors import DefinitionError, FlowError, NotFound, UsageError
from interpreter.language.definitions import Workflow
from interpreter.store import Store, Transaction
from interpreter.store.records import REPLAY_KEY_PREFIX, RunRecord, RunStart

REPLAYABLE = ("failed", "cancelled", "timed_out")


class NotRetryable(FlowError):
    """The run cannot be retried."""


@dataclass(frozen=True)
class RetryResult:
    """``applied``: this call drove the run at once (no worker held it);
    ``status`` is where the run stands afterwards."""

    run_id: str
    step_id: str
    applied: bool
    status: str


@dataclass(frozen=True)
class Replayed:
    """One selected run: the new run started from its trigger event, or why none was."""

    original_id: str
    run_id: str | None
    skipped: str | None = None


def retry_run(engine: Engine, run_id: str, *, drive: bool = True) -> RetryResult:
    """Resume a failed run at the step that failed; drive it now unless ``drive``
    is False (a worker will). Raises NotFound or NotRetryable, changing nothing."""
    record = engine.store.get_run(run_id).run
    if record.status != "failed":
        raise NotRetryable(f"run {run_id} is {record.status}; only a failed run can be retried")
    state = state_from_json(record.state)
    workflow = engine.campaigns.pinned(record.workflow_hash)
    index = retry_step_index(workflow, state)
    if index is None:
        step = state.error.get("step") if isinstance(state.error, dict) else None
        if step is None:
            raise NotRetryable(
                f"run {run_id} failed before its first step (in vars): there is no step to "
                "resume at; replay it with `flow runs replay` instead"
            )
        raise NotRetryable(f"run {run_id} failed at step {step}, which its definition lacks")
    with engine.store.transaction() as tx:
        if not tx.reopen_run(run_id, engine.clock.now()):
            raise NotRetryable(f"run {run_id} is no longer failed")
    applied = engine.drive_run(run_id) if drive else False
    status = engine.store.get_run(run_id).run.status
    return RetryResult(run_id, workflow.steps[index].id, applied, status)


class NotCancellable(FlowError):
    """The run cannot be cancelled."""


@dataclass(frozen=True)
class CancelResult:
    """``applied``: the run was cancelled by this call (no worker held it);
    otherwise the cancel is queued and the worker holding the run applies it."""

    run_id: str
    applied: bool


def cancel_run(engine: Engine, run_id: str, reason: str) -> CancelResult:
    """Cancel a run that has not finished, executing nothing of it (see
    ``Engine.cancel``). Raises NotFound, or NotCancellable when it finished."""
    record = engine.store.get_run(run_id).run
    if record.status in FINISHED:
        raise NotCancellable(f"run {run_id} is already {record.status}")
    return CancelResult(run_id, engine.cancel(run_id, reason))


def pinned_secret_names(store: Store, run_id: str) -> tuple[str, ...]:
    """The secrets a run's pinned definition declares, to read before retrying it."""
    record = store.get_run(run_id).run
    return Campaigns(store).pinned(record.workflow_hash).secrets


def select_replay(
    store: Store,
    campaign: str,
    status: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[RunRecord]:
    """The runs ``replay_runs`` would replay: the campaign's runs in ``status``
    created in [since, until), oldest first, not replayed before."""
    if status not in REPLAYABLE:
        raise UsageError(f"only {' or '.join(REPLAYABLE)} runs can be replayed, not {status}")
    if since is not None and until is not None and until <= since:
        raise UsageError("--until must be later than --since")
    return store.replay_candidates(campaign, status, since, until, limit)


def replay_runs(
    engine: Engine,
    runs: Sequence[RunRecord],
    *,
    progress: Callable[[Replayed], None] | None = None,
) -> list[Replayed]:
    """Start a new run of each run's campaign (its current definition) from the
    run's stored trigger event. Each in its own transaction, so a long replay
    that stops half-way keeps what it did and, by the replay keys, can simply be
    run again. The new runs are due at once; a worker drives them."""
    current = {workflow.id: workflow for workflow in engine.campaigns.current()}
    for record in runs:
        if record.workflow_id not in current:
            raise DefinitionError(
                f"campaign {record.workflow_id} is not among the loaded campaigns "
                "(--workflows): a replay runs the current definition"
            )
    results: list[Replayed] = []
    for record in runs:
        with engine.store.transaction() as tx:
            result = _replay(tx, current[record.workflow_id], record, engine.clock.now())
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _replay(tx: Transaction, workflow: Workflow, record: RunRecord, now: datetime) -> Replayed:
    if record.trigger_event_id is None:
        return Replayed(record.id, None, "no trigger event")
    try:
        stored = tx.get_event(record.trigger_event_id)
    except NotFound:
        return Replayed(record.id, None, f"trigger event {record.trigger_event_id} is gone")
    event = Event(stored.id, stored.name, stored.data, stored.ts)
    run_id = new_id("run")
    # The new run has a new id, and must still take the paths the replayed one took.
    kept = kept_split_paths(new_run_state(workflow, run_id), tx.get_run(record.id).steps)
    state = state_to_json(kept)
    key = f"{REPLAY_KEY_PREFIX}{record.id}"
    start = RunStart(
        run_id, workflow.id, workflow.content_hash, key, stored.id, state, event.as_cel()
    )
    if not tx.start_runs([start], now):
        return Replayed(record.id, None, "already replayed")
    return Replayed(record.id, run_id)


def replay_of(record: RunRecord) -> str | None:
    """The id of the run ``record`` replays, if it is a replay."""
    key = record.idempotency_key
    if key is not None and key.startswith(REPLAY_KEY_PREFIX):
        return key[len(REPLAY_KEY_PREFIX) :]
    return None
