"""The values the store hands out and takes in. Rows become these at the edge;
no SQLAlchemy Row ever leaves the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from interpreter.language.policies import Cap
from interpreter.language.values import JSON
from interpreter.language.wait_keys import canonical

InboxKind = Literal["start", "event", "cancel", "retry"]
# A replayed run's idempotency key is this prefix and the id of the run it
# replays: the link kept without a column, and one replay per run at most.
REPLAY_KEY_PREFIX = "replay:"
WaitPurpose = Literal["step", "cancel", "goal"]
# "deferred": an attempt whose action may not run yet (a full frequency cap).
StepStatus = Literal["ok", "error", "skipped", "deferred"]
# An optional end of a time range: None leaves that side open.
Bound = datetime | None
# The runs a claim is narrowed to; None claims any due run.
Ids = Sequence[str] | None
# At most this many matching events are looked at by one run search (read at
# call time, so a test can lower it).
SEARCH_EVENTS = 10_000


def earlier(wake_at: datetime | None, now: datetime) -> datetime:
    """A run's wake time once it has an input to take: never later than now
    (work is never postponed), never earlier than it was."""
    return now if wake_at is None or wake_at > now else wake_at


@dataclass(frozen=True, slots=True)
class Definition:
    """A campaign snapshot a run is pinned to: the YAML and its templates."""

    hash: str
    workflow_id: str
    source_file: str
    source_text: str
    files: dict[str, str]


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A pending input for a run, consumed in ``seq`` order."""

    seq: int
    kind: InboxKind
    payload: JSON


@dataclass(frozen=True, slots=True)
class ClaimedRun:
    """A run this worker now holds the lease on, with its pending inputs.

    ``recorded``: when the run was taken over from another worker (a crash, a
    lost lease), its step rows, among which the outcomes of actions that
    worker recorded before it could save the run."""

    run_id: str
    workflow_id: str
    workflow_hash: str
    status: str
    state: dict[str, JSON]
    inbox: tuple[InboxItem, ...]
    recorded: tuple[StepRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Wait:
    """A run's subscription to an event, as the engine asks to store it.

    ``match_value`` is any JSON value; the store keys it by its canonical text.
    """

    run_id: str
    purpose: WaitPurpose
    step_id: str | None
    idx: int
    event_name: str
    match_path: str | None
    match_value: JSON
    timeout_at: datetime | None
    since: datetime

    @property
    def key(self) -> str | None:
        """The canonical text the wait is indexed by; None for an unkeyed wait."""
        return None if self.match_path is None else canonical(self.match_value)


@dataclass(frozen=True, slots=True)
class WaitCandidate:
    """A wait whose indexed key matches an event; its full ``if`` is still to check."""

    run_id: str
    purpose: WaitPurpose
    step_id: str | None
    idx: int
    since: datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as ``record_events`` stores it."""

    id: str
    name: str
    data: JSON
    ts: datetime
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StoredEvent(EventRecord):
    """An event as the store gives it back: with the seq that orders arrivals."""

    seq: int


@dataclass(frozen=True, slots=True)
class RunStart:
    """A run as ``start_runs`` creates it: due now, with its ``start`` input queued."""

    run_id: str
    workflow_id: str
    workflow_hash: str
    idempotency_key: str | None
    trigger_event_id: str | None
    state: JSON
    start: JSON


@dataclass(frozen=True, slots=True)
class Delivery:
    """An input ``enqueue_all`` queues for a run; queued, it is an ``InboxItem``
    with the seq that orders it among the run's inputs."""

    run_id: str
    kind: InboxKind
    payload: JSON


@dataclass(frozen=True, slots=True)
class RunSave:
    """A claimed run's new state, as ``save_runs`` stores it."""

    run_id: str
    status: str
    state: JSON
    wake_at: datetime | None
    consumed_inbox_upto: int | None
    # The id of the step the run is at; None keeps the one stored (a finished
    # run keeps the step it ended at).
    step_id: str | None = None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One completed step attempt."""

    run_id: str
    step_id: str
    visit: int
    attempt: int
    kind: str
    status: StepStatus
    input: JSON
    output: JSON
    error: JSON
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    workflow_id: str
    workflow_hash: str
    status: str
    state: dict[str, JSON]
    idempotency_key: str | None
    trigger_event_id: str | None
    created_at: datetime
    updated_at: datetime
    wake_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    step_id: str | None = None  # the step the run is at (or ended at)


@dataclass(frozen=True, slots=True)
class RunDetail:
    """A run with its step attempts in the order they finished."""

    run: RunRecord
    steps: tuple[StepRecord, ...]


@dataclass(frozen=True, slots=True)
class FanOutProgress:
    """How far a ``for_each`` step's visit has written its events: ``done``
    events are committed (the cursor a taken-over fan-out resumes from), of
    ``total`` when known (a list's length, a query's count)."""

    run_id: str
    step_id: str
    visit: int
    done: int
    total: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Suppression:
    """An address campaign email is not sent to, and why (``unsubscribed``,
    ``bounced``, ``complained``, ``manual``). ``category`` None: no email at all;
    a name: the recipient left that topic (message category) only."""

    address: str
    reason: str
    detail: str | None
    created_at: datetime
    category: str | None = None


@dataclass(frozen=True, slots=True)
class CappedSend:
    """One ``email.send`` as its category's frequency caps see it: ``holder`` is
    the send's idempotency key, ``addresses`` its recipients (any case), ``at``
    the moment it would leave."""

    holder: str
    addresses: tuple[str, ...]
    category: str
    caps: tuple[Cap, ...]
    at: datetime


def blocking(rows: Iterable[tuple[str, str]]) -> dict[str, str | None]:
    """address -> None (the whole list) or the topic left; the whole list wins."""
    found: dict[str, str | None] = {}
    for address, category in rows:
        if category == "" or address not in found:
            found[address] = category or None
    return found


@dataclass(frozen=True, slots=True)
class RunFilter:
    """What the runs page asks for; ``after`` is the (created_at, id) of the
    previous page's last run."""

    workflow_id: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 50
    step_id: str | None = None  # only runs at (or ended at) this step


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run as the runs page lists it (no state document)."""

    id: str
    workflow_id: str
    status: str
    trigger_event_id: str | None
    created_at: datetime
    updated_at: datetime
    step_id: str | None = None  # the step it is at, or ended at
    wake_at: datetime | None = None  # its next wake-up (a leased run's: its lease expiry)
    # The address of the latest email it sent or skipped (``to``), if any.
    recipient: str | None = None


# The statuses of a run still going, at a step: what the funnel counts as "here now".
GOING = ("running", "sleeping", "waiting")


def recipient_of(output: JSON) -> str | None:
    """The address an email step's output names as ``to`` (the first of a
    list, with "+N" for the rest), or None."""
    to = output.get("to") if isinstance(output, dict) else None
    if isinstance(to, str):
        return to
    if isinstance(to, list) and to and all(isinstance(a, str) for a in to):
        return str(to[0]) + (f" +{len(to) - 1}" if len(to) > 1 else "")
    return None


@dataclass(frozen=True, slots=True)
class EventRuns:
    """An event with the runs it started and the (run, wait step) it resumed."""

    seq: int
    id: str
    name: str
    data: JSON
    received_at: datetime
    started: tuple[str, ...]
    resumed: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ThrottleQueue:
    """A queue of starts (a step's throttle, the shared send rate): the k-th
    start in it comes no earlier than the (k - limit)-th one plus ``period``."""

    key: str
    limit: int
    period: timedelta


@dataclass(frozen=True, slots=True)
class Turn:
    """A holder's turn: ``started`` when it began at ``at`` (now), else it lies
    ahead at ``at`` and the holder asks again then."""

    at: datetime
    started: bool


# The key a run keeps once a newer run took its entry key over (re-entry, or a
# replace): ``<key>~<run id>``, still readable and never equal to a live key,
# because a live key is canonical JSON text and this is not.
RELEASED_SEPARATOR = "~"


def released_key(key: str, run_id: str) -> str:
    return f"{key}{RELEASED_SEPARATOR}{run_id}"


@dataclass(frozen=True, slots=True)
class RunCancel:
    """A run ``cancel_runs`` ends at once, with the state the core gave its cancel."""

    run_id: str
    state: JSON


@dataclass(frozen=True, slots=True)
class BurstEvent:
    """A trigger event that starts or extends a campaign's burst for ``key``:
    ``due_at`` is the event's time plus the debounce period, ``timeout_at`` its
    time plus the timeout (a new burst's limit; None without a timeout)."""

    workflow_id: str
    key: str
    event_id: str
    event: JSON  # the event's CEL form, the run's ``event`` when the burst fires
    at: datetime
    due_at: datetime
    timeout_at: datetime | None


@dataclass(frozen=True, slots=True)
class Burst:
    """Trigger events of one campaign and key, waiting for a quiet ``period``:
    its run starts at ``due_at`` = min(last + period, first + timeout), with the
    latest event."""

    workflow_id: str
    key: str
    first_at: datetime
    last_at: datetime
    due_at: datetime
    timeout_at: datetime | None
    event_id: str
    event: JSON
    events: int
