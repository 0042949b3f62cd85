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
from interpreter.daemon import trigger_outcomes as outcomes
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.cron_schedule import cron_triggers
from interpreter.daemon.debounce import burst_event, debounce
from interpreter.daemon.entry import (
    Candidate,
    Starts,
    declared_secrets,
    key_failed,
    new_id,
    run_start,
    start_runs,
)
from interpreter.daemon.goals import Goals
from interpreter.daemon.trigger_outcomes import CampaignOutcome
from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate_condition
from interpreter.language.definitions import EventTrigger, Expression, Workflow
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
    """What one event did: the runs it started and woke, and for each campaign
    whose trigger names it, that campaign's outcome (a run, or why none)."""

    event_id: str
    duplicate: bool
    started: tuple[str, ...] = ()
    woken: tuple[str, ...] = ()  # the waiting runs it was delivered to
    campaigns: tuple[CampaignOutcome, ...] = ()

    @property
    def delivered(self) -> int:
        return len(self.woken)

    @property
    def debounced(self) -> tuple[str, ...]:
        """The campaigns whose burst took the event."""
        return tuple(c.campaign for c in self.campaigns if c.reason == "debounced")

    def as_json(self) -> dict[str, JSON]:
        """What ``POST /e/`` answers under ``outcomes`` (``flow send --format json`` too)."""
        return {
            "id": self.event_id,
            "duplicate": self.duplicate,
            "started": list(self.started),
            "woken": list(self.woken),
            "campaigns": [campaign.as_json() for campaign in self.campaigns],
        }


# A campaign's outcome decided while reading the event, or a run the entry rules decide on.
_Pending = CampaignOutcome | Candidate


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
    pending: dict[str, list[_Pending]] = {}
    bursts: list[BurstEvent] = []
    for event in fresh:
        pending[event.id] = _run_starts(campaigns, secrets, event, now, bursts)
    debounce(tx, campaigns, secrets, bursts, now)
    candidates = [p for each in pending.values() for p in each if isinstance(p, tuple)]
    starts = start_runs(tx, campaigns, secrets, candidates, now)
    woken = _deliver(tx, fresh, now, Goals(campaigns, secrets))
    results = []
    for event, is_new in zip(events, new, strict=True):
        if not is_new:
            results.append(IngestResult(event.id, duplicate=True))
            continue
        decided = tuple(_decided(each, starts) for each in pending[event.id])
        runs = tuple(outcome.run_id for outcome in decided if outcome.run_id is not None)
        results.append(IngestResult(event.id, False, runs, woken[event.id], decided))
    return results


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
    try:
        start = run_start(workflow, event, scope)
    except ExpressionError as error:
        key_failed(workflow, event.id, error)
        return None
    if not start_runs(tx, campaigns, secrets, [(workflow, start)], now).started:
        return None
    return start.run_id


def _run_starts(
    campaigns: Campaigns,
    secrets: Mapping[str, str],
    event: Event,
    now: datetime,
    bursts: list[BurstEvent],
) -> list[_Pending]:
    """For each campaign ``event`` triggers, the run it would start or why it
    starts none; what it adds to the bursts of the campaigns that debounce
    goes to ``bursts`` (their runs start when the burst is due)."""
    pending: list[_Pending] = []
    document = event.as_cel()
    for workflow in campaigns.triggered_by(event.name):
        scope = {"event": document, "now": now, "secrets": declared_secrets(workflow, secrets)}
        refused = _trigger_refusal(workflow, event, scope)
        if refused is not None:
            pending.append(refused)
            continue
        rule = workflow.debounce
        try:
            if rule is not None:
                burst = burst_event(workflow, event, scope, now)
                bursts.append(burst)
                pending.append(outcomes.debounced(workflow, burst))
            else:
                pending.append((workflow, run_start(workflow, event, scope)))
        except ExpressionError as error:
            key_failed(workflow, event.id, error)
            if rule is not None and rule.key is not None:
                pending.append(
                    outcomes.expression_failed(workflow, "debounce.key", rule.key, error)
                )
            elif workflow.entry is not None:
                pending.append(
                    outcomes.expression_failed(workflow, "entry.key", workflow.entry.key, error)
                )
    pending.extend(_cron_only(campaigns, event))
    return pending


def _trigger_refusal(
    workflow: Workflow, event: Event, scope: Mapping[str, JSON]
) -> CampaignOutcome | None:
    """None when a trigger of ``workflow`` for the event accepts it, else why
    none did: an ``if`` that failed (the first), or every ``if`` false."""
    false: list[Expression] = []
    failed: tuple[Expression, ExpressionError] | None = None
    for trigger in workflow.triggers:
        if not isinstance(trigger, EventTrigger) or trigger.event != event.name:
            continue
        if trigger.if_ is None:
            return None
        try:
            if evaluate_condition(trigger.if_, scope):
                return None
            false.append(trigger.if_)
        except ExpressionError as error:
            failed = failed or (trigger.if_, error)
    if failed is not None:
        return outcomes.expression_failed(workflow, "if", *failed)
    return outcomes.if_false(workflow, false)


def _cron_only(campaigns: Campaigns, event: Event) -> list[CampaignOutcome]:
    """A ``flow/cron`` event sent from outside (only a tick starts a cron run),
    or an event named as a campaign that only cron starts: say so."""
    if event.name == CRON_EVENT:
        named = event.data.get("campaign") if isinstance(event.data, dict) else None
        return [
            outcomes.cron_only(workflow)
            for workflow in campaigns.current()
            if cron_triggers(workflow) and (named is None or named == workflow.id)
        ]
    workflow = campaigns.named(event.name)
    if workflow is not None and outcomes.is_cron_only(workflow):
        return [outcomes.cron_only(workflow)]
    return []


def _decided(pending: _Pending, starts: Starts) -> CampaignOutcome:
    if isinstance(pending, CampaignOutcome):
        return pending
    workflow, start = pending
    if start.run_id in starts.started:
        return outcomes.started(workflow, start.run_id)
    return outcomes.entry_held(workflow, starts.held.get(start.run_id, "the entry rules held it"))


def _deliver(
    tx: Transaction, events: Sequence[Event], now: datetime, goals: Goals
) -> dict[str, tuple[str, ...]]:
    """Queue each event for the runs whose waits it may resolve (found by
    index, one look-up per event name); returns those runs per event. A
    goal subscription of a finished run (its attribution window) has no
    inbox to queue into: the event is offered to it here."""
    by_name: dict[str, list[Event]] = {}
    for event in events:
        by_name.setdefault(event.name, []).append(event)
    runs: dict[str, list[str]] = {}
    goal_runs: dict[str, list[str]] = {}
    for name, named in by_name.items():
        documents = [event.as_cel() for event in named]
        for event, candidates in zip(named, tx.candidate_waits_among(name, documents), strict=True):
            runs[event.id] = sorted({candidate.run_id for candidate in candidates})
            goal_runs[event.id] = sorted({c.run_id for c in candidates if c.purpose == "goal"})
    deliveries = [
        Delivery(run_id, "event", event.as_cel()) for event in events for run_id in runs[event.id]
    ]
    woken = tx.enqueue_all(deliveries, now)
    for event in events:
        finished = [run_id for run_id in goal_runs[event.id] if run_id not in woken]
        if finished:
            goals.convert_finished(tx, event, finished, now)
    return {event.id: tuple(runs[event.id]) for event in events}
