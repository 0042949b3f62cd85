"""Checks of a scenario against the campaign it tests: a mock or an expectation
naming a step the campaign does not have would otherwise fail, or pass, for the
wrong reason, far from the typo that caused it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from interpreter.language.definitions import ActionStep, ForEachStep, Workflow
from interpreter.language.problems import Problem
from interpreter.language.scenario import Scenario
from interpreter.language.schema_check import known_actions, suggest


def check_against(scenario: Scenario, workflow: Workflow | Sequence[Workflow]) -> list[Problem]:
    """``workflow``: the campaign under test, or every campaign of a scenario with
    ``workflows:`` (a step may then belong to any of them, or to the one an
    expectation names with ``campaign``)."""
    workflows = [workflow] if isinstance(workflow, Workflow) else list(workflow)
    return list(_problems(scenario, workflows))


def _problems(scenario: Scenario, workflows: list[Workflow]) -> Iterator[Problem]:
    by_id = {workflow.id: workflow for workflow in workflows}
    named = workflows[0].id if len(workflows) == 1 else ", ".join(by_id)
    action_steps = {
        step.id: step for w in workflows for step in w.steps if isinstance(step, ActionStep)
    }
    every_step = [step.id for w in workflows for step in w.steps]
    for mock in scenario.mocks:
        if mock.step in action_steps or mock.location is None:
            continue
        why = "is not an action step" if mock.step in every_step else "is not a step"
        yield Problem.at(
            mock.location,
            "unknown-step",
            f"mocks: {mock.step!r} {why} of campaign {named!r}"
            f"{suggest(mock.step, action_steps) or _listing(action_steps)}",
        )
    # A fan-out is expected like an action (its output is {count}), never mocked.
    expected_steps = {
        step.id: step
        for w in workflows
        for step in w.steps
        if isinstance(step, ActionStep | ForEachStep)
    }
    for expected in scenario.expect.actions or ():
        steps, steps_all, where = expected_steps, every_step, named
        if expected.campaign is not None:
            chosen = by_id.get(expected.campaign)
            if chosen is None:
                yield Problem.at(
                    expected.location,
                    "unknown-campaign",
                    f"expect.actions: campaign {expected.campaign!r} is not loaded by this "
                    f"scenario{suggest(expected.campaign, by_id)}; it loads {named}",
                )
                continue
            steps = {s.id: s for s in chosen.steps if isinstance(s, ActionStep | ForEachStep)}
            steps_all, where = [s.id for s in chosen.steps], chosen.id
        if expected.step is not None and expected.step not in steps:
            why = "is not an action step" if expected.step in steps_all else "is not a step"
            yield Problem.at(
                expected.location,
                "unknown-step",
                f"expect.actions: {expected.step!r} {why} of campaign {where!r}"
                f"{suggest(expected.step, steps) or _listing(steps)}",
            )
        if expected.action is not None and expected.action not in known_actions():
            yield Problem.at(
                expected.location,
                "unknown-action",
                f"expect.actions: unknown action {expected.action!r}"
                f"{suggest(expected.action, known_actions())}",
            )
    declared = {name for w in workflows for name in w.secrets}
    for (name, _), where_secret in zip(scenario.secrets, scenario.secret_locations, strict=True):
        if name not in declared:
            yield Problem.at(
                where_secret,
                "unknown-secret",
                f"secrets: campaign {named!r} does not declare {name!r}{suggest(name, declared)}",
            )


def _listing(steps: Mapping[str, object]) -> str:
    return f"; its action steps: {', '.join(steps)}" if steps else ""
