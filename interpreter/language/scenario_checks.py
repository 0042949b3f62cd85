"""Checks of a scenario against the campaign it tests: a mock or an expectation
naming a step the campaign does not have would otherwise fail, or pass, for the
wrong reason, far from the typo that caused it."""

from __future__ import annotations

from collections.abc import Iterator

from interpreter.language.definitions import ActionStep, ForEachStep, Workflow
from interpreter.language.problems import Problem
from interpreter.language.scenario import Scenario
from interpreter.language.schema_check import known_actions, suggest


def check_against(scenario: Scenario, workflow: Workflow) -> list[Problem]:
    return list(_problems(scenario, workflow))


def _problems(scenario: Scenario, workflow: Workflow) -> Iterator[Problem]:
    action_steps = {step.id: step for step in workflow.steps if isinstance(step, ActionStep)}
    every_step = [step.id for step in workflow.steps]
    for mock in scenario.mocks:
        if mock.step in action_steps or mock.location is None:
            continue
        why = "is not an action step" if mock.step in every_step else "is not a step"
        yield Problem.at(
            mock.location,
            "unknown-step",
            f"mocks: {mock.step!r} {why} of campaign {workflow.id!r}"
            f"{suggest(mock.step, action_steps) or _listing(action_steps)}",
        )
    # A fan-out is expected like an action (its output is {count}), never mocked.
    expected_steps = {
        **action_steps,
        **{step.id: step for step in workflow.steps if isinstance(step, ForEachStep)},
    }
    for expected in scenario.expect.actions or ():
        if expected.step is not None and expected.step not in expected_steps:
            why = "is not an action step" if expected.step in every_step else "is not a step"
            yield Problem.at(
                expected.location,
                "unknown-step",
                f"expect.actions: {expected.step!r} {why} of campaign {workflow.id!r}"
                f"{suggest(expected.step, action_steps) or _listing(action_steps)}",
            )
        if expected.action is not None and expected.action not in known_actions():
            yield Problem.at(
                expected.location,
                "unknown-action",
                f"expect.actions: unknown action {expected.action!r}"
                f"{suggest(expected.action, known_actions())}",
            )
    declared = set(workflow.secrets)
    for (name, _), where in zip(scenario.secrets, scenario.secret_locations, strict=True):
        if name not in declared:
            yield Problem.at(
                where,
                "unknown-secret",
                f"secrets: campaign {workflow.id!r} does not declare {name!r}"
                f"{suggest(name, declared)}",
            )


def _listing(steps: dict[str, ActionStep]) -> str:
    return f"; its action steps: {', '.join(steps)}" if steps else ""
