"""Events in: record each event once, start the runs it triggers and queue it
for the runs waiting on it, all in the caller's transaction.

The engine calls these for an event sent from outside (HTTP, ``flow send``),
for the events a run emits (committed with the step that emitted them) and for
a cron tick; the rules for when a run starts live here and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from interpreter.core.model import Event
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.debounce import burst_event, debounce
from interpreter.daemon.entry import Candidate, declared_secrets, new_id, run_start, start_runs
from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate_condition
from interpreter.language.definitions import EventTrigger, Workflow
from interpreter.language.values import JSON
from interpreter.store import Transaction
from interpreter.store.records import BurstEvent, Delivery, EventRecord

log = logging.getLogger("flow.engine")

# The name of the event that starts a run on a cron tick.
CRON_EVENT = "flow/cron"


@dataclass(frozen=True)
class EventIn:
    """An event as a sender gives it: the id and timestamp are optional."""

    name: str
    data: JSON = None
    id: str | None = None
    ts: datetime | None = None


@dataclass(frozen=True)
class IngestResult:
    event_id: str
    duplicate: bool
    started: tuple[str, ...] = ()
    delivered: int = 0
    debounced: tuple[str, ...] = ()  # the campaigns whose burst took the event


def ingest(
    tx: Transaction,
    campaigns: Campaigns,
    secrets: Mapping[str, str],
    incoming: Sequence[EventIn],
    now: datetime,
) -> list[IngestResult]:
    """Record the events, start their runs, then deliver them to waiting runs,
    each step for the whole batch at once (a few statements per batch, not
    per event). The order of the steps changes nothing: a run started here
    has no waits yet, so it is never a candidate for an event of the batch."""
    events = [Event(e.id or new_id("evt"), e.name, e.data, e.ts or now) for e in incoming]
    new = tx.record_events([EventRecord(e.id, e.name, e.data, e.ts, now) for e in events])
    fresh = [event for event, is_new in zip(events, new, strict=True) if is_new]
    starts: dict[str, list[Candidate]] = {}
    bursts: dict[str, list[BurstEvent]] = {}
    for event in fresh:
        starts[event.id], bursts[event.id] = _run_starts(campaigns, secrets, event, now)
    every_burst = [b for each in bursts.values() for b in each]
    debounce(tx, campaigns, secrets, every_burst, now)
    candidates = [candidate for each in starts.values() for candidate in each]
    started = start_runs(tx, campaigns, secrets, candidates, now)
    delivered = _deliver(tx, fresh, now)
    return [
        IngestResult(
            event.id,
            False,
            tuple(s.run_id for _, s in starts[event.id] if s.run_id in started),
            delivered[event.id],
            tuple(b.workflow_id for b in bursts[event.id]),
        )
        if is_new
        else IngestResult(event.id, duplicate=True)
        for event, is_new in zip(events, new, strict=True)
    ]


def cron_tick(
    tx: Transaction,
    campaigns: Campaigns,
    workflow: Workflow,
    tick_at: datetime,
    secrets: Mapping[str, str],
    now: datetime,
) -> str | None:
    """Claim one tick of a campaign's cron schedule and start its run: the run's
    trigger event is ``flow/cron`` with data ``{"campaign", "tick"}`` and an id
    derived from both. Returns the run's id, or None when another daemon had
    the tick (the claim and the run share the caller's transaction)."""
    tick = tick_at.isoformat()
    event = Event(
        f"cron:{workflow.id}:{tick}", CRON_EVENT, {"campaign": workflow.id, "tick": tick}, tick_at
    )
    if not tx.claim_cron_tick(workflow.id, tick_at):
        return None
    (inserted,) = tx.record_events([EventRecord(event.id, event.name, event.data, event.ts, now)])
    if not inserted:
        return None
    scope = {"event": event.as_cel(), "now": now, "secrets": declared_secrets(workflow, secrets)}
    start = run_start(workflow, event, scope)
    if start is None or not start_runs(tx, campaigns, secrets, [(workflow, start)], now):
        return None
    return start.run_id


def _run_starts(
    campaigns: Campaigns, secrets: Mapping[str, str], event: Event, now: datetime
) -> tuple[list[Candidate], list[BurstEvent]]:
    """The runs ``event`` would start, and what it adds to the bursts of the
    campaigns that debounce (their runs start when the burst is due)."""
    starts: list[Candidate] = []
    bursts: list[BurstEvent] = []
    document = event.as_cel()
    for workflow in campaigns.triggered_by(event.name):
        scope = {"event": document, "now": now, "secrets": declared_secrets(workflow, secrets)}
        if not any(_trigger_accepts(t, event, scope) for t in workflow.triggers):
            continue
        if workflow.debounce is not None:
            burst = burst_event(workflow, event, scope, now)
            if burst is not None:
                bursts.append(burst)
            continue
        start = run_start(workflow, event, scope)
        if start is not None:
            starts.append((workflow, start))
    return starts, bursts


def _trigger_accepts(trigger: object, event: Event, scope: Mapping[str, JSON]) -> bool:
    if not isinstance(trigger, EventTrigger) or trigger.event != event.name:
        return False
    if trigger.if_ is None:
        return True
    try:
        return evaluate_condition(trigger.if_, scope)
    except ExpressionError:
        return False


def _deliver(tx: Transaction, events: Sequence[Event], now: datetime) -> dict[str, int]:
    """Queue each event for the runs whose waits it may resolve (found by
    index, one look-up per event name); returns how many runs per event."""
    by_name: dict[str, list[Event]] = {}
    for event in events:
        by_name.setdefault(event.name, []).append(event)
    runs: dict[str, list[str]] = {}
    for name, named in by_name.items():
        documents = [event.as_cel() for event in named]
        for event, candidates in zip(named, tx.candidate_waits_among(name, documents), strict=True):
            runs[event.id] = sorted({candidate.run_id for candidate in candidates})
    deliveries = [
        Delivery(run_id, "event", event.as_cel()) for event in events for run_id in runs[event.id]
    ]
    tx.enqueue_all(deliveries, now)
    return {event.id: len(runs[event.id]) for event in events}
