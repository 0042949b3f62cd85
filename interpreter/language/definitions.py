"""Typed, frozen definitions of a campaign: what the loader produces and the core runs.

Every value that came from YAML keeps its ``Location`` so that an error met at
run time (a CEL expression that fails, say) can still point at the line to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any, Literal


@dataclass(frozen=True)
class Location:
    """A position in a source file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Expression:
    """A bare CEL expression, as in every ``if`` and in ``idempotency``.

    ``location`` is where the first character of ``source`` stands in the file;
    for a block scalar or an expression inside ``${ }`` the loader computes it so
    that ``location`` + an offset into ``source`` is still the right column
    (``offsets`` maps a character offset to a (line, column) where that is not
    simple arithmetic, as in folded or quoted scalars).
    """

    source: str
    location: Location
    offsets: tuple[tuple[int, int], ...] | None = field(default=None, compare=False)

    def location_of(self, offset: int) -> Location:
        """The file position of character ``offset`` of ``source``."""
        if self.offsets is not None and 0 <= offset < len(self.offsets):
            line, column = self.offsets[offset]
            return Location(self.location.file, line, column)
        return Location(self.location.file, self.location.line, self.location.column + offset)


@dataclass(frozen=True)
class Interpolation:
    """A string holding ``${ CEL }`` parts.

    When ``parts`` is exactly one expression the rendered value keeps the
    expression's type; otherwise the parts are joined as a string.
    """

    parts: tuple[str | Expression, ...]

    @property
    def single(self) -> Expression | None:
        if len(self.parts) == 1 and isinstance(self.parts[0], Expression):
            return self.parts[0]
        return None


# A data field (``with``, ``vars``, ``sleep_until``, ``set``) after loading: JSON
# values where every string that held ``${ }`` became an Interpolation.
Template = Any

# What an email.send step does when a frequency cap of its category is full:
# go on without the email, or try it again once every cap admits it.
CappedMode = Literal["skip", "defer"]
# What an action step does when it falls due inside quiet hours.
QuietMode = Literal["defer", "skip", "ignore"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how fast a failed action is tried again.

    ``attempts`` counts every try, the first one included.
    """

    attempts: int = 4
    initial_delay: timedelta = timedelta(seconds=1)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=1)
    jitter: float = 0.1


@dataclass(frozen=True, kw_only=True)
class EventTrigger:
    event: str
    if_: Expression | None = None
    location: Location


@dataclass(frozen=True, kw_only=True)
class CronTrigger:
    cron: str
    timezone: str = "UTC"
    location: Location


Trigger = EventTrigger | CronTrigger


@dataclass(frozen=True, kw_only=True)
class CancelOn:
    event: str
    if_: Expression | None = None
    location: Location


@dataclass(frozen=True, kw_only=True)
class OnError:
    """What a step that fails for good does instead of failing the run:
    ``next`` None goes on to the step that would have followed (``continue``)."""

    next: str | None
    location: Location


@dataclass(frozen=True, kw_only=True)
class Goal:
    """A campaign's conversion goal: a run converts when ``event`` matching
    ``if_`` arrives while it is unfinished, or up to ``within`` after it finished.
    With ``exit`` an unfinished run ends there, with status ``converted``."""

    event: str
    if_: Expression | None = None
    within: timedelta = timedelta(0)
    exit: bool = True
    location: Location


@dataclass(frozen=True, kw_only=True)
class StepBase:
    id: str
    location: Location
    if_: Expression | None = None
    next: str | None = None  # a step id, or "end"
    on_error: OnError | None = None


@dataclass(frozen=True, kw_only=True)
class Throttle:
    """A step's ``throttle``: executions queued first come, first served per
    ``key`` (bare CEL; None: one queue for the step), the k-th starting no
    earlier than the (k - limit)-th plus ``period``."""

    limit: int
    period: timedelta
    key: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class ActionStep(StepBase):
    kind: Literal["action"] = "action"
    action: str
    with_: Mapping[str, Template] = field(default_factory=dict)
    retry: RetryPolicy | None = None  # None: the campaign's policy
    # What the step does when due inside the campaign's quiet hours; None: the
    # action's default (``defer`` for email.send, ``ignore`` for the others).
    quiet_hours: QuietMode | None = None
    throttle: Throttle | None = None  # at most ``limit`` starts per ``period`` (per key)
    # What an email.send does when a frequency cap of its category is full.
    when_capped: CappedMode = "skip"

    @property
    def quiet_mode(self) -> QuietMode:
        if self.quiet_hours is not None:
            return self.quiet_hours
        return "defer" if self.action == "email.send" else "ignore"


@dataclass(frozen=True, kw_only=True)
class SleepStep(StepBase):
    kind: Literal["sleep"] = "sleep"
    duration: timedelta


@dataclass(frozen=True, kw_only=True)
class SleepUntilStep(StepBase):
    kind: Literal["sleep_until"] = "sleep_until"
    until: Template  # an RFC 3339 string, or an Interpolation giving one


@dataclass(frozen=True, kw_only=True)
class WaitForEventStep(StepBase):
    kind: Literal["wait_for_event"] = "wait_for_event"
    event: str
    match: Expression | None = None  # the wait's own ``if``, over ``async``
    timeout: timedelta | None = None
    lookback: timedelta = timedelta(0)


@dataclass(frozen=True, kw_only=True)
class WaitEntry:
    """One of the events a ``wait_for_event: {any: [...]}`` waits for."""

    event: str
    match: Expression | None = None  # the entry's own ``if``, over ``async``
    next: str | None = None  # where a match on this entry jumps; None: the following step
    location: Location


@dataclass(frozen=True, kw_only=True)
class WaitForAnyStep(StepBase):
    """Pause until the first event matching one of ``entries``, or the timeout.

    A separate kind rather than a list inside ``WaitForEventStep``, so every
    reader of a single wait's ``event`` and ``match`` keeps meaning one event.
    Its timeline rows are ``wait_for_event`` rows all the same.
    """

    kind: Literal["wait_for_event"] = "wait_for_event"
    entries: tuple[WaitEntry, ...]
    timeout: timedelta | None = None
    lookback: timedelta = timedelta(0)


@dataclass(frozen=True, kw_only=True)
class WaitForWindowStep(StepBase):
    """Go on at once inside a send window, else sleep until the next one opens.

    ``days`` are ``date.weekday()`` numbers (Monday 0); ``opens == closes`` is the
    whole day. A window with ``closes <= opens`` crosses midnight and belongs
    to the day it opens on.
    """

    kind: Literal["wait_for_window"] = "wait_for_window"
    days: frozenset[int] = frozenset(range(7))
    opens: time = time(0, 0)
    closes: time = time(0, 0)


@dataclass(frozen=True, kw_only=True)
class SwitchCase:
    if_: Expression | None  # None: the default case
    next: str
    location: Location


@dataclass(frozen=True, kw_only=True)
class SwitchStep(StepBase):
    kind: Literal["switch"] = "switch"
    cases: tuple[SwitchCase, ...]


@dataclass(frozen=True, kw_only=True)
class SetStep(StepBase):
    kind: Literal["set"] = "set"
    values: tuple[tuple[str, Template], ...]


@dataclass(frozen=True, kw_only=True)
class ForEachStep(StepBase):
    """Emit one event per item: of ``items`` (a list, rendered once) or of the
    rows of ``query`` (sql.query's url, query and params, read-only, streamed).

    ``data`` is rendered per item with ``item`` and ``index`` in scope. The
    engine writes the events in chunks under a durable cursor; the output is
    ``{count}``.
    """

    kind: Literal["for_each"] = "for_each"
    items: Template = None  # exactly one of items and query is set
    query: Mapping[str, Template] | None = None
    event: str
    data: Template = None
    retry: RetryPolicy | None = None  # None: the campaign's policy (a query error)


@dataclass(frozen=True, kw_only=True)
class SplitPath:
    name: str
    weight: int
    next: str  # a step id, or "end"
    location: Location


@dataclass(frozen=True, kw_only=True)
class SplitStep(StepBase):
    """A deterministic experiment: the key's bucket picks one path (see core/_split.py)."""

    kind: Literal["split"] = "split"
    key: Expression | None  # None: the run id
    paths: tuple[SplitPath, ...]


Step = (
    ActionStep
    | ForEachStep
    | SleepStep
    | SleepUntilStep
    | WaitForEventStep
    | WaitForAnyStep
    | WaitForWindowStep
    | SwitchStep
    | SetStep
    | SplitStep
)


@dataclass(frozen=True, kw_only=True)
class QuietHours:
    """``[start, end)`` in the run's zone, crossing midnight when ``end < start``.

    Deferred steps go on at ``end`` plus a share of ``spread`` fixed by the run id.
    """

    start: time
    end: time
    spread: timedelta = timedelta(0)
    location: Location


@dataclass(frozen=True, kw_only=True)
class EntryRule:
    """When a trigger event may start a run: ``key`` (bare CEL over the event)
    names the runs it is compared with. ``idempotency: X`` is ``EntryRule(key=X)``."""

    key: Expression
    if_running: Literal["skip", "cancel"] = "skip"
    reentry_after: timedelta | None = None
    location: Location


@dataclass(frozen=True, kw_only=True)
class Debounce:
    """Trigger events wait in a burst per ``key`` (one for the campaign without
    it); the run starts with the latest event once ``period`` passed without
    another, or ``timeout`` after the first."""

    key: Expression | None = None
    period: timedelta
    timeout: timedelta | None = None
    location: Location


END = "end"


@dataclass(frozen=True, kw_only=True)
class Workflow:
    """One campaign, exactly as a run will execute it.

    ``files`` holds the text of every template the campaign names, keyed by the
    path written in the YAML, so that a run pinned to this definition renders
    the templates it started with even after the files change on disk.
    ``content_hash`` is the SHA-256 of the YAML and those files.
    """

    id: str
    name: str | None = None
    description: str | None = None
    triggers: tuple[Trigger, ...] = ()
    idempotency: Expression | None = None
    entry: EntryRule | None = None  # from ``entry``, or from ``idempotency`` alone
    debounce: Debounce | None = None
    cancel_on: tuple[CancelOn, ...] = ()
    goal: Goal | None = None
    secrets: tuple[str, ...] = ()
    vars: tuple[tuple[str, Template], ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    track: bool = True  # click and open tracking for the campaign's emails
    # The run's zone: ``timezone`` (a data field, evaluated once at run start,
    # after vars) when it names an IANA zone, else ``timezone_fallback``.
    timezone: Template = None
    timezone_fallback: str = "UTC"
    quiet_hours: QuietHours | None = None
    category: str | None = None  # the message category of its emails (policies.yaml)
    timeout: timedelta | None = None  # a run not finished this long after it started times out
    steps: tuple[Step, ...]
    source_file: str
    source_text: str = ""
    files: Mapping[str, str] = field(default_factory=dict)
    content_hash: str = ""

    def step_index(self, step_id: str) -> int:
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        raise KeyError(step_id)

    def step(self, step_id: str) -> Step:
        return self.steps[self.step_index(step_id)]
