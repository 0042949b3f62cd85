"""Lint rules beyond the schema: each a small function yielding Problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from interpreter.language.lint.action_rules import action_inputs, missing_templates
from interpreter.language.lint.category_rules import unknown_categories
from interpreter.language.lint.context import LintContext
from interpreter.language.lint.entry_rules import debounce_rules, entry_and_idempotency
from interpreter.language.lint.expression_rules import cel_names, cel_syntax
from interpreter.language.lint.mistake_rules import (
    cancels_taking_waits,
    literal_timestamps,
    relative_urls,
    unknown_functions,
)
from interpreter.language.lint.split_rules import duplicate_path_names, split_weights
from interpreter.language.lint.step_rules import (
    busy_cycles,
    duplicate_step_ids,
    unknown_targets,
    unreachable_steps,
    waits_without_timeout,
)
from interpreter.language.lint.throttle_rules import throttle_on_steps
from interpreter.language.lint.time_rules import (
    bad_times,
    bad_windows,
    quiet_hours_on_steps,
    timezones,
)
from interpreter.language.lint.trigger_rules import cron_triggers
from interpreter.language.problems import Problem

Rule = Callable[[LintContext], Iterator[Problem]]

RULES: tuple[Rule, ...] = (
    duplicate_step_ids,
    unknown_targets,
    unreachable_steps,
    busy_cycles,
    waits_without_timeout,
    cel_syntax,
    cel_names,
    unknown_functions,
    literal_timestamps,
    relative_urls,
    cancels_taking_waits,
    action_inputs,
    missing_templates,
    cron_triggers,
    bad_times,
    bad_windows,
    timezones,
    quiet_hours_on_steps,
    unknown_categories,
    split_weights,
    duplicate_path_names,
    throttle_on_steps,
    entry_and_idempotency,
    debounce_rules,
)


def run_rules(context: LintContext) -> list[Problem]:
    return [problem for rule in RULES for problem in rule(context)]


__all__ = ["RULES", "LintContext", "Rule", "run_rules"]
