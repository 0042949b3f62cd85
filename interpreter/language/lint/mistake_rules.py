"""Mistakes the language would only find at run time, caught by lint instead:
a CEL function that does not exist, a ``sleep_until`` that is no timestamp, an
``http.request`` URL with nowhere to go, and a cancel that takes a wait's event."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from interpreter.language.cel_names import read_cel
from interpreter.language.cel_runtime import KNOWN_FUNCTIONS
from interpreter.language.definitions import ActionStep, SleepUntilStep, WaitForEventStep
from interpreter.language.lint.context import LintContext
from interpreter.language.lint.expression_rules import _expressions
from interpreter.language.problems import Problem
from interpreter.language.schema_check import suggest
from interpreter.language.templating import has_template
from interpreter.language.values import parse_timestamp


def unknown_functions(context: LintContext) -> Iterator[Problem]:
    for expression, _ in _expressions(context):
        for call in read_cel(expression.source).functions:
            if call.name in KNOWN_FUNCTIONS:
                continue
            kind = "method" if call.method else "function"
            hint = suggest(call.name, KNOWN_FUNCTIONS) or "; see CEL's standard functions"
            yield Problem.at(
                expression.location_of(call.offset),
                "cel-unknown-function",
                f"CEL has no {kind} {call.name!r}{hint}",
            )


def literal_timestamps(context: LintContext) -> Iterator[Problem]:
    source = context.document.source
    for i, step in enumerate(context.workflow.steps):
        if not isinstance(step, SleepUntilStep) or not isinstance(step.until, str):
            continue
        if has_template(step.until):
            continue  # known at run time only
        if parse_timestamp(step.until) is None:
            yield Problem.at(
                source.value(("steps", i, "sleep_until")),
                "bad-timestamp",
                f"sleep_until {step.until!r} is not an RFC 3339 timestamp such as"
                " 2026-03-01T09:00:00Z (or write ${ } to compute one)",
            )


def relative_urls(context: LintContext) -> Iterator[Problem]:
    data, source = context.document.data, context.document.source
    for i, step in enumerate(context.workflow.steps):
        if not isinstance(step, ActionStep) or step.action != "http.request":
            continue
        url = data["steps"][i].get("with", {}).get("url")
        if not isinstance(url, str) or url.startswith("${"):
            continue  # computed whole at run time
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            yield Problem.at(
                source.value(("steps", i, "with", "url")),
                "bad-url",
                f"http.request url {url!r} is not absolute; write it as https://host/path",
            )


def cancels_taking_waits(context: LintContext) -> Iterator[Problem]:
    cancelling = {cancel.event: cancel for cancel in context.workflow.cancel_on}
    for step in context.workflow.steps:
        if isinstance(step, WaitForEventStep) and step.event in cancelling:
            yield Problem.at(
                step.location,
                "cancel-shadows-wait",
                f"step {step.id!r} waits for {step.event!r}, which cancel_on also listens"
                " for: an event that matches both cancels the run (the cancel wins)",
                "warning",
            )
