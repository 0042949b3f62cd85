"""Entry rules: whether a trigger event starts a run, decided against the runs
of the campaign with the same key (``entry``, or ``idempotency`` alone).

For a key K:

- a run with K that has not finished: ``skip`` starts nothing; ``cancel``
  cancels it ("replaced by event ID") and starts the new run, in the caller's
  transaction;
- no run with K: the run starts;
- otherwise, with ``reentry_after``: the run starts if the latest run with K
  started at least that long ago; without it, nothing starts.

The plain case (skip, no re-entry) needs no look-up: the store's unique key
refuses the second run. The others look the holder of K up, hand its key over
and start the new run; on PostgreSQL the look-up locks the holder's row, so
two starts for one key take turns.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from interpreter.core.advance import advance, new_run_state
from interpreter.core.codec import state_from_json, state_to_json
from interpreter.core.model import FINISHED, Cancel, Event
from interpreter.daemon import trigger_outcomes as outcomes
from interpreter.daemon.campaigns import Campaigns
from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate
from interpreter.language.definitions import Workflow
from interpreter.language.values import JSON
from interpreter.language.wait_keys import canonical
from interpreter.store import Transaction
from interpreter.store.records import RunCancel, RunRecord, RunStart

log = logging.getLogger("flow.engine")

# How often a start looks the holder up again after another transaction took
# the key between its look-up and its insert (PostgreSQL, two workers at once).
_ATTEMPTS = 3

Candidate = tuple[Workflow, RunStart]


def declared_secrets(workflow: Workflow, secrets: Mapping[str, str]) -> dict[str, str]:
    """The secrets a campaign declared, and only those: its expressions see no other."""
    return {name: secrets[name] for name in workflow.secrets if name in secrets}


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def run_start(workflow: Workflow, event: Event, scope: Mapping[str, JSON]) -> RunStart:
    """The run ``event`` would start, its entry key evaluated; raises
    ExpressionError when the key does not evaluate (the caller says so)."""
    key: str | None = None
    if workflow.entry is not None:
        key = canonical(evaluate(workflow.entry.key, scope))
    run_id = new_id("run")
    state = state_to_json(new_run_state(workflow, run_id))
    return RunStart(
        run_id, workflow.id, workflow.content_hash, key, event.id, state, event.as_cel()
    )


def key_failed(workflow: Workflow, event_id: str, error: ExpressionError) -> None:
    log.warning("%s: no run started for event %s: %s", workflow.id, event_id, error)


@dataclass(frozen=True)
class Starts:
    """The runs that started, and for each candidate the entry rules held
    back, why (a sentence from ``trigger_outcomes``)."""

    started: set[str]
    held: dict[str, str]


def start_runs(
    tx: Transaction,
    campaigns: Campaigns,
    secrets: Mapping[str, str],
    candidates: Sequence[Candidate],
    now: datetime,
) -> Starts:
    """Start the runs the entry rules allow, in the caller's transaction."""
    plain = [start for workflow, start in candidates if not _looks_up(workflow, start)]
    started = tx.start_runs(plain, now)
    held = {
        start.run_id: outcomes.key_taken(start.idempotency_key or "")
        for start in plain
        if start.run_id not in started
    }
    for workflow, start in candidates:
        if not _looks_up(workflow, start):
            continue
        why = _start(tx, campaigns, secrets, workflow, start, now)
        if why is None:
            started.add(start.run_id)
        else:
            held[start.run_id] = why
    return Starts(started, held)


def _looks_up(workflow: Workflow, start: RunStart) -> bool:
    rule = workflow.entry
    return (
        rule is not None
        and start.idempotency_key is not None
        and (rule.if_running == "cancel" or rule.reentry_after is not None)
    )


def _start(
    tx: Transaction,
    campaigns: Campaigns,
    secrets: Mapping[str, str],
    workflow: Workflow,
    start: RunStart,
    now: datetime,
) -> str | None:
    """None when the run started, else why the entry rules held it back."""
    rule, key = workflow.entry, start.idempotency_key
    assert rule is not None and key is not None  # _looks_up said so
    for _ in range(_ATTEMPTS):
        holder = tx.runs_holding_keys(workflow.id, [key]).get(key)
        if holder is not None:
            if holder.status not in FINISHED:
                if rule.if_running == "skip":
                    return outcomes.holder_running(key, holder)
                reason = f"replaced by event {start.trigger_event_id}"
                tx.cancel_runs([_cancelled(tx, campaigns, secrets, holder, reason, now)], now)
            elif rule.reentry_after is None:
                return outcomes.holder_finished(key, holder)
            elif now - holder.created_at < rule.reentry_after:
                return outcomes.reentry_too_soon(
                    key, holder, holder.created_at + rule.reentry_after
                )
            tx.release_entry_keys([holder.id])
        if tx.start_runs([start], now):
            return None
    log.warning(
        "%s: no run started for event %s: its key kept changing hands",
        workflow.id,
        start.trigger_event_id,
    )
    return f"the key {key} kept changing hands (other starts took it meanwhile)"


def _cancelled(
    tx: Transaction,
    campaigns: Campaigns,
    secrets: Mapping[str, str],
    run: RunRecord,
    reason: str,
    now: datetime,
) -> RunCancel:
    """The run's state after the core's own cancel, under its pinned definition."""
    workflow = campaigns.pinned(run.workflow_hash, tx)
    visible = declared_secrets(workflow, secrets)
    state, _ = advance(workflow, state_from_json(run.state), Cancel(reason), now, visible)
    return RunCancel(run.id, state_to_json(state))
