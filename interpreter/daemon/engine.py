"""The engine: takes events in, claims due runs, feeds them to the pure core,
carries out the commands it returns, and commits each run's outcome.

Durability rests on three rules:

- a run's next state is saved with the step rows that led to it, in one
  transaction (several runs' outcomes share it: group commit, still durable);
- an action runs before that transaction, so a crash between the two makes it
  run again with the same idempotency key: at-least-once, never lost;
- except that an action with outside effects (an email delivered, a request
  made, a row written) has its step row committed the moment it completes,
  under the batch's lease (``leases.py``): a crash then repeats only the
  actions running at that moment, and the worker that takes the run over uses
  the recorded outcomes instead of acting again.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from interpreter.actions.base import Action, ActionContext
from interpreter.actions.registry import ACTIONS, has_outside_effect, run_action
from interpreter.core.advance import advance, new_run_state
from interpreter.core.codec import state_from_json, state_to_json
from interpreter.core.model import (
    Cancel,
    Cancelled,
    Complete,
    Event,
    EventReceived,
    Fail,
    Input,
    Record,
    Retry,
    RunAction,
    RunState,
    SleepUntil,
    Start,
    StepFailed,
    StepSucceeded,
    TimerFired,
    WaitForEvent,
)
from interpreter.core.scope import run_scope
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import Clock, VirtualClock
from interpreter.daemon.events import event_from_document, wait_matches_document
from interpreter.daemon.leases import BatchLease, LeaseLost, recorded_result
from interpreter.daemon.metrics import Metrics
from interpreter.daemon.secrets import redact
from interpreter.errors import ActionError, ExpressionError, StoreError
from interpreter.language.cel import evaluate, evaluate_condition
from interpreter.language.definitions import EventTrigger, Workflow
from interpreter.language.values import JSON
from interpreter.language.wait_keys import canonical
from interpreter.store import Store, Transaction
from interpreter.store.records import (
    ClaimedRun,
    Delivery,
    EventRecord,
    RunSave,
    RunStart,
    StepRecord,
    Wait,
)

log = logging.getLogger("flow.engine")

# The name of the event that starts a run on a cron tick.
CRON_EVENT = "flow/cron"
# The defaults of every daemon (``flow serve``, ``flow worker``, ``flow run``)
# and of the benchmarks, set once: runs claimed per batch, and how long a
# claim lasts before another worker may take the run over (renewed while the
# batch works, see leases.py).
DEFAULT_BATCH = 64
DEFAULT_LEASE_SECONDS = 60


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


@dataclass
class _Outcome:
    """What processing one claimed run produced, saved in the batch's transaction.

    The effects come from the core's commands only: ``timer`` is the wake-up the
    last ``SleepUntil`` or step ``WaitForEvent`` asked for (a step that runs or
    ends spends it), ``finished`` says a ``Complete``, ``Fail`` or ``Cancelled``
    came, and ``moved_on`` that the run left the step it was in (so a wait it
    had stored is dropped; a run that ignored an input keeps its wait)."""

    run_id: str
    state: RunState
    inbox_upto: int | None
    was_waiting: bool
    timer: datetime | None
    moved_on: bool = False
    finished: bool = False
    steps: list[StepRecord] = field(default_factory=list)
    # Action outcomes already in the store: recorded as they completed, or found
    # recorded by a worker that held the run before (keyed by step, visit, attempt).
    ahead: list[StepRecord] = field(default_factory=list)
    recorded: dict[tuple[str, int, int], StepRecord] = field(default_factory=dict)
    cancel_waits: list[WaitForEvent] = field(default_factory=list)
    step_wait: WaitForEvent | None = None
    emitted: list[tuple[str, str, JSON]] = field(default_factory=list)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


@dataclass(frozen=True)
class _Loaded:
    campaigns: Campaigns
    secrets: Mapping[str, str]
    secret_values: list[str]  # what ``redact`` masks in recorded inputs and outputs

    @classmethod
    def of(cls, campaigns: Campaigns, secrets: Mapping[str, str]) -> _Loaded:
        return cls(campaigns, dict(secrets), [value for value in secrets.values() if value])


class Engine:
    def __init__(
        self,
        store: Store,
        campaigns: Campaigns,
        clock: Clock,
        *,
        secrets: Mapping[str, str] | None = None,
        data_dir: Path = Path(".flow"),
        owner: str | None = None,
        lease_seconds: int = DEFAULT_LEASE_SECONDS,
        batch: int = DEFAULT_BATCH,
        actions: Mapping[str, Action] = ACTIONS,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self._loaded = _Loaded.of(campaigns, secrets or {})
        self.clock = clock
        self.data_dir = data_dir
        self.owner = owner or f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_seconds = lease_seconds
        self.batch = batch
        self.actions = actions
        self.metrics = metrics

    # The campaigns and the secrets are one value, swapped by one assignment:
    # a reload never leaves an engine with new campaigns and old secrets.
    @property
    def campaigns(self) -> Campaigns:
        return self._loaded.campaigns

    @property
    def secrets(self) -> Mapping[str, str]:
        return self._loaded.secrets

    @property
    def _secret_values(self) -> list[str]:
        return self._loaded.secret_values

    def load(self, campaigns: Campaigns, secrets: Mapping[str, str]) -> None:
        """Replace the campaigns and secrets at once (``flow serve`` on SIGHUP)."""
        self._loaded = _Loaded.of(campaigns, secrets)

    # ---- events in -----------------------------------------------------------

    def ingest(
        self, name: str, data: JSON, *, event_id: str | None = None, ts: datetime | None = None
    ) -> IngestResult:
        """Record an event; start the runs it triggers and wake the runs waiting for it."""
        with self.store.transaction() as tx:
            return self._ingest(tx, [EventIn(name, data, event_id, ts)])[0]

    def ingest_many(self, events: Sequence[EventIn]) -> list[IngestResult]:
        """Record several events in one transaction (an HTTP batch, a benchmark):
        each behaves as ``ingest`` would, in order, and they commit together."""
        with self.store.transaction() as tx:
            return self._ingest(tx, events)

    def _ingest(self, tx: Transaction, incoming: Sequence[EventIn]) -> list[IngestResult]:
        """Record the events, start their runs, then deliver them to waiting runs,
        each step for the whole batch at once (a few statements per batch, not
        per event). The order of the steps changes nothing: a run started here
        has no waits yet, so it is never a candidate for an event of the batch."""
        now = self.clock.now()
        events = [Event(e.id or new_id("evt"), e.name, e.data, e.ts or now) for e in incoming]
        new = tx.record_events([EventRecord(e.id, e.name, e.data, e.ts, now) for e in events])
        fresh = [event for event, is_new in zip(events, new, strict=True) if is_new]
        starts: dict[str, list[RunStart]] = {event.id: [] for event in fresh}
        for event in fresh:
            starts[event.id] = self._run_starts(event, now)
        started = tx.start_runs([s for each in starts.values() for s in each], now)
        delivered = self._deliver(tx, fresh, now)
        return [
            IngestResult(
                event.id,
                False,
                tuple(s.run_id for s in starts[event.id] if s.run_id in started),
                delivered[event.id],
            )
            if is_new
            else IngestResult(event.id, duplicate=True)
            for event, is_new in zip(events, new, strict=True)
        ]

    def _run_starts(self, event: Event, now: datetime) -> list[RunStart]:
        starts: list[RunStart] = []
        document = event.as_cel()
        for workflow in self.campaigns.triggered_by(event.name):
            scope = {"event": document, "now": now, "secrets": self._declared(workflow)}
            if not any(self._trigger_accepts(t, event, scope) for t in workflow.triggers):
                continue
            start = self._run_start(workflow, event, scope)
            if start is not None:
                starts.append(start)
        return starts

    def _run_start(
        self, workflow: Workflow, event: Event, scope: Mapping[str, JSON]
    ) -> RunStart | None:
        key: str | None = None
        if workflow.idempotency is not None:
            try:
                key = canonical(evaluate(workflow.idempotency, scope))
            except ExpressionError as error:
                log.warning("%s: no run started for event %s: %s", workflow.id, event.id, error)
                return None
        run_id = new_id("run")
        state = state_to_json(new_run_state(workflow, run_id))
        return RunStart(
            run_id, workflow.id, workflow.content_hash, key, event.id, state, event.as_cel()
        )

    def fire_cron_tick(self, workflow: Workflow, tick_at: datetime) -> str | None:
        """Claim one tick of a campaign's cron schedule and start its run, in one
        transaction: exactly one daemon wins a tick, and a tick is never claimed
        without its run. The run's trigger event is ``flow/cron`` with data
        ``{"campaign", "tick"}`` and an id derived from both. Returns the run's
        id, or None when another daemon had the tick."""
        now = self.clock.now()
        tick = tick_at.isoformat()
        event = Event(
            f"cron:{workflow.id}:{tick}",
            CRON_EVENT,
            {"campaign": workflow.id, "tick": tick},
            tick_at,
        )
        with self.store.transaction() as tx:
            if not tx.claim_cron_tick(workflow.id, tick_at):
                return None
            (inserted,) = tx.record_events(
                [EventRecord(event.id, event.name, event.data, event.ts, now)]
            )
            if not inserted:
                return None
            scope = {"event": event.as_cel(), "now": now, "secrets": self._declared(workflow)}
            start = self._run_start(workflow, event, scope)
            if start is None or not tx.start_runs([start], now):
                return None
            return start.run_id

    @staticmethod
    def _trigger_accepts(trigger: object, event: Event, scope: Mapping[str, JSON]) -> bool:
        if not isinstance(trigger, EventTrigger) or trigger.event != event.name:
            return False
        if trigger.if_ is None:
            return True
        try:
            return evaluate_condition(trigger.if_, scope)
        except ExpressionError:
            return False

    def _deliver(self, tx: Transaction, events: Sequence[Event], now: datetime) -> dict[str, int]:
        """Queue each event for the runs whose waits it may resolve (found by
        index, one look-up per event name); returns how many runs per event."""
        by_name: dict[str, list[Event]] = {}
        for event in events:
            by_name.setdefault(event.name, []).append(event)
        runs: dict[str, list[str]] = {}
        for name, named in by_name.items():
            documents = [event.as_cel() for event in named]
            for event, candidates in zip(
                named, tx.candidate_waits_among(name, documents), strict=True
            ):
                runs[event.id] = sorted({candidate.run_id for candidate in candidates})
        deliveries = [
            Delivery(run_id, "event", event.as_cel())
            for event in events
            for run_id in runs[event.id]
        ]
        tx.enqueue_all(deliveries, now)
        return {event.id: len(runs[event.id]) for event in events}

    def cancel(self, run_id: str, reason: str = "cancelled by operator") -> bool:
        """Cancel a run in one transaction, executing nothing: queue the cancel,
        claim the run and apply the cancel alone (``_process`` lets a queued
        cancel supersede the rest of the inbox, so a start still queued never
        runs). Returns False when a worker holds the run: the cancel stays
        queued and that worker applies it after the step in hand."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            if not tx.enqueue_all([Delivery(run_id, "cancel", {"reason": reason})], now):
                return False  # finished or unknown: nothing to cancel
            claimed = tx.claim_due_runs(now, self.owner, self.lease_seconds, 1, run_ids=[run_id])
            if not claimed:
                return False
            # The cancel alone executes no action, so the lease is never consulted.
            lease = BatchLease(self.store, self.owner, self.lease_seconds, now, {run_id})
            outcome = self._process(claimed[0], lease)
            self._save(tx, [outcome])
            return True

    # ---- driving runs -------------------------------------------------------

    def drive_once(self, run_ids: list[str] | None = None) -> int:
        """Claim a batch of due runs (or only ``run_ids``), advance each as far as
        it goes, and save them all. Returns how many runs were claimed (those
        lost to another worker on the way included: their work is dropped).
        """
        now = self.clock.now()
        with self.store.transaction() as tx:
            claimed = tx.claim_due_runs(
                now, self.owner, self.lease_seconds, self.batch, run_ids=run_ids
            )
        if not claimed:
            return 0
        until = now + timedelta(seconds=self.lease_seconds)
        lease = BatchLease(
            self.store, self.owner, self.lease_seconds, until, {run.run_id for run in claimed}
        )
        outcomes: list[_Outcome] = []
        for run in claimed:
            try:
                outcomes.append(self._process(run, lease))
            except LeaseLost:
                log.warning("run %s: lease lost; its new worker carries it on", run.run_id)
        with self.store.transaction() as tx:
            self._save(tx, outcomes)
        return len(claimed)

    def drive_run(self, run_id: str) -> bool:
        """Advance one run now if it is due and no other worker holds it."""
        return self.drive_once([run_id]) > 0

    def _process(self, claimed: ClaimedRun, lease: BatchLease) -> _Outcome:
        workflow = self.campaigns.pinned(claimed.workflow_hash)
        state = state_from_json(claimed.state)
        outcome = _Outcome(
            claimed.run_id,
            state,
            inbox_upto=max((item.seq for item in claimed.inbox), default=None),
            was_waiting=state.status == "waiting",
            timer=state.wake_at,  # the wake-up earlier commands set, saved with the run
            recorded={(row.step_id, row.visit, row.attempt): row for row in claimed.recorded},
        )
        inputs: list[Input] = [_inbox_input(item.kind, item.payload) for item in claimed.inbox]
        now = self.clock.now()
        cancels = [item for item in inputs if isinstance(item, Cancel)]
        if cancels:
            # An operator's cancel supersedes whatever is queued with it: a start
            # or an event queued before it must not run a step first.
            inputs = [cancels[0]]
        elif state.wake_at is not None and state.wake_at <= now:
            inputs.append(TimerFired())
            if self.metrics is not None:
                self.metrics.run_woken((now - state.wake_at).total_seconds())
        for item in inputs:
            self._apply(workflow, outcome, item, lease)
        return outcome

    def _apply(
        self, workflow: Workflow, outcome: _Outcome, first: Input, lease: BatchLease
    ) -> None:
        pending: list[Input] = [first]
        while pending:
            now = self.clock.now()
            state, commands = advance(
                workflow, outcome.state, pending.pop(0), now, self._declared(workflow)
            )
            outcome.state = state
            for command in commands:
                if not (isinstance(command, WaitForEvent) and command.purpose == "cancel"):
                    # Every other command starts, ends or parks a step: the wait
                    # and the timer of the step before are spent.
                    outcome.moved_on, outcome.step_wait, outcome.timer = True, None, None
                if isinstance(command, RunAction):
                    pending.append(self._execute(workflow, outcome, command, lease))
                elif isinstance(command, SleepUntil):
                    outcome.timer = command.until
                elif isinstance(command, Complete | Cancelled):
                    outcome.finished = True
                elif isinstance(command, Record):
                    outcome.steps.append(
                        self._step_row(
                            outcome,
                            command.step_id,
                            command.kind,
                            now,
                            now,
                            status="skipped" if command.kind == "skipped" else "ok",
                            attempt=command.attempt,
                            output=command.output,
                        )
                    )
                elif isinstance(command, WaitForEvent):
                    if command.purpose == "cancel":
                        outcome.cancel_waits.append(command)
                    else:
                        outcome.step_wait, outcome.timer = command, command.timeout_at
                elif isinstance(command, Fail):
                    outcome.finished = True
                    if command.step_id is not None and not _recorded_error(
                        outcome, command.step_id
                    ):
                        # A failure that no action reported (a CEL error in an `if`
                        # or a `${ }`) still needs its row on the timeline.
                        outcome.steps.append(
                            self._step_row(
                                outcome,
                                command.step_id,
                                "failed",
                                now,
                                now,
                                status="error",
                                error={"message": command.message, "location": command.location},
                            )
                        )

    def _execute(
        self, workflow: Workflow, outcome: _Outcome, command: RunAction, lease: BatchLease
    ) -> Input:
        state = outcome.state
        visit = state.visits.get(command.step_id, 1)
        done = outcome.recorded.get((command.step_id, visit, command.attempt))
        if done is not None and done.kind == command.action:
            # It ran under a worker that died (or lost the run) before saving it.
            outcome.ahead.append(done)
            return recorded_result(done)
        started = self.clock.now()
        lease.before_action(state.run_id, started)
        context = ActionContext(
            run_id=state.run_id,
            workflow_id=state.workflow_id,
            step_id=command.step_id,
            attempt=command.attempt,
            idempotency_key=command.idempotency_key,
            files=workflow.files,
            render_scope=run_scope(state),
            data_dir=self.data_dir,
            emit=lambda name, envelope: _emit(outcome, name, envelope),
            now=started,
        )
        result: Input
        try:
            output = run_action(command.action, command.input, context, self.actions)
            result = StepSucceeded(command.step_id, output, command.attempt)
            row = {"status": "ok", "output": output}
        except ActionError as error:
            result = StepFailed(command.step_id, str(error), error.retryable, command.attempt)
            row = {
                "status": "error",
                "error": {"message": str(error), "retryable": error.retryable},
            }
        if self.metrics is not None:
            self.metrics.step_executed(failed=row["status"] == "error")
        step = self._step_row(
            outcome,
            command.step_id,
            command.action,
            started,
            self.clock.now(),
            attempt=command.attempt,
            input=redact(command.input, self._secret_values),
            **row,
        )
        outcome.steps.append(step)
        if has_outside_effect(command.action, command.input, self.actions):
            rows = _unrecorded(outcome)
            lease.record(outcome.run_id, rows)
            outcome.ahead += rows
            outcome.steps.clear()
        return result

    def _step_row(
        self,
        outcome: _Outcome,
        step_id: str,
        kind: str,
        started: datetime,
        finished: datetime,
        *,
        status: str,
        attempt: int = 1,
        input: JSON = None,
        output: JSON = None,
        error: JSON = None,
    ) -> StepRecord:
        return StepRecord(
            run_id=outcome.run_id,
            step_id=step_id,
            visit=outcome.state.visits.get(step_id, 1),
            attempt=attempt,
            kind=kind,
            status=status,  # type: ignore[arg-type]  # one of the StepStatus literals
            input=input,
            output=redact(output, self._secret_values),
            error=error,
            started_at=started,
            finished_at=finished,
        )

    def _save(self, tx: Transaction, outcomes: list[_Outcome]) -> None:
        """Save a batch's outcomes together, each kind of row in one statement.

        Per run this does what saving it alone would: its state and lease,
        its step rows not yet recorded (an action with outside effects was
        recorded as it completed), the events it emitted, then its waits. Its wait is
        stored after those events, and ``_look_back`` then finds any of them
        it should receive, as it would an event from another transaction.
        """
        now = self.clock.now()
        saves = [
            RunSave(
                outcome.run_id,
                outcome.state.status,
                state_to_json(outcome.state),
                None if outcome.finished else outcome.timer,
                outcome.inbox_upto,
            )
            for outcome in outcomes
        ]
        held = tx.save_runs(self.owner, now, saves)
        saved: list[_Outcome] = []
        for outcome in outcomes:
            if outcome.run_id in held:
                saved.append(outcome)
            else:
                log.warning("run %s: lease lost; its work will be redone", outcome.run_id)
        tx.record_steps([row for outcome in saved for row in _unrecorded(outcome)])
        emitted = [
            EventIn(name, data, event_id) for o in saved for name, event_id, data in o.emitted
        ]
        if emitted:
            self._ingest(tx, emitted)
        # A finished run's waits went with save_runs.
        going = [outcome for outcome in saved if not outcome.finished]
        tx.delete_waits_of(
            [o.run_id for o in going if (o.was_waiting and o.moved_on) or o.step_wait], "step"
        )
        waits: list[Wait] = []
        looking: list[tuple[str, WaitForEvent]] = []
        for outcome in going:
            waits += [_wait_row(outcome.run_id, wait) for wait in outcome.cancel_waits]
            if outcome.step_wait is not None:
                waits.append(_wait_row(outcome.run_id, outcome.step_wait))
                looking.append((outcome.run_id, outcome.step_wait))
        tx.add_waits(waits)
        self._look_back(tx, looking, now)

    @staticmethod
    def _look_back(tx: Transaction, looking: list[tuple[str, WaitForEvent]], now: datetime) -> None:
        """Deliver events that arrived after the previous step began but before
        these waits were stored: the race a wait must not lose. Done in the
        transaction that stores the waits, so an event lands either here or in
        the ingest's own look-up of waits. One read per event name, from the
        earliest ``since`` among its waits; each wait then takes the first
        matching event from its own ``since`` on."""
        by_name: dict[str, list[tuple[str, WaitForEvent]]] = {}
        for run_id, wait in looking:
            by_name.setdefault(wait.event, []).append((run_id, wait))
        for name, waits in by_name.items():
            arrived = [
                (event.received_at, event_from_document(event).as_cel())
                for event in tx.events_since(name, min(wait.since for _, wait in waits))
            ]
            for run_id, wait in waits:
                for received_at, document in arrived:
                    if received_at >= wait.since and wait_matches_document(wait, document):
                        tx.enqueue_all([Delivery(run_id, "event", document)], now)
                        break

    def _declared(self, workflow: Workflow) -> dict[str, str]:
        return {name: self.secrets[name] for name in workflow.secrets if name in self.secrets}

    def run_virtual(self, clock: VirtualClock, until: datetime | None = None) -> None:
        """Drive on a virtual clock, jumping straight to each next timer, until no
        run has a timer left or the next one lies past ``until`` (then the clock
        stops at ``until``, so events can be sent at exactly that moment)."""
        while True:
            if self.drive_once():
                continue
            next_wake = self.store.next_wake_at()
            if next_wake is None or (until is not None and next_wake > until):
                if until is not None:
                    clock.advance_to(until)
                return
            clock.advance_to(next_wake)


def _wait_row(run_id: str, wait: WaitForEvent) -> Wait:
    return Wait(
        run_id,
        wait.purpose,
        wait.step_id,
        wait.index,
        wait.event,
        wait.match_path,
        wait.match_value,
        wait.timeout_at,
        wait.since,
    )


def _inbox_input(kind: str, payload: JSON) -> Input:
    if kind == "start":
        return Start(event_from_document(payload))
    if kind == "cancel":
        return Cancel(str(payload.get("reason", "cancelled")))
    if kind == "retry":
        return Retry()
    if kind == "event":
        return EventReceived(event_from_document(payload))
    raise StoreError(f"unknown inbox kind {kind!r}: this store was written by another flow")


def _emit(outcome: _Outcome, name: str, envelope: JSON) -> str:
    """``event.send`` hands over ``{"id", "data"}``; the event is ingested in the
    transaction that records the step, so it exists exactly when the step does."""
    event_id = str(envelope["id"])
    outcome.emitted.append((name, event_id, envelope.get("data")))
    return event_id


def _unrecorded(outcome: _Outcome) -> list[StepRecord]:
    """The run's new step rows, less those a previous worker already recorded
    (it got as far before it died, and the core has just redone that part)."""
    return [
        row
        for row in outcome.steps
        if (row.step_id, row.visit, row.attempt) not in outcome.recorded
    ]


def _recorded_error(outcome: _Outcome, step_id: str) -> bool:
    rows = [*outcome.steps, *outcome.ahead]
    return any(row.step_id == step_id and row.status == "error" for row in rows)
