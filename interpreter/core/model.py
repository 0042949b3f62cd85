"""The values the pure core works on: a run's state, the inputs that move it, and
the commands it asks the outside world to carry out.

Everything here is JSON-friendly so that the store can keep a state as one
document and a crash-recovered process sees exactly what the crashed one saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from interpreter.language.values import JSON as JSON  # re-exported: the one alias

RunStatus = Literal[
    "running", "sleeping", "waiting", "completed", "failed", "cancelled", "timed_out", "converted"
]
# Every status, in the order above: derived from the type, so the two cannot drift.
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
FINISHED: frozenset[str] = frozenset({"completed", "failed", "cancelled", "timed_out", "converted"})


@dataclass(frozen=True)
class Event:
    """An event as flow records it: ``{id, name, data, ts}``."""

    id: str
    name: str
    data: JSON
    ts: datetime

    def as_cel(self) -> dict[str, JSON]:
        return {"id": self.id, "name": self.name, "data": self.data, "ts": self.ts.isoformat()}


@dataclass(frozen=True, kw_only=True)
class RunState:
    """Where one run stands.

    ``cursor`` is the index of the step the run is at (the one running, asleep or
    waiting), or None once finished. ``visits`` counts how often each step has
    been entered, so that an action inside a loop gets a fresh idempotency key on
    every pass. ``attempt`` is the 1-based try of the current action step.
    """

    run_id: str
    workflow_id: str
    workflow_hash: str
    status: RunStatus = "running"
    event: JSON = None  # the trigger event, Event.as_cel() form
    vars: dict[str, JSON] = field(default_factory=dict)
    # id -> {"output": ...}, plus "error" ({message, retryable, attempts} or
    # null) for a step with on_error
    steps: dict[str, dict[str, JSON]] = field(default_factory=dict)
    cursor: int | None = 0
    attempt: int = 0
    # Attempts of the current visit spent before the latest ``Retry``: the retry
    # policy counts only the ones after it, while attempt numbers keep growing so
    # that every attempt keeps its own row on the timeline.
    retry_base: int = 0
    visits: dict[str, int] = field(default_factory=dict)
    started_at: datetime | None = None
    wake_at: datetime | None = None  # when a sleep ends, a wait times out or a retry is due
    error: JSON = None  # {"step", "message", "location", "retryable", "attempts"} once failed
    # When the latest step that took time (an action, sleep or wait) began, so the
    # next wait can match events that arrived while that step was still going.
    step_started_at: datetime | None = None
    # The run's IANA zone, fixed at start (quiet hours and windows are read in
    # it; CEL sees it as ``run.timezone``), and why that zone: "from the event",
    # or which fallback and the reason ("'Mars/Base' is not a time zone").
    timezone: str = "UTC"
    timezone_why: str | None = None
    # The campaign's ``timeout`` after ``started_at``: reached, the run ends timed_out.
    deadline: datetime | None = None
    # The paths a replay keeps: ``"<split step id>:<visit>"`` -> the output
    # ``{path, bucket}`` the replayed run had there, taken over the formula
    # while the path still exists (see core/_split.py).
    kept_paths: dict[str, JSON] = field(default_factory=dict)
    # The turn a throttled action attempt was given in its queues, while the
    # run sleeps until it: on waking the action runs without asking again.
    throttled_until: datetime | None = None
    # For the conversion goal (core/_goal.py): the last email step that sent,
    # when the run finished (its attribution window starts there) and when
    # it converted (at most once).
    last_email_step: str | None = None
    finished_at: datetime | None = None
    converted_at: datetime | None = None


_STATE_FIELDS = frozenset(f.name for f in fields(RunState))


def changed(state: RunState, **changes: Any) -> RunState:
    """``dataclasses.replace`` for a run state, at a fifth of its cost: the core
    makes a new state per step, and ``replace`` re-runs ``__init__`` with every
    field. RunState has no ``__post_init__`` to skip, so the result is the same."""
    unknown = changes.keys() - _STATE_FIELDS
    if unknown:
        raise TypeError(f"RunState has no field {', '.join(sorted(unknown))}")
    new = object.__new__(RunState)
    new.__dict__.update(state.__dict__, **changes)
    return new


# ---- inputs ---------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """A trigger event starts the run."""

    event: Event


@dataclass(frozen=True)
class StepSucceeded:
    step_id: str
    output: JSON
    attempt: int


@dataclass(frozen=True)
class StepFailed:
    step_id: str
    message: str
    retryable: bool
    attempt: int


@dataclass(frozen=True)
class EventReceived:
    """A candidate event for the run's pending wait or its ``cancel_on``."""

    event: Event


@dataclass(frozen=True)
class TimerFired:
    """The run's ``wake_at`` has passed: a sleep ended, a wait timed out or a retry is due."""


@dataclass(frozen=True)
class Cancel:
    reason: str = "cancelled"


@dataclass(frozen=True)
class Retry:
    """An operator resumes a failed run at the step that failed (``flow runs retry``)."""


@dataclass(frozen=True)
class SlotReserved:
    """The store gave a throttled action attempt its turn: ``started`` (at ``at``,
    now), or a turn ahead at ``at``, when the run asks again."""

    step_id: str
    attempt: int
    at: datetime
    started: bool


@dataclass(frozen=True)
class StepDeferred:
    """The action of attempt ``attempt`` may not run before ``until`` (a full
    frequency cap): the step tries it again then (``core/_deferral.py``)."""

    step_id: str
    attempt: int
    until: datetime


Input = (
    Start
    | StepSucceeded
    | StepFailed
    | EventReceived
    | TimerFired
    | Cancel
    | Retry
    | SlotReserved
    | StepDeferred
)


# ---- commands -------------------------------------------------------------


@dataclass(frozen=True)
class RunAction:
    """Execute ``action`` with the resolved ``with`` values.

    ``idempotency_key`` is stable across retries of this visit of the step.
    """

    step_id: str
    action: str
    input: JSON
    attempt: int
    idempotency_key: str


@dataclass(frozen=True)
class SleepUntil:
    """Wake the run at ``until``: a sleep step, or (``retry=True``) the backoff
    before the next attempt of the action step ``step_id``."""

    step_id: str
    until: datetime
    retry: bool = False


@dataclass(frozen=True)
class WaitForEvent:
    """Park the run until a matching event (``purpose="step"``), or subscribe it to
    a ``cancel_on`` event for its whole life (``purpose="cancel"``, ``index`` the
    position in ``cancel_on``). A ``wait_for_event`` with ``any`` asks for one
    step wait per entry, ``index`` 0, 1, ... in the order of ``any``: the
    commands after the first add to the step's waits rather than replace them.
    A run's conversion goal is ``purpose="goal"``: for its life, then with
    ``timeout_at`` the end of the attribution window.

    ``match_path``/``match_value`` is the indexed key extracted from the ``if``:
    an equality between a path into ``async`` (``"data.email_id"``) and a value
    computed from the run's own names, so the store finds candidates by index
    rather than by evaluating every waiting run's CEL. Both are None when the
    expression has no such equality; then every event of that name is a
    candidate. ``since`` is the earliest event time that may still match: the
    start of the previous step, minus ``lookback``.
    """

    step_id: str | None
    event: str
    match_path: str | None
    match_value: JSON
    timeout_at: datetime | None
    since: datetime
    purpose: Literal["step", "cancel", "goal"] = "step"
    index: int = 0


@dataclass(frozen=True)
class Complete:
    pass


@dataclass(frozen=True)
class Fail:
    step_id: str | None
    message: str
    location: str | None = None


@dataclass(frozen=True)
class Cancelled:
    """The run was cancelled (``flow runs cancel`` or a ``cancel_on`` event).

    Terminal like Complete and Fail: the engine drops the run's waits and timer.
    """

    reason: str


@dataclass(frozen=True)
class Record:
    """Record a step that finished without an action (sleep, wait, switch, set,
    split, one skipped by its ``if`` or by quiet hours), an action deferred by
    quiet hours, a step that failed for good and went on by its ``on_error``,
    or the step a run was in when it timed out, so the timeline shows it."""

    step_id: str
    kind: str
    output: JSON
    # 0 for a row that precedes the step's first attempt (a deferral by quiet
    # hours), so it keeps its own (run, step, visit, attempt) key.
    attempt: int = 1


@dataclass(frozen=True)
class FanOut:
    """Emit one event per item of a ``for_each`` step; the engine answers with
    ``StepSucceeded({count})`` or ``StepFailed``.

    ``source`` is ``{"items": [...]}`` or ``{"query": {url, query, params}}``,
    already rendered. ``data`` is the step's template, rendered per item by the
    engine over ``scope`` plus ``item`` and ``index``; ``id_prefix`` is
    ``"<run id>:<step id>"``, each event's id that plus ``":<index>"``.
    """

    step_id: str
    attempt: int
    source: JSON
    event: str
    data: Any
    scope: Any
    id_prefix: str
    location: str


@dataclass(frozen=True)
class Queue:
    """One queue a throttled attempt joins: at most ``limit`` starts per ``period``."""

    key: str
    limit: int
    period: timedelta


@dataclass(frozen=True)
class ReserveSlot:
    """Give the attempt ``attempt`` of ``step_id`` its turn in every one of ``queues``
    at once (a step's throttle and the shared send rate); answered by
    ``SlotReserved``. ``holder`` names the attempt, so asking again (after a crash)
    gives back the same turn."""

    step_id: str
    attempt: int
    holder: str
    queues: tuple[Queue, ...]


@dataclass(frozen=True)
class TimedOut:
    """The run reached its deadline (the campaign's ``timeout``).

    Terminal like Cancelled: the engine drops the run's waits and timer.
    """

    deadline: datetime


@dataclass(frozen=True)
class Deadline:
    """Wake the run at ``at`` at the latest, whatever its steps wait for: the
    engine keeps the earlier of this and the step's own timer as the run's
    wake-up, so a run waiting with no timeout still wakes to time out."""

    at: datetime


@dataclass(frozen=True)
class Converted:
    """The run reached its conversion goal: record the conversion once. With
    ``ends_run`` it was unfinished and ends here, status ``converted``; else it
    goes on (``exit: false``) or had already finished. ``paths`` maps each split
    step the run went through to the path it took."""

    event_id: str
    converted_at: datetime
    last_email_step: str | None
    paths: dict[str, str]
    ends_run: bool
    after_finish: bool


Command = (
    FanOut
    | RunAction
    | SleepUntil
    | WaitForEvent
    | Complete
    | Fail
    | Cancelled
    | TimedOut
    | Deadline
    | Record
    | ReserveSlot
    | Converted
)
