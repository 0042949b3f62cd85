"""The store's contract: every named operation, once, as a ``Protocol``, and
``Store``, what the daemon, the CLI and the dashboard hold.

The SQL transaction (``store.py``) and the in-memory one (``memory/``) both
satisfy ``Transaction``, and mypy checks that they do: ``Store.transaction()``
and ``Store.reading()`` are typed with it, so a twin that drifts from it no
longer type-checks. The contract suite (``tests/integration/store``) runs the
same tests on SQLite, PostgreSQL and memory, for what the types cannot state.

An operation is written once here (its signature and what it promises), once
in SQL (``store/sql/<concern>.py``) and once in memory (``store/memory/``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from interpreter.language.values import JSON
from interpreter.store import records as rec
from interpreter.store.conversion_records import (
    Conversion,
    EmailOutcomes,
    GoalFigures,
    StoredConversion,
)


class Transaction(Protocol):
    """The named operations, inside one transaction: in a write transaction
    they commit together when the ``with`` block ends, or not at all."""

    # ---- definitions (store/sql/definitions.py) ----------------------------

    def save_definition(self, definition: rec.Definition, now: datetime) -> None:
        """Keep the campaign snapshot a run will be pinned to; a known hash is a no-op."""

    def load_definition(self, hash: str) -> rec.Definition:
        """The snapshot with that hash; NotFound if there is none."""

    def campaign_ids(self) -> list[str]:
        """Every campaign with a stored definition, sorted."""

    # ---- events (store/sql/events.py) -----------------------------------------

    def record_events(self, events: Sequence[rec.EventRecord]) -> list[bool]:
        """Store each event once per id; for each, whether it is new (a repeated
        id, earlier in the batch included, is new only its first time)."""

    def get_event(self, id: str) -> rec.StoredEvent:
        """The event with that id; NotFound if there is none."""

    def events_since(self, event_name: str, since: datetime) -> list[rec.StoredEvent]:
        """Events of that name received at or after ``since``, oldest first."""

    # ---- runs (store/sql/runs.py) ------------------------------------------------

    def start_runs(self, starts: Sequence[rec.RunStart], now: datetime) -> set[str]:
        """Create runs due now, each with its ``start`` input queued, in order;
        returns the ids of those created (not those whose idempotency key, in
        the store or earlier in the batch, already had a run)."""

    def enqueue_all(self, deliveries: Sequence[rec.Delivery], now: datetime) -> set[str]:
        """Queue the inputs, in order, and make their runs due now (never later
        than they were); returns the ids of the runs that took them, leaving
        out the finished and the unknown ones, which queue nothing."""

    def reopen_run(self, run_id: str, now: datetime) -> bool:
        """Make a failed run running and due now, with a ``retry`` input queued;
        False, changing nothing, unless the run exists and is failed."""

    def claim_due_runs(
        self, now: datetime, owner: str, lease: float, limit: int, run_ids: rec.Ids = None
    ) -> list[rec.ClaimedRun]:
        """Lease up to ``limit`` due runs (only among ``run_ids`` if given) to
        ``owner`` for ``lease`` seconds, earliest due first, with their inputs.
        A claimed run is due again when its lease expires, so it comes back by
        itself if its worker dies. A run taken over from another owner (whose
        lease it still carried) comes with its step rows, among them the
        outcomes that owner recorded before it could save the run."""

    def renew_leases(self, owner: str, run_ids: Sequence[str], until: datetime) -> set[str]:
        """Extend ``owner``'s lease on these runs to ``until``; returns the ids it
        still held (a run another worker took over is not touched). A run whose
        wake time is its lease expiry keeps the two together."""

    def record_steps_held(self, owner: str, run_id: str, steps: Sequence[rec.StepRecord]) -> bool:
        """Record a run's completed step attempts if ``owner`` still holds its
        lease; False, recording nothing, when another worker took it over."""

    def save_runs(self, owner: str, now: datetime, saves: Sequence[rec.RunSave]) -> set[str]:
        """Store claimed runs' new states and give up their leases; returns the
        ids saved, those whose lease ``owner`` still held (the others changed
        nothing: another worker took them over). Inputs up to each save's
        ``consumed_inbox_upto`` are deleted, and a run with inputs still queued
        stays due now. A finished run loses its wake time, waits and inputs."""

    def record_steps(self, steps: Sequence[rec.StepRecord]) -> None:
        """Record completed step attempts. A second record of one (run, step,
        visit, attempt) raises StoreError: an attempt ran twice under one lease."""

    def next_wake_at(self) -> datetime | None:
        """The earliest time any run will be due (a leased run's: its lease expiry)."""

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        """For each status: (runs, of which due by ``due_by``), for /metrics."""

    def list_runs(
        self, status: str | None = None, workflow_id: str | None = None, limit: int = 100
    ) -> list[rec.RunRecord]:
        """The newest runs first (then by id), optionally of one status and campaign."""

    def replay_candidates(
        self, workflow_id: str, status: str, since: rec.Bound, until: rec.Bound, limit: int | None
    ) -> list[rec.RunRecord]:
        """Runs of a campaign in ``status`` created in [since, until), oldest
        first, leaving out those already replayed (a run whose idempotency key
        is ``replay:<their id>`` exists)."""

    def get_run(self, run_id: str) -> rec.RunDetail:
        """The run with its step attempts in the order they were recorded; NotFound."""

    # ---- entry keys (store/sql/entry.py) -------------------------------------------

    def runs_holding_keys(self, workflow_id: str, keys: Sequence[str]) -> dict[str, rec.RunRecord]:
        """For each of these entry keys that a run of the campaign holds, that
        run: the newest one started with the key. On PostgreSQL their rows stay
        locked until the transaction ends, so two starts for one key take turns."""

    def release_entry_keys(self, run_ids: Sequence[str]) -> None:
        """These runs give their entry key up to a newer run; each keeps it
        released (``records.released_key``), so no later start sees it as held."""

    def cancel_runs(self, cancels: Sequence[rec.RunCancel], now: datetime) -> set[str]:
        """End each run now as cancelled, with its given state: no wake time, no
        lease (a worker holding it loses it), its waits and queued inputs
        dropped. Returns the ids cancelled, leaving out the finished and unknown."""

    # ---- bursts (store/sql/bursts.py) ------------------------------------------------

    def debounce_events(self, events: Sequence[rec.BurstEvent]) -> None:
        """Start a burst per (campaign, key), or extend the one there, in order:
        it keeps its first event's time and timeout, takes the latest event and
        is due at the earlier of that event's ``due_at`` and the burst's timeout.
        Idle workers are woken on commit, to take the new due time in."""

    def claim_due_bursts(
        self, now: datetime, limit: int, keys: Sequence[tuple[str, str]] | None = None
    ) -> list[rec.Burst]:
        """Take up to ``limit`` bursts due by ``now`` (only those of these
        (campaign, key) pairs if given), earliest first, deleting them: each
        burst is claimed by exactly one caller, across workers."""

    def next_burst_due_at(self) -> datetime | None:
        """When the earliest burst is due."""

    def pending_bursts(
        self, workflow_id: str | None = None, limit: int = 100, event_ids: rec.Ids = None
    ) -> list[rec.Burst]:
        """Bursts not yet claimed, earliest due first (only those whose latest
        event is one of ``event_ids`` if given)."""

    # ---- waits (store/sql/waits.py) ----------------------------------------------

    def add_waits(self, waits: Sequence[rec.Wait]) -> None:
        """Store waits; a keyed one is indexed by the canonical text of its value."""

    def delete_waits_of(
        self, run_ids: Sequence[str], purpose: rec.WaitPurpose | None = None
    ) -> int:
        """Delete the waits of these runs (only those of ``purpose`` if given); how many."""

    def list_waits(self, run_id: str) -> list[rec.Wait]:
        """A run's waits in the order they were stored."""

    def candidate_waits_among(
        self, event_name: str, documents: Sequence[Mapping[str, JSON]]
    ) -> list[list[rec.WaitCandidate]]:
        """For each event document (``{"id", "name", "data", "ts"}``) of that
        name, the waits it may resolve, found by key only: the waits with no
        key, and those whose key is the document's value at their path."""

    # ---- cron (store/sql/cron.py) ----------------------------------------------------

    def save_fan_out_progress(self, progress: rec.FanOutProgress) -> None:
        """Store a fan-out's cursor, replacing the visit's previous one. The
        engine calls it in the transaction that writes the chunk of events it
        covers, after ``renew_leases`` confirmed the run is still its own."""

    def fan_out_progress(self, run_id: str) -> list[rec.FanOutProgress]:
        """The run's fan-out cursors, by step and visit."""

    def claim_cron_tick(self, workflow_id: str, tick_at: datetime) -> bool:
        """True for exactly one caller per (campaign, tick), across daemons."""

    def latest_cron_tick(self, workflow_id: str) -> datetime | None:
        """The latest tick of a campaign's cron triggers that some daemon claimed."""

    # ---- suppressions (store/sql/suppressions.py) --------------------------------

    def add_suppression(self, suppression: rec.Suppression) -> bool:
        """Suppress its address (kept lower-cased) for every email, or for its one
        category (a topic it left), as of its ``created_at``; False if it
        already was."""

    def remove_suppression(self, address: str, category: str | None = None) -> bool:
        """Lift that one suppression (any case); False if there was none."""

    def suppressed_among(
        self, addresses: Sequence[str], category: str | None = None
    ) -> dict[str, str | None]:
        """Which of ``addresses`` may not get an email of ``category``, lower-cased,
        each with what blocks it: None for the whole list (which wins), or the
        category left. Without ``category`` only the whole list counts."""

    def topics_left(self, address: str) -> set[str]:
        """The categories ``address`` unsubscribed from one by one."""

    def list_suppressions(self, limit: int = 1000) -> list[rec.Suppression]:
        """The newest suppressions first (then by address)."""

    # ---- throttles (store/sql/throttles.py) ------------------------------------------

    def reserve_turn(
        self, queues: Sequence[rec.ThrottleQueue], holder: str, clock: Callable[[], datetime]
    ) -> rec.Turn:
        """The turn of ``holder`` (an action attempt) in every one of ``queues`` (at
        least one) at once, first come first served across every worker.
        ``now`` is read from ``clock`` once the queues are locked.

        A new holder is given the latest of ``now``, each queue's latest turn,
        and its ``limit``-th latest plus its ``period``; a turn due now is a
        start, stamped ``now``. A holder asking again before its turn, or after
        it started, gets the same time back (a crash, a takeover). A holder whose
        turn has come starts now if the starts that really happened leave room
        in every queue (the ``limit``-th latest start plus ``period`` has passed);
        otherwise its turn moves to that moment, which is returned."""

    # ---- frequency caps (store/sql/sends.py) -----------------------------------------

    def reserve_send(self, send: rec.CappedSend) -> datetime | None:
        """Check the send's caps for each of its addresses in its category and,
        when every cap admits it for every address, record it at ``send.at`` for
        each of them: None. A cap counts the sends within ``(at - per, at]``, of
        any holder. When one would break, nothing is recorded and the answer is
        the earliest instant at which every cap admits the send. Its ``holder``
        already recorded: None, nothing added. The check
        and the record hold a lock on each address until the transaction ends."""

    def release_sends(self, holders: Sequence[str]) -> int:
        """Forget the sends of these holders (they failed for good); how many rows."""

    def held_back_sends(
        self, workflow_id: str, since: rec.Bound, until: rec.Bound
    ) -> dict[str, int]:
        """For the campaign's runs created in [since, until): how many
        ``email.send`` steps went without their email, by why (``capped``,
        ``unsubscribed``, ``suppressed``: the ``skipped`` of their output), and
        how many sends a full cap ``deferred`` (each once, however often);
        reasons with none are left out."""

    def sends_to(self, address: str, category: str) -> list[datetime]:
        """When the recorded sends to ``address`` (any case) in ``category`` were
        made, oldest first."""

    # ---- dashboard reads (store/sql/browsing.py) ------------------------------------

    def search_runs(self, where: rec.RunFilter) -> list[rec.RunSummary]:
        """One page of runs, newest first by (created_at, id). With ``text``:
        only runs whose trigger event has it as one of its data's string values
        (any case; object keys are not terms), among the first SEARCH_EVENTS
        such events."""

    def funnel(self, workflow_id: str, since: rec.Bound, until: rec.Bound) -> dict[str, int]:
        """For runs of the campaign created in [since, until): how many reached
        each step (recorded an attempt that was not skipped), by step id."""

    def count_runs(self, workflow_id: str, since: rec.Bound, until: rec.Bound) -> int:
        """How many runs of the campaign were created in [since, until)."""

    def email_outcomes(
        self, workflow_id: str, since: rec.Bound, until: rec.Bound
    ) -> dict[str, EmailOutcomes]:
        """For runs of the campaign created in [since, until), per email step
        with any: its sends skipped (an ok ``email.send`` row with ``skipped``,
        by why), and of its emails sent (as ``goal_figures`` counts them) how
        many were unsubscribed from or bounced (``UNSUBSCRIBED``/``BOUNCED``
        events with the email's id, any case, as one of their data's strings)."""

    def runs_at_steps(
        self, workflow_id: str, since: rec.Bound, until: rec.Bound
    ) -> dict[str, dict[str, int]]:
        """For runs of the campaign created in [since, until) still going
        (running, sleeping, waiting): how many are at each step now, by step
        id and status."""

    def replayed_as(self, workflow_id: str, run_id: str) -> str | None:
        """The id of the run that replays ``run_id`` (its idempotency key is
        ``replay:<run_id>``), or None when it was never replayed."""

    def list_events(
        self, before_seq: int | None = None, text: str | None = None, limit: int = 50
    ) -> list[rec.EventRuns]:
        """Received events, newest first (below ``before_seq``; with ``text`` as
        one of their data's string values, uncapped), with the runs they started
        or resumed."""

    # ---- conversions (store/sql/conversions.py) ---------------------------------

    def record_conversions(self, conversions: Sequence[Conversion]) -> set[str]:
        """Record each run's conversion, at most one per run (a second is a
        no-op), with its run's campaign and creation time; returns the ids of
        the runs whose conversion is new (an unknown run records nothing)."""

    def list_conversions(self, run_ids: Sequence[str]) -> list[StoredConversion]:
        """The conversions of these runs, by run id."""

    def count_conversions(self, workflow_id: str | None = None) -> int:
        """How many runs converted (of one campaign, if given)."""

    def runs_by_id(self, run_ids: Sequence[str]) -> list[rec.RunRecord]:
        """These runs, by id; unknown ids are left out."""

    def drop_expired_goal_waits(self, now: datetime) -> int:
        """Delete the goal subscriptions whose attribution window closed before
        ``now``; how many."""

    def goal_figures(self, workflow_id: str, since: rec.Bound, until: rec.Bound) -> GoalFigures:
        """For runs of the campaign created in [since, until): how many
        converted; per (split step, path) how many took it and converted; per
        email step, the emails sent (not skipped) and how many of them had an
        open and a click recorded (events with the email's id, any case, as
        one of their data's strings); how many runs reached each step, as
        ``funnel`` counts them."""
