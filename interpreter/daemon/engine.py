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
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from interpreter.actions.base import Action
from interpreter.actions.registry import ACTIONS
from interpreter.core.advance import advance
from interpreter.core.codec import state_from_json
from interpreter.core.model import (
    Cancel,
    Cancelled,
    Complete,
    Converted,
    Deadline,
    Fail,
    FanOut,
    Input,
    Record,
    ReserveSlot,
    RunAction,
    SleepUntil,
    TimedOut,
    TimerFired,
    WaitForEvent,
)
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.caps import released_sends
from interpreter.daemon.clock import Clock, VirtualClock
from interpreter.daemon.debounce import fire_due_bursts
from interpreter.daemon.entry import declared_secrets
from interpreter.daemon.executing import execute_action, reserve_turn
from interpreter.daemon.fanout import fan_out
from interpreter.daemon.goals import Goals
from interpreter.daemon.ingest import EventIn, IngestResult, cron_tick
from interpreter.daemon.ingest import ingest as ingest_events
from interpreter.daemon.leases import (
    BatchLease,
    LeaseLost,
    kept_split_paths,
)
from interpreter.daemon.metrics import Metrics
from interpreter.daemon.outcome import Outcome, adds_to_waits, inbox_input
from interpreter.daemon.saving import save_outcomes
from interpreter.language.definitions import Workflow
from interpreter.language.values import JSON
from interpreter.store import Store, Transaction
from interpreter.store.records import ClaimedRun, Delivery

log = logging.getLogger("flow.engine")

# The defaults of every daemon (``flow serve``, ``flow worker``, ``flow run``)
# and of the benchmarks, set once: runs claimed per batch, and how long a
# claim lasts before another worker may take the run over (renewed while the
# batch works, see leases.py).
DEFAULT_BATCH = 64

# The timeline status of a recorded step, by its kind: an `on_error` row shows
# a failure, a `timed_out` row where the run's timeout stopped it.
_RECORD_STATUS = {"skipped": "skipped", "on_error": "error", "timed_out": "error"}
DEFAULT_LEASE_SECONDS = 60


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
        # Whether bursts may be pending: a loaded campaign debounces, or the
        # store held bursts when last looked (a campaign that stopped debouncing).
        self._bursts: bool | None = None
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
    def secret_values(self) -> list[str]:
        return self._loaded.secret_values

    def load(self, campaigns: Campaigns, secrets: Mapping[str, str]) -> None:
        """Replace the campaigns and secrets at once (``flow serve`` on SIGHUP)."""
        self._loaded = _Loaded.of(campaigns, secrets)
        self._bursts = None

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
        return ingest_events(tx, self.campaigns, self.secrets, incoming, self.clock.now())

    def fire_cron_tick(self, workflow: Workflow, tick_at: datetime) -> str | None:
        """Claim one tick of a campaign's cron schedule and start its run, in one
        transaction: exactly one daemon wins a tick, and a tick is never claimed
        without its run. Returns the run's id, or None when another daemon had it."""
        with self.store.transaction() as tx:
            return cron_tick(tx, self.campaigns, workflow, tick_at, self.secrets, self.clock.now())

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
            outcome = self._process(claimed[0], lease, now)
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
            if run_ids is None and self._has_bursts(tx):
                # The runs due bursts start are due now: this same claim takes them.
                fire_due_bursts(tx, self.campaigns, self.secrets, now, self.batch)
            claimed = tx.claim_due_runs(
                now, self.owner, self.lease_seconds, self.batch, run_ids=run_ids
            )
        if not claimed:
            return 0
        until = now + timedelta(seconds=self.lease_seconds)
        lease = BatchLease(
            self.store, self.owner, self.lease_seconds, until, {run.run_id for run in claimed}
        )
        outcomes: list[Outcome] = []
        for run in claimed:
            try:
                outcomes.append(self._process(run, lease, now))
            except LeaseLost:
                log.warning("run %s: lease lost; its new worker carries it on", run.run_id)
        with self.store.transaction() as tx:
            self._save(tx, outcomes)
        return len(claimed)

    def _has_bursts(self, tx: Transaction) -> bool:
        if self._bursts is None:
            self._bursts = self.campaigns.debounced or tx.next_burst_due_at() is not None
        return self._bursts

    def next_wake_at(self) -> datetime | None:
        """When there is work next: a run due, or a burst due to start its run."""
        with self.store.reading() as tx:
            wake = tx.next_wake_at()
            if not self._has_bursts(tx):
                return wake
            burst = tx.next_burst_due_at()
        return burst if wake is None else wake if burst is None else min(wake, burst)

    def drive_run(self, run_id: str) -> bool:
        """Advance one run now if it is due and no other worker holds it."""
        return self.drive_once([run_id]) > 0

    def _process(self, claimed: ClaimedRun, lease: BatchLease, claimed_at: datetime) -> Outcome:
        workflow = self.campaigns.pinned(claimed.workflow_hash)
        state = kept_split_paths(state_from_json(claimed.state), claimed.recorded)
        outcome = Outcome(
            claimed.run_id,
            state,
            inbox_upto=max((item.seq for item in claimed.inbox), default=None),
            was_waiting=state.status == "waiting",
            timer=state.wake_at,  # the wake-up earlier commands set, saved with the run
            deadline=state.deadline,  # and the run's own deadline, from its Deadline
            recorded={(row.step_id, row.visit, row.attempt): row for row in claimed.recorded},
            claimed_at=claimed_at,
        )
        inputs: list[Input] = [inbox_input(item.kind, item.payload) for item in claimed.inbox]
        now = self.clock.now()
        cancels = [item for item in inputs if isinstance(item, Cancel)]
        if cancels:
            # An operator's cancel supersedes whatever is queued with it: a start
            # or an event queued before it must not run a step first.
            inputs = [cancels[0]]
        elif outcome.wake_at is not None and outcome.wake_at <= now:
            inputs.append(TimerFired())
            if self.metrics is not None:
                self.metrics.run_woken((now - outcome.wake_at).total_seconds())
        for item in inputs:
            self._apply(workflow, outcome, item, lease)
        cursor = outcome.state.cursor
        if cursor is not None and 0 <= cursor < len(workflow.steps):
            outcome.step_id = workflow.steps[cursor].id
        return outcome

    def _apply(self, workflow: Workflow, outcome: Outcome, first: Input, lease: BatchLease) -> None:
        pending: list[Input] = [first]
        while pending:
            now = self.clock.now()
            state, commands = advance(
                workflow,
                outcome.state,
                pending.pop(0),
                now,
                declared_secrets(workflow, self.secrets),
                self.campaigns.policies,
            )
            outcome.state = state
            for command in commands:
                if isinstance(command, Deadline):
                    outcome.deadline = command.at
                    continue
                if not _subscription_only(command):
                    # Every other command starts, ends or parks a step: the waits
                    # and the timer of the step before are spent.
                    outcome.moved_on, outcome.step_waits, outcome.timer = True, [], None
                if isinstance(command, RunAction):
                    pending.append(execute_action(self, workflow, outcome, command, lease))
                elif isinstance(command, FanOut):
                    pending.append(fan_out(self, outcome, command, lease))
                elif isinstance(command, ReserveSlot):
                    pending.append(reserve_turn(self, outcome, command))
                elif isinstance(command, SleepUntil):
                    outcome.timer = command.until
                elif isinstance(command, Complete | Cancelled | TimedOut):
                    outcome.finished = True
                    outcome.released_sends += released_sends(workflow, state)
                elif isinstance(command, Record):
                    outcome.steps.append(
                        outcome.step_row(
                            command.step_id,
                            command.kind,
                            now,
                            now,
                            self.secret_values,
                            status=_RECORD_STATUS.get(command.kind, "ok"),
                            attempt=command.attempt,
                            output=command.output,
                        )
                    )
                elif isinstance(command, Converted):
                    outcome.conversions.append(command)
                    outcome.finished = outcome.finished or command.ends_run
                elif isinstance(command, WaitForEvent):
                    if command.purpose == "cancel":
                        outcome.cancel_waits.append(command)
                    elif command.purpose == "goal":
                        outcome.goal_waits.append(command)
                    else:
                        outcome.step_waits.append(command)
                        outcome.timer = command.timeout_at
                elif isinstance(command, Fail):
                    outcome.finished = True
                    outcome.released_sends += released_sends(workflow, state)
                    if command.step_id is not None and not outcome.has_error_row(command.step_id):
                        # A failure that no action reported (a CEL error in an `if`
                        # or a `${ }`) still needs its row on the timeline.
                        outcome.steps.append(
                            outcome.step_row(
                                command.step_id,
                                "failed",
                                now,
                                now,
                                self.secret_values,
                                status="error",
                                error={"message": command.message, "location": command.location},
                            )
                        )

    def _save(self, tx: Transaction, outcomes: list[Outcome]) -> None:
        goals = Goals(self.campaigns, self.secrets)
        save_outcomes(tx, outcomes, self.owner, self.clock.now(), self._ingest, goals)

    def run_virtual(self, clock: VirtualClock, until: datetime | None = None) -> None:
        """Drive on a virtual clock, jumping straight to each next timer, until no
        run has a timer left or the next one lies past ``until`` (then the clock
        stops at ``until``, so events can be sent at exactly that moment)."""
        while True:
            if self.drive_once():
                continue
            next_wake = self.next_wake_at()
            if next_wake is None or (until is not None and next_wake > until):
                if until is not None:
                    clock.advance_to(until)
                return
            clock.advance_to(next_wake)


def _subscription_only(command: object) -> bool:
    """A command that leaves the step where it is: a ``cancel_on`` or goal
    subscription, a second or later entry of an ``any`` wait, or a conversion
    that lets the run go on (``exit: false``)."""
    if isinstance(command, WaitForEvent):
        return adds_to_waits(command) or command.purpose == "goal"
    return isinstance(command, Converted) and not command.ends_run
