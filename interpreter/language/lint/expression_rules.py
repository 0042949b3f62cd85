"""Rules about CEL: syntax at the exact character, and names that cannot resolve.

What a name may mean depends on where the expression stands: a trigger's
``if`` runs before the run exists, ``vars`` before any step, a step's
expressions after the steps that can precede it, and only a wait's or a
cancel's condition sees the candidate event ``async``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from interpreter.language.cel_names import CEL_TYPE_NAMES, NameUse, read_cel
from interpreter.language.definitions import (
    ActionStep,
    EventTrigger,
    Expression,
    ForEachStep,
    SetStep,
    SleepUntilStep,
    SplitStep,
    SwitchStep,
    WaitForAnyStep,
    WaitForEventStep,
)
from interpreter.language.lint.context import LintContext
from interpreter.language.lint.step_graph import StepGraph
from interpreter.language.problems import Problem
from interpreter.language.schema_check import suggest
from interpreter.language.templating import expressions_in

ROOTS = ("event", "vars", "steps", "run", "now", "secrets", "async", "item", "index")
_FIELDS = {
    "event": ("id", "name", "data", "ts"),
    "async": ("id", "name", "data", "ts"),
    "run": ("id", "workflow", "started_at", "timezone"),
}


@dataclass(frozen=True)
class Scope:
    """The names an expression may use, and what it is called in messages."""

    place: str
    roots: frozenset[str]
    step: int | None = None  # the step the expression belongs to
    vars_before: int | None = None  # inside ``vars``: only the first N names are set


_TRIGGER_ROOTS = frozenset({"event", "now", "secrets"})
_RUN_ROOTS = frozenset({"event", "vars", "steps", "run", "now", "secrets"})
_START_ROOTS = frozenset({"event", "vars", "run", "now", "secrets"})


def _expressions(context: LintContext) -> Iterator[tuple[Expression, Scope]]:
    workflow = context.workflow
    for trigger in workflow.triggers:
        if isinstance(trigger, EventTrigger) and trigger.if_ is not None:
            yield trigger.if_, Scope("the trigger's if", _TRIGGER_ROOTS)
    if workflow.idempotency is not None:
        yield workflow.idempotency, Scope("idempotency", _TRIGGER_ROOTS)
    if workflow.entry is not None and workflow.entry.key != workflow.idempotency:
        yield workflow.entry.key, Scope("entry", _TRIGGER_ROOTS)
    if workflow.debounce is not None and workflow.debounce.key is not None:
        yield workflow.debounce.key, Scope("debounce", _TRIGGER_ROOTS)
    for cancel in workflow.cancel_on:
        if cancel.if_ is not None:
            yield cancel.if_, Scope("cancel_on", _RUN_ROOTS | {"async"})
    if workflow.goal is not None and workflow.goal.if_ is not None:
        # Matched like a cancel_on: any time in the run's life, or after it.
        yield workflow.goal.if_, Scope("goal", _RUN_ROOTS | {"async"})
    for n, (_, value) in enumerate(workflow.vars):
        for expression in expressions_in(value):
            yield expression, Scope("vars", _START_ROOTS, vars_before=n)
    # The run's zone is worked out after every var is set.
    for expression in expressions_in(workflow.timezone):
        yield expression, Scope("timezone", _START_ROOTS, vars_before=len(workflow.vars))
    for i, step in enumerate(workflow.steps):
        scope = Scope(f"step {step.id!r}", _RUN_ROOTS, step=i)
        if step.if_ is not None:
            yield step.if_, scope
        found: list[Expression] = []
        if isinstance(step, ActionStep):
            found = expressions_in(dict(step.with_))
            if step.throttle is not None and step.throttle.key is not None:
                found.append(step.throttle.key)
        elif isinstance(step, SleepUntilStep):
            found = expressions_in(step.until)
        elif isinstance(step, SetStep):
            found = expressions_in([value for _, value in step.values])
        elif isinstance(step, SwitchStep):
            found = [case.if_ for case in step.cases if case.if_ is not None]
        elif isinstance(step, ForEachStep):
            found = expressions_in([step.items, dict(step.query or {})])
            # Only a fan-out's data sees the item it is rendered for.
            each = Scope(f"step {step.id!r}", _RUN_ROOTS | {"item", "index"}, step=i)
            for expression in expressions_in(step.data):
                yield expression, each
        elif isinstance(step, SplitStep) and step.key is not None:
            found = [step.key]
        elif isinstance(step, WaitForEventStep) and step.match is not None:
            yield step.match, Scope(f"step {step.id!r}", _RUN_ROOTS | {"async"}, step=i)
        elif isinstance(step, WaitForAnyStep):
            for entry in step.entries:
                if entry.match is not None:
                    yield entry.match, Scope(f"step {step.id!r}", _RUN_ROOTS | {"async"}, step=i)
        for expression in found:
            yield expression, scope


def cel_syntax(context: LintContext) -> Iterator[Problem]:
    for expression, _ in _expressions(context):
        error = read_cel(expression.source).error
        if error is None:
            continue
        message = error.message
        if expression.source.startswith("${") and expression.source.rstrip().endswith("}"):
            message = "conditions and keys are bare CEL; remove the ${ }"
            yield Problem.at(expression.location, "cel-syntax", message)
            continue
        yield Problem.at(expression.location_of(error.offset), error.code, message)


def cel_names(context: LintContext) -> Iterator[Problem]:
    workflow = context.workflow
    graph = StepGraph(workflow)
    step_ids = [step.id for step in workflow.steps]
    var_names = [name for name, _ in workflow.vars]
    set_names = {
        name for step in workflow.steps if isinstance(step, SetStep) for name, _ in step.values
    }
    for expression, scope in _expressions(context):
        reading = read_cel(expression.source)
        for use in reading.names:
            message, offset = _judge(
                use, scope, graph, step_ids, var_names, set_names, workflow.secrets
            )
            if message:
                yield Problem.at(expression.location_of(offset), "cel-unknown-name", message)


def _judge(
    use: NameUse,
    scope: Scope,
    graph: StepGraph,
    step_ids: list[str],
    var_names: list[str],
    set_names: set[str],
    secrets: tuple[str, ...],
) -> tuple[str | None, int]:
    """A message saying why ``use`` cannot resolve in ``scope`` and where, or (None, 0)."""
    root, at = use.root, use.offsets[0]
    if root in CEL_TYPE_NAMES and len(use.path) == 1:
        return None, 0
    if root not in ROOTS:
        hint = suggest(root, ROOTS) or f"; the names are {', '.join(ROOTS)}"
        return f"unknown name {root!r}{hint}", at
    if root not in scope.roots:
        if root == "async":
            return (
                "async (the candidate event) is only known in wait_for_event.if, "
                "wait_for_event.any[].if, cancel_on[].if and goal.if",
                at,
            )
        if root in ("item", "index"):
            return f"{root} is only known in a for_each step's data", at
        return f"{root} is not known yet in {scope.place}", at
    if len(use.path) < 2:
        return None, 0
    name, name_at = use.path[1], use.offsets[1]
    if root in _FIELDS and name not in _FIELDS[root]:
        fields = _FIELDS[root]
        hint = suggest(name, fields) or f"; it has {', '.join(fields)}"
        return f"{root} has no field {name!r}{hint}", name_at
    if root == "secrets" and name not in secrets:
        return f"secret {name!r} is not declared; add it to the campaign's secrets list", name_at
    if root == "vars":
        if scope.vars_before is not None:
            if name not in var_names[: scope.vars_before]:
                later = name in var_names
                return (
                    f"vars.{name} is set later in vars; order vars so that it comes first"
                    if later
                    else f"vars.{name} is not set before this point"
                ), name_at
        elif name not in var_names and name not in set_names:
            hint = suggest(name, [*var_names, *set_names])
            return f"vars.{name} is never set by vars or a set step{hint}", name_at
    if root == "steps":
        if name not in step_ids:
            return f"there is no step {name!r}{suggest(name, step_ids)}", name_at
        if scope.step is not None:
            index = graph.index[name]
            if index not in graph.ran_before[scope.step]:
                return (
                    f"step {name!r} cannot have run before {scope.place}, "
                    "so its output is not known here"
                ), name_at
        if len(use.path) >= 3:
            return _step_field(name, use, graph), use.offsets[2]
    return None, 0


def _step_field(name: str, use: NameUse, graph: StepGraph) -> str | None:
    """``steps.ID.output`` always; ``steps.ID.error`` where ID has ``on_error``."""
    field = use.path[2]
    if field == "output":
        return None
    has_on_error = graph.workflow.steps[graph.index[name]].on_error is not None
    if field == "error" and has_on_error:
        return None
    if field == "error":
        return f"steps.{name}.error is only set on a step with on_error; add on_error to {name!r}"
    fields = "output or error" if has_on_error else "only output"
    return f"steps.{name} has {fields}, not {field!r}"
