"""The conversion goal: when a run converts, and what it records.

A run holds a goal subscription like a ``cancel_on`` one for its whole life
(stored at start) and, when ``within`` is not zero, for that long after it
finished (stored as it finishes, with ``timeout_at`` the end of the window).
A matching event converts it once: the core records when, the last email
step that sent before it, and the path of every split step it went through.
With ``exit`` (the default) an unfinished run ends there, status
``converted``; a finished run keeps its status and gains the conversion.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from interpreter.core.model import (
    FINISHED,
    JSON,
    Converted,
    Event,
    RunState,
    WaitForEvent,
    changed,
)
from interpreter.core.scope import Turn, condition_holds
from interpreter.language.cel_wait_key import match_key
from interpreter.language.definitions import ActionStep, Workflow

# The step kind whose output ``{path, bucket}`` names the path a run took.
SPLIT_KIND = "split"


# How far back a new run's goal subscription looks for a matching event: the
# run may be processed a while after the event that started it (a backlog),
# and a conversion in between still counts; a replay of an old event must
# not scan weeks of events.
GOAL_LOOKBACK = timedelta(hours=1)


def subscribe_goal(turn: Turn, scope: dict[str, Any], started: datetime | None = None) -> None:
    """The run's goal subscription for as long as it is unfinished; at start
    it also matches events since the trigger event (at most GOAL_LOOKBACK)."""
    since = turn.now if started is None else max(min(started, turn.now), turn.now - GOAL_LOOKBACK)
    _subscribe(turn, scope, None, since)


def linger_goal(turn: Turn, state: RunState) -> RunState:
    """A run that just finished: stamp when, and keep its goal subscription
    for the attribution window (none when the window is zero or it converted)."""
    state = changed(state, finished_at=turn.now)
    goal = turn.workflow.goal
    if goal is not None and goal.within and state.converted_at is None:
        _subscribe(turn, turn.scope(state), turn.now + goal.within, turn.now)
    return state


def _subscribe(turn: Turn, scope: dict[str, Any], until: datetime | None, since: datetime) -> None:
    goal = turn.workflow.goal
    if goal is None:
        return
    key = match_key(goal.if_, scope) if goal.if_ is not None else None
    turn.commands.append(
        WaitForEvent(
            step_id=None,
            event=goal.event,
            match_path=key[0] if key is not None else None,
            match_value=key[1] if key is not None else None,
            timeout_at=until,
            since=since,
            purpose="goal",
        )
    )


def goal_reached(turn: Turn, state: RunState, event: Event) -> RunState | None:
    """The state after ``event`` converted the run (a ``Converted`` command is
    appended), or None when it does not: another event, a condition that does
    not hold, a run that already converted, or a window that has closed."""
    goal = turn.workflow.goal
    if goal is None or event.name != goal.event or state.started_at is None:
        return None
    if state.converted_at is not None:
        return None
    finished = state.status in FINISHED
    if finished and (state.finished_at is None or turn.now > state.finished_at + goal.within):
        return None
    if not condition_holds(goal.if_, turn.scope(state), event.as_cel()):
        return None
    ends = goal.exit and not finished
    turn.commands.append(
        Converted(
            event_id=event.id,
            converted_at=turn.now,
            last_email_step=state.last_email_step,
            paths=split_paths(turn.workflow, state),
            ends_run=ends,
            after_finish=finished,
        )
    )
    if not ends:
        return changed(state, converted_at=turn.now)
    return changed(
        state,
        status="converted",
        converted_at=turn.now,
        finished_at=turn.now,
        cursor=None,
        wake_at=None,
    )


def split_paths(workflow: Workflow, state: RunState) -> dict[str, str]:
    """Each split step the run went through, and the path it took there."""
    paths: dict[str, str] = {}
    for step in workflow.steps:
        if getattr(step, "kind", None) != SPLIT_KIND:
            continue
        output = state.steps.get(step.id, {}).get("output")
        if isinstance(output, dict) and isinstance(output.get("path"), str):
            paths[step.id] = output["path"]
    return paths


def note_email(state: RunState, step: ActionStep, output: JSON) -> RunState:
    """Remember an email step that sent (a suppressed or skipped send did not)."""
    if step.action != "email.send":
        return state
    if isinstance(output, dict) and output.get("skipped"):
        return state
    return changed(state, last_email_step=step.id)
