"""Lint of ``when_capped``: only an ``email.send`` is capped."""

from __future__ import annotations

from interpreter.language.definitions import ActionStep
from interpreter.language.loader import load_workflow_text

CAMPAIGN = """id: c
on: {event: go}
steps:
  - id: hello
    action: email.send
    when_capped: defer
    with: {to: a@example.com, subject: hi, text: hi}
  - id: note
    action: log
    when_capped: skip
    with: {message: hi}
  - id: nap
    sleep: 1h
    when_capped: defer
"""


def test_when_capped_on_a_step_that_is_no_email_send_is_an_error_at_its_key() -> None:
    workflow, problems = load_workflow_text(CAMPAIGN, "c.yaml")
    assert workflow is None
    assert [(p.line, p.column, p.code, p.is_error) for p in problems] == [
        (10, 5, "when-capped-not-email", True),
        (14, 5, "when-capped-not-email", True),
    ]
    assert problems[0].message == (
        "step 'note' is not an email.send, and only emails are capped; remove its when_capped"
    )


def test_a_bad_when_capped_value_is_a_schema_error() -> None:
    text = CAMPAIGN.replace("when_capped: defer", "when_capped: later", 1)
    _, problems = load_workflow_text(text.split("  - id: note")[0], "c.yaml")
    assert [(p.line, p.code) for p in problems] == [(6, "schema")]


def test_when_capped_reaches_the_step() -> None:
    workflow, problems = load_workflow_text(CAMPAIGN.split("  - id: note")[0], "c.yaml")
    assert workflow is not None, problems
    step = workflow.steps[0]
    assert isinstance(step, ActionStep) and step.when_capped == "defer"
