"""Conversion goals in the engine: storing a run's goal subscription,
recording the conversions the core decided, and offering an event to the
finished runs whose attribution window is still open.

An unfinished run gets a goal event like any other, through its inbox: the
core decides at its next turn. A finished run has no inbox, so an event that
may convert it is handed to the core here, in the transaction that received
the event, and the conversion the core answers with is recorded at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from interpreter.core.advance import advance
from interpreter.core.codec import state_from_json
from interpreter.core.model import FINISHED, Converted, Event, EventReceived, WaitForEvent
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.events import event_from_document, wait_matches_document
from interpreter.daemon.outcome import Outcome, wait_row
from interpreter.errors import FlowError
from interpreter.store import Transaction
from interpreter.store.conversion_records import Conversion
from interpreter.store.records import Delivery

log = logging.getLogger("flow.engine")


def conversion(run_id: str, converted: Converted) -> Conversion:
    return Conversion(
        run_id,
        converted.event_id,
        converted.converted_at,
        converted.last_email_step,
        dict(converted.paths),
        converted.after_finish,
    )


class Goals:
    """What deciding a finished run's conversion needs: its pinned definition
    and the secrets its campaign declared."""

    def __init__(self, campaigns: Campaigns, secrets: Mapping[str, str]) -> None:
        self.campaigns = campaigns
        self.secrets = secrets

    def convert_finished(
        self, tx: Transaction, event: Event, run_ids: Sequence[str], now: datetime
    ) -> set[str]:
        """Offer ``event`` to these runs where they have finished; returns the
        runs it converted. Their goal subscriptions go with the conversion."""
        conversions: list[Conversion] = []
        for record in tx.runs_by_id(run_ids):
            if record.status not in FINISHED:
                continue  # it took the event through its inbox instead
            try:
                workflow = self.campaigns.pinned(record.workflow_hash)
            except FlowError as error:
                log.warning("run %s: no goal check: %s", record.id, error)
                continue
            secrets = {n: self.secrets[n] for n in workflow.secrets if n in self.secrets}
            state = state_from_json(record.state)
            _, commands = advance(workflow, state, EventReceived(event), now, secrets)
            conversions += [conversion(record.id, c) for c in commands if isinstance(c, Converted)]
        converted = tx.record_conversions(conversions)
        tx.delete_waits_of(sorted(converted), "goal")
        return converted

    def save(self, tx: Transaction, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Record the batch's conversions and store its goal subscriptions (a
        new one replaces the run's previous one; a conversion ends it), then
        look back for events that arrived before they were stored."""
        conversions = [conversion(o.run_id, c) for o in outcomes for c in o.conversions]
        tx.record_conversions(conversions)
        renewed = [o.run_id for o in outcomes if o.goal_waits or o.conversions]
        tx.delete_waits_of(renewed, "goal")
        stored = [(o, o.goal_waits[-1]) for o in outcomes if o.goal_waits and not o.conversions]
        tx.add_waits([wait_row(o.run_id, wait) for o, wait in stored])
        for outcome, wait in stored:
            self._look_back(tx, outcome, wait, now)
        tx.drop_expired_goal_waits(now)

    def _look_back(
        self, tx: Transaction, outcome: Outcome, wait: WaitForEvent, now: datetime
    ) -> None:
        """Events that arrived before the subscription was stored, while the
        run was being started or driven: a running run gets them in its inbox;
        one that has just finished lost its inbox, so they are offered here."""
        since = wait.since
        if wait.timeout_at is not None and outcome.claimed_at is not None:
            since = min(since, outcome.claimed_at)
        for stored in tx.events_since(wait.event, since):
            document = event_from_document(stored).as_cel()
            if not wait_matches_document(wait, document):
                continue
            if wait.timeout_at is None:
                tx.enqueue_all([Delivery(outcome.run_id, "event", document)], now)
            elif self.convert_finished(tx, event_from_document(stored), [outcome.run_id], now):
                return
