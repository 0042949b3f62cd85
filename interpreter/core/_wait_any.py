"""``wait_for_event: {any: [...]}``: whichever of several events comes first.

Entering the step asks for one ``WaitForEvent`` per entry, each with its own
indexed key and ``index`` (its place in ``any``), all sharing the step's
timeout and look-back window, so the store finds every entry by index exactly
as it finds a single wait. The first matching event resolves the step; the
run then leaves it, and leaving a step drops all of its waits in the
transaction that saves the run, so a losing entry's event finds nothing.
"""

from __future__ import annotations

from typing import Any

from interpreter.core.model import JSON, RunState, WaitForEvent, changed
from interpreter.core.scope import Turn, condition_holds
from interpreter.language.cel_wait_key import match_key
from interpreter.language.definitions import WaitForAnyStep, WaitForEventStep


def wait_since(turn: Turn, state: RunState, step: WaitForEventStep | WaitForAnyStep) -> Any:
    """The earliest event time a wait entered now may still match.

    Events that arrived while the previous step was still going (the welcome
    email being sent, say) must still match, so the window opens when that
    step began, widened by ``lookback``."""
    opened = state.step_started_at or state.started_at or turn.now
    return opened - step.lookback


def enter_wait_any(
    turn: Turn, state: RunState, step: WaitForAnyStep, entered: dict[str, Any]
) -> RunState:
    """Park the run on every entry at once; the timeout is the step's."""
    since = wait_since(turn, state, step)
    timeout_at = turn.now + step.timeout if step.timeout is not None else None
    scope = turn.scope(state)
    for index, entry in enumerate(step.entries):
        key = match_key(entry.match, scope) if entry.match is not None else None
        turn.commands.append(
            WaitForEvent(
                step_id=step.id,
                event=entry.event,
                match_path=key[0] if key is not None else None,
                match_value=key[1] if key is not None else None,
                timeout_at=timeout_at,
                since=since,
                index=index,
            )
        )
    entered.update(status="waiting", wake_at=timeout_at, step_started_at=turn.now)
    return changed(state, **entered)


def matched_entry(
    step: WaitForAnyStep, scope: dict[str, Any], candidate: dict[str, JSON]
) -> tuple[int, dict[str, JSON]] | None:
    """The first entry (in ``any`` order) the candidate event matches, and the
    step's output for it: ``{index, name, event}``; None when none matches."""
    for index, entry in enumerate(step.entries):
        if entry.event == candidate["name"] and condition_holds(entry.match, scope, candidate):
            return index, {"index": index, "name": entry.event, "event": candidate}
    return None
