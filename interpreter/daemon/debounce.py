"""Debounce: a trigger event of a campaign with ``debounce`` starts or extends a
burst for its key instead of a run; a due burst starts its run, with its latest
event, under the entry rules.

A burst is due at min(last event + ``period``, first event + ``timeout``). It
lives in the store: the worker that claims it (a delete) starts its run in the
same transaction, so a burst fires once however many workers there are, and
a restart loses none. An event for a key whose burst is already due fires that
burst first, so the event begins a new one, as if the worker had been on time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from interpreter.core.model import Event
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.entry import (
    Candidate,
    declared_secrets,
    key_failed,
    run_start,
    start_runs,
)
from interpreter.daemon.events import event_from_document
from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate
from interpreter.language.definitions import Workflow
from interpreter.language.values import JSON
from interpreter.language.wait_keys import canonical
from interpreter.store import Transaction
from interpreter.store.records import BurstEvent

log = logging.getLogger("flow.engine")

# The key of a debounce without ``key``: one burst for the whole campaign.
# Never a key's canonical JSON text, so it cannot meet a keyed burst.
CAMPAIGN_KEY = ""


def burst_event(
    workflow: Workflow, event: Event, scope: Mapping[str, JSON], now: datetime
) -> BurstEvent:
    """What ``event`` adds to its burst; raises ExpressionError when the key
    does not evaluate (the caller says so)."""
    rule = workflow.debounce
    assert rule is not None  # only debounced campaigns come here
    key = CAMPAIGN_KEY if rule.key is None else canonical(evaluate(rule.key, scope))
    timeout_at = None if rule.timeout is None else now + rule.timeout
    return BurstEvent(
        workflow.id, key, event.id, event.as_cel(), now, now + rule.period, timeout_at
    )


def debounce(
    tx: Transaction,
    campaigns: Campaigns,
    secrets: Mapping[str, str],
    events: Sequence[BurstEvent],
    now: datetime,
) -> set[str]:
    """Add the events to their bursts, firing first any of their bursts that is
    already due; returns the ids of the runs those started."""
    if not events:
        return set()
    keys = sorted({(event.workflow_id, event.key) for event in events})
    started = fire_due_bursts(tx, campaigns, secrets, now, len(keys), keys)
    tx.debounce_events(events)
    return started


def fire_due_bursts(
    tx: Transaction,
    campaigns: Campaigns,
    secrets: Mapping[str, str],
    now: datetime,
    limit: int,
    keys: Sequence[tuple[str, str]] | None = None,
) -> set[str]:
    """Claim the bursts due by ``now`` (up to ``limit``) and start their runs
    under the entry rules, in the caller's transaction; returns the run ids.
    A burst of a campaign no longer loaded is dropped, with a warning."""
    candidates: list[Candidate] = []
    for burst in tx.claim_due_bursts(now, limit, keys):
        workflow = campaigns.named(burst.workflow_id)
        if workflow is None:
            log.warning(
                "%s: burst %s dropped: the campaign is not loaded", burst.workflow_id, burst.key
            )
            continue
        event = event_from_document(burst.event)
        scope = {"event": burst.event, "now": now, "secrets": declared_secrets(workflow, secrets)}
        try:
            candidates.append((workflow, run_start(workflow, event, scope)))
        except ExpressionError as error:
            key_failed(workflow, event.id, error)
    return start_runs(tx, campaigns, secrets, candidates, now).started
