"""Entering a ``for_each`` step: its items or its query, rendered once, leave as
one ``FanOut`` command; the engine writes the events and answers like an action.

The core never holds the audience: a query's rows are read by the engine, and
an ``items`` list travels in the command, not in the run's state.
"""

from __future__ import annotations

from interpreter.core.model import FanOut, RunState
from interpreter.core.outcomes import fail, fail_expression
from interpreter.core.scope import Turn
from interpreter.errors import ExpressionError
from interpreter.language import cel
from interpreter.language.definitions import ForEachStep


def run_for_each(turn: Turn, state: RunState, step: ForEachStep) -> RunState:
    """Ask for the fan-out at ``state.attempt``: the first try and every retry."""
    scope = turn.scope(state)
    try:
        if step.query is not None:
            source = {"query": cel.render(dict(step.query), scope)}
        else:
            items = cel.render(step.items, scope)
            if not isinstance(items, list):
                message = f"for_each step {step.id!r}: items must be a list, got {_kind(items)}"
                return fail(turn, state, step.id, message, location=str(step.location))
            source = {"items": items}
    except ExpressionError as error:
        return fail_expression(turn, state, step.id, error)
    visit = state.visits.get(step.id, 1)
    # The spec's id is "<run>:<step>:<index>"; a later pass through a loop
    # needs its own ids, or deduplication would swallow all its events.
    prefix = f"{state.run_id}:{step.id}" if visit == 1 else f"{state.run_id}:{step.id}.{visit}"
    turn.commands.append(
        FanOut(
            step_id=step.id,
            attempt=state.attempt,
            source=source,
            event=step.event,
            data=step.data,
            scope=scope,
            id_prefix=prefix,
            location=str(step.location),
        )
    )
    return state


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "a map", str: "a string", bool: "a bool", int: "an int", float: "a double"}
    return names.get(type(value), type(value).__name__)
