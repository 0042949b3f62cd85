"""Rules about ``split`` steps: weights that can choose a path, and path names
a warehouse can tell apart. (Their targets are checked with every ``next``.)"""

from __future__ import annotations

from collections.abc import Iterator

from interpreter.language.definitions import SplitStep
from interpreter.language.lint.context import LintContext
from interpreter.language.problems import Problem


def split_weights(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for i, step in enumerate(context.workflow.steps):
        if isinstance(step, SplitStep) and sum(path.weight for path in step.paths) <= 0:
            yield Problem.at(
                source.key(("steps", i, "split", "paths")),
                "split-weights",
                f"the weights of split {step.id!r} add up to 0, so no path can be chosen; "
                "give at least one path a positive weight",
            )


def duplicate_path_names(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for i, step in enumerate(context.workflow.steps):
        if not isinstance(step, SplitStep):
            continue
        first: dict[str, int] = {}
        for k, path in enumerate(step.paths):
            if path.name in first:
                yield Problem.at(
                    source.value(("steps", i, "split", "paths", k, "name")),
                    "duplicate-path-name",
                    f"path name {path.name!r} is already used in split {step.id!r} on line "
                    f"{step.paths[first[path.name]].location.line}; give each path its own name",
                )
            else:
                first[path.name] = k
