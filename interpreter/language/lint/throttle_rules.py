"""Rules about ``throttle``: it holds actions back, so only an action may carry one.

A throttle's ``limit`` and ``period`` are checked where the campaign is built
(``bad-limit``, ``bad-duration``, with ``policies.rate_at``, as ``send_rate`` is).
"""

from __future__ import annotations

from collections.abc import Iterator

from interpreter.language.lint.context import LintContext
from interpreter.language.problems import Problem


def throttle_on_steps(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for i, step in enumerate(context.document.data.get("steps", [])):
        if isinstance(step, dict) and "throttle" in step and "action" not in step:
            yield Problem.at(
                source.key(("steps", i, "throttle")),
                "throttle-not-action",
                f"step {step.get('id')!r} is not an action, and a throttle only holds "
                "actions back; remove its throttle",
            )
