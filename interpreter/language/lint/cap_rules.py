"""Frequency caps: ``when_capped`` says what an ``email.send`` does when a cap
of its category is full, so on any other step it would do nothing."""

from __future__ import annotations

from collections.abc import Iterator

from interpreter.language.lint.context import LintContext
from interpreter.language.problems import Problem


def when_capped_on_steps(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for i, step in enumerate(context.document.data.get("steps", [])):
        if isinstance(step, dict) and "when_capped" in step and step.get("action") != "email.send":
            yield Problem.at(
                source.key(("steps", i, "when_capped")),
                "when-capped-not-email",
                f"step {step.get('id')!r} is not an email.send, and only emails are "
                "capped; remove its when_capped",
            )
