"""Rules about actions: each ``with`` against its action's schema, and template files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from interpreter.language.definitions import ActionStep
from interpreter.language.lint.context import LintContext
from interpreter.language.problems import Problem
from interpreter.language.schema_check import check_action_input
from interpreter.language.templating import has_template


def action_inputs(context: LintContext) -> Iterator[Problem]:
    data = context.document.data
    for i, step in enumerate(context.workflow.steps):
        if isinstance(step, ActionStep):
            arguments = data["steps"][i].get("with", {})
            yield from check_action_input(
                step.action, arguments, ("steps", i, "with"), context.document.source
            )


def template_paths(context: LintContext) -> Iterator[tuple[int, str]]:
    """(step index, path) for each ``email.send`` template written as a literal path."""
    data = context.document.data
    for i, step in enumerate(context.workflow.steps):
        if isinstance(step, ActionStep) and step.action == "email.send":
            template = data["steps"][i].get("with", {}).get("template")
            if isinstance(template, str) and not has_template(template):
                yield i, template


def is_inside_folder(template: str) -> bool:
    """Templates are read relative to the campaign's folder and never from outside it."""
    path = PurePosixPath(template.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and ":" not in template


def missing_templates(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for i, template in template_paths(context):
        where = source.value(("steps", i, "with", "template"))
        if not is_inside_folder(template):
            yield Problem.at(
                where,
                "missing-template",
                f"template {template!r} must be a path inside the campaign's folder",
            )
        elif template not in context.files:
            yield Problem.at(
                where,
                "missing-template",
                f"template file {template!r} does not exist (paths are relative to the "
                "campaign file's folder)",
            )
