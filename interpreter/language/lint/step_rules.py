"""Rules about the shape of the run: ids, jumps, loops and waits."""

from __future__ import annotations

from collections.abc import Iterator

from interpreter.language.definitions import (
    END,
    SleepStep,
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
from interpreter.language.yaml_source import JsonPath

_PAUSING = (SleepStep, SleepUntilStep, WaitForEventStep, WaitForAnyStep)


def duplicate_step_ids(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    first: dict[str, int] = {}
    for i, step in enumerate(context.workflow.steps):
        if step.id in first:
            earlier = context.workflow.steps[first[step.id]].location
            yield Problem.at(
                source.value(("steps", i, "id")),
                "duplicate-step-id",
                f"step id {step.id!r} is already used on line {earlier.line}; "
                "give each step its own id",
            )
        else:
            first[step.id] = i


def unknown_targets(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    ids = [step.id for step in context.workflow.steps]
    for i, step in enumerate(context.workflow.steps):
        targets: list[tuple[str, JsonPath]] = []
        if step.next is not None:
            targets.append((step.next, ("steps", i, "next")))
        if isinstance(step, SwitchStep):
            targets += [
                (case.next, ("steps", i, "switch", k, "next")) for k, case in enumerate(step.cases)
            ]
        if isinstance(step, SplitStep):
            targets += [
                (path.next, ("steps", i, "split", "paths", k, "next"))
                for k, path in enumerate(step.paths)
            ]
        if step.on_error is not None and step.on_error.next is not None:
            targets.append((step.on_error.next, ("steps", i, "on_error", "next")))
        if isinstance(step, WaitForAnyStep):
            targets += [
                (entry.next, ("steps", i, "wait_for_event", "any", k, "next"))
                for k, entry in enumerate(step.entries)
                if entry.next is not None
            ]
        for target, path in targets:
            if target != END and target not in ids:
                yield Problem.at(
                    source.value(path),
                    "unknown-target",
                    f"there is no step {target!r} to go to{suggest(target, [*ids, END])}",
                )


def unreachable_steps(context: LintContext) -> Iterator[Problem]:
    graph = StepGraph(context.workflow)
    for i, step in enumerate(context.workflow.steps):
        if i not in graph.reachable:
            yield Problem.at(
                step.location,
                "unreachable-step",
                f"no run can reach step {step.id!r}: every way into it is a jump elsewhere",
                severity="warning",
            )


def busy_cycles(context: LintContext) -> Iterator[Problem]:
    workflow = context.workflow
    graph = StepGraph(workflow)
    source = context.document.source
    passable = {
        i
        for i, step in enumerate(workflow.steps)
        if not isinstance(step, _PAUSING) and i in graph.reachable
    }
    for group in graph.loops(passable):
        members = set(group)
        names = " → ".join(workflow.steps[i].id for i in group)
        # Point at the jump that closes the loop, which is where the author would add a pause.
        back = [
            jump
            for i in group
            for jump in graph.jumps[i]
            if jump.target in members and jump.target <= jump.source and jump.path is not None
        ]
        where = (
            source.value(back[0].path)
            if back and back[0].path
            else (workflow.steps[group[0]].location)
        )
        yield Problem.at(
            where,
            "busy-cycle",
            f"the steps {names} loop with no sleep, sleep_until or wait_for_event, "
            "so a run would spin; add a pause to the loop",
        )


def waits_without_timeout(context: LintContext) -> Iterator[Problem]:
    if context.workflow.timeout is not None:
        return  # the run's own timeout ends any wait
    source = context.document.source
    for i, step in enumerate(context.workflow.steps):
        if isinstance(step, WaitForEventStep | WaitForAnyStep) and step.timeout is None:
            yield Problem.at(
                source.key(("steps", i, "wait_for_event")),
                "wait-without-timeout",
                f"step {step.id!r} could wait forever; add a timeout such as 3d",
            )
