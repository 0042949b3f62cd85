"""What processing one claimed run produced, and the rows made from it.

The engine fills an ``Outcome`` from the core's commands while it drives a run;
``saving.py`` writes a batch of them in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from interpreter.core.model import (
    Cancel,
    Converted,
    EventReceived,
    Input,
    Retry,
    RunState,
    Start,
    WaitForEvent,
)
from interpreter.daemon.events import event_from_document
from interpreter.daemon.secrets import redact
from interpreter.errors import StoreError
from interpreter.language.values import JSON
from interpreter.store.records import StepRecord, Wait


@dataclass
class Outcome:
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
    deadline: datetime | None = None  # the campaign's timeout: the latest wake-up
    moved_on: bool = False
    finished: bool = False
    steps: list[StepRecord] = field(default_factory=list)
    # Action outcomes already in the store: recorded as they completed, or found
    # recorded by a worker that held the run before (keyed by step, visit, attempt).
    ahead: list[StepRecord] = field(default_factory=list)
    recorded: dict[tuple[str, int, int], StepRecord] = field(default_factory=dict)
    cancel_waits: list[WaitForEvent] = field(default_factory=list)
    # The waits the run's current step parks on: one, or one per entry of `any`.
    step_waits: list[WaitForEvent] = field(default_factory=list)
    # The goal subscription to store (at start, on retry, or after finishing
    # for the attribution window), and the conversion the core decided.
    goal_waits: list[WaitForEvent] = field(default_factory=list)
    conversions: list[Converted] = field(default_factory=list)
    claimed_at: datetime | None = None
    emitted: list[tuple[str, str, JSON]] = field(default_factory=list)
    # Frequency-cap reservations of a send that failed for good (daemon/caps.py).
    released_sends: list[str] = field(default_factory=list)
    # The id of the step the run is at once processed (None once finished:
    # the store keeps the step it ended at), for the dashboard's funnel.
    step_id: str | None = None

    def step_row(
        self,
        step_id: str,
        kind: str,
        started: datetime,
        finished: datetime,
        secret_values: list[str],
        *,
        status: str,
        attempt: int = 1,
        input: JSON = None,
        output: JSON = None,
        error: JSON = None,
    ) -> StepRecord:
        """A timeline row for this run's current visit of ``step_id``, its output
        masked: a secret never reaches the store."""
        return StepRecord(
            run_id=self.run_id,
            step_id=step_id,
            visit=self.state.visits.get(step_id, 1),
            attempt=attempt,
            kind=kind,
            status=status,  # type: ignore[arg-type]  # one of the StepStatus literals
            input=input,
            output=redact(output, secret_values),
            error=error,
            started_at=started,
            finished_at=finished,
        )

    @property
    def wake_at(self) -> datetime | None:
        """When the run is due next: its step's timer or its deadline, the earlier."""
        times = [moment for moment in (self.timer, self.deadline) if moment is not None]
        return min(times) if times else None

    def emit(self, name: str, envelope: JSON) -> str:
        """``event.send`` hands over ``{"id", "data"}``; the event is ingested in the
        transaction that records the step, so it exists exactly when the step does."""
        event_id = str(envelope["id"])
        self.emitted.append((name, event_id, envelope.get("data")))
        return event_id

    def unrecorded(self) -> list[StepRecord]:
        """The run's new step rows, less those a previous worker already recorded
        (it got as far before it died, and the core has just redone that part)."""
        return [
            row for row in self.steps if (row.step_id, row.visit, row.attempt) not in self.recorded
        ]

    def has_error_row(self, step_id: str) -> bool:
        rows = [*self.steps, *self.ahead]
        return any(row.step_id == step_id and row.status == "error" for row in rows)


def adds_to_waits(wait: WaitForEvent) -> bool:
    """Whether a wait command joins the run's waits rather than starting a step:
    a ``cancel_on`` subscription, or a second or later entry of a step's ``any``."""
    return wait.purpose == "cancel" or wait.index > 0


def wait_row(run_id: str, wait: WaitForEvent) -> Wait:
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


def inbox_input(kind: str, payload: JSON) -> Input:
    if kind == "start":
        return Start(event_from_document(payload))
    if kind == "cancel":
        return Cancel(str(payload.get("reason", "cancelled")))
    if kind == "retry":
        return Retry()
    if kind == "event":
        return EventReceived(event_from_document(payload))
    raise StoreError(f"unknown inbox kind {kind!r}: this store was written by another flow")
