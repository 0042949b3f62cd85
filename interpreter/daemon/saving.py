"""Saving a batch of run outcomes in one transaction, each kind of row in one
statement, and closing the race between an event and the wait it is for."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from interpreter.core.codec import state_to_json
from interpreter.core.model import WaitForEvent
from interpreter.daemon.events import event_from_document, wait_matches_document
from interpreter.daemon.goals import Goals
from interpreter.daemon.ingest import EventIn
from interpreter.daemon.outcome import Outcome, wait_row
from interpreter.language.values import JSON
from interpreter.store import Transaction
from interpreter.store.records import Delivery, RunSave, Wait

log = logging.getLogger("flow.engine")

# Ingests a run's emitted events in the transaction that saves the run.
Ingest = Callable[[Transaction, Sequence[EventIn]], object]


def save_outcomes(
    tx: Transaction,
    outcomes: list[Outcome],
    owner: str,
    now: datetime,
    ingest: Ingest,
    goals: Goals,
) -> None:
    """Per run this does what saving it alone would: its state and lease,
    its step rows not yet recorded (an action with outside effects was
    recorded as it completed), the events it emitted, then its waits. Its wait is
    stored after those events, and ``_look_back`` then finds any of them
    it should receive, as it would an event from another transaction.
    """
    saves = [
        RunSave(
            outcome.run_id,
            outcome.state.status,
            state_to_json(outcome.state),
            None if outcome.finished else outcome.wake_at,
            outcome.inbox_upto,
            outcome.step_id,
        )
        for outcome in outcomes
    ]
    held = tx.save_runs(owner, now, saves)
    saved: list[Outcome] = []
    for outcome in outcomes:
        if outcome.run_id in held:
            saved.append(outcome)
        else:
            log.warning("run %s: lease lost; its work will be redone", outcome.run_id)
    tx.record_steps([row for outcome in saved for row in outcome.unrecorded()])
    released = [holder for outcome in saved for holder in outcome.released_sends]
    if released:
        tx.release_sends(released)
    emitted = [EventIn(name, data, event_id) for o in saved for name, event_id, data in o.emitted]
    if emitted:
        ingest(tx, emitted)
    # A finished run's waits went with save_runs.
    going = [outcome for outcome in saved if not outcome.finished]
    tx.delete_waits_of(
        [o.run_id for o in going if (o.was_waiting and o.moved_on) or o.step_waits], "step"
    )
    waits: list[Wait] = []
    looking: list[tuple[str, WaitForEvent]] = []
    for outcome in going:
        waits += [wait_row(outcome.run_id, wait) for wait in outcome.cancel_waits]
        waits += [wait_row(outcome.run_id, wait) for wait in outcome.step_waits]
        looking += [(outcome.run_id, wait) for wait in outcome.step_waits]
    tx.add_waits(waits)
    _look_back(tx, looking, now)
    goals.save(tx, saved, now)


def _look_back(tx: Transaction, looking: list[tuple[str, WaitForEvent]], now: datetime) -> None:
    """Deliver events that arrived after the previous step began but before
    these waits were stored: the race a wait must not lose. Done in the
    transaction that stores the waits, so an event lands either here or in
    the ingest's own look-up of waits. One read per event name, from the
    earliest ``since`` among its waits; each wait then takes the first
    matching event from its own ``since`` on. A run waiting on several
    entries (``any``) gets each entry's event in the order they arrived, so
    the one that came first is the one its core sees first."""
    by_name: dict[str, list[tuple[str, WaitForEvent]]] = {}
    for run_id, wait in looking:
        by_name.setdefault(wait.event, []).append((run_id, wait))
    found: dict[str, dict[int, JSON]] = {}  # run -> event seq -> the event
    for name, waits in by_name.items():
        arrived = [
            (event.seq, event.received_at, event_from_document(event).as_cel())
            for event in tx.events_since(name, min(wait.since for _, wait in waits))
        ]
        for run_id, wait in waits:
            for seq, received_at, document in arrived:
                if received_at >= wait.since and wait_matches_document(wait, document):
                    found.setdefault(run_id, {})[seq] = document
                    break
    deliveries = [
        Delivery(run_id, "event", events[seq])
        for run_id, events in found.items()
        for seq in sorted(events)
    ]
    if deliveries:
        tx.enqueue_all(deliveries, now)
