"""Message categories: a campaign's ``category`` and an ``email.send``'s
``with.category`` must name one of ``policies.yaml``'s categories."""

from __future__ import annotations

from collections.abc import Iterator

from interpreter.language.definitions import ActionStep
from interpreter.language.lint.context import LintContext
from interpreter.language.policies import unknown_category
from interpreter.language.problems import Problem
from interpreter.language.templating import has_template


def unknown_categories(context: LintContext) -> Iterator[Problem]:
    policies = context.policies
    if policies is None:
        return
    data, source = context.document.data, context.document.source
    named: list[tuple[str, tuple[str | int, ...]]] = []
    if isinstance(data.get("category"), str):
        named.append((data["category"], ("category",)))
    for i, step in enumerate(context.workflow.steps):
        if isinstance(step, ActionStep) and step.action == "email.send":
            category = data["steps"][i].get("with", {}).get("category")
            if isinstance(category, str) and not has_template(category):
                named.append((category, ("steps", i, "with", "category")))
    for name, path in named:
        if name not in policies.categories:
            yield unknown_category(name, policies.categories, source.value(path))
