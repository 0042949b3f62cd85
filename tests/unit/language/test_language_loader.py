"""The loader's API: the built Workflow, positions inside scalars, snapshots and hashing."""

from __future__ import annotations

from datetime import timedelta

from interpreter.language.cel_names import read_cel
from interpreter.language.definitions import (
    ActionStep,
    Expression,
    Interpolation,
    Location,
    RetryPolicy,
    SwitchStep,
    WaitForEventStep,
)
from interpreter.language.loader import load_workflow, load_workflow_text
from interpreter.language.templating import split_template
from tests.unit.language._language_planting import FILE, SEED_TEXT, WORKFLOWS, plant


def test_seed_builds_the_workflow() -> None:
    workflow, problems = load_workflow(WORKFLOWS / "signup-drip.yaml")
    assert problems == []
    assert workflow is not None
    assert workflow.id == "signup-drip-campaign"
    assert workflow.retry == RetryPolicy()
    assert workflow.secrets == ("APP_DATABASE_URL",)
    assert [s.id for s in workflow.steps][:3] == ["welcome_email", "wait_for_engagement", "route"]
    wait = workflow.steps[1]
    assert isinstance(wait, WaitForEventStep)
    assert wait.timeout == timedelta(days=3)
    assert wait.match is not None
    assert wait.match.location == Location(str(WORKFLOWS / "signup-drip.yaml"), 32, 11)
    welcome = workflow.steps[0]
    assert isinstance(welcome, ActionStep)
    to = welcome.with_["to"]
    assert isinstance(to, Interpolation) and to.single is not None
    assert to.single.source == "vars.email"
    assert to.single.location.column == 14
    assert welcome.with_["subject"] == "Welcome to ACME"
    assert isinstance(workflow.steps[2], SwitchStep)
    assert set(workflow.files) == {
        "templates/welcome.html",
        "templates/power-tips.html",
        "templates/trial-offer.html",
    }
    assert len(workflow.content_hash) == 64
    assert workflow.source_text == SEED_TEXT


def test_snapshot_files_replace_the_disk() -> None:
    workflow, _ = load_workflow(WORKFLOWS / "signup-drip.yaml")
    assert workflow is not None
    changed = dict(workflow.files, **{"templates/welcome.html": "<p>new</p>"})
    again, problems = load_workflow_text(SEED_TEXT, FILE, files=changed)
    assert problems == []
    assert again is not None
    assert again.files["templates/welcome.html"] == "<p>new</p>"
    assert again.content_hash != workflow.content_hash
    _, problems = load_workflow_text(SEED_TEXT, FILE, files={})
    assert {p.code for p in problems} == {"missing-template"}


def test_hash_is_stable() -> None:
    one, _ = load_workflow_text(SEED_TEXT, FILE, base_dir=WORKFLOWS)
    two, _ = load_workflow_text(SEED_TEXT, "elsewhere.yaml", base_dir=WORKFLOWS)
    assert one is not None and two is not None
    assert one.content_hash == two.content_hash


def test_mixed_text_and_escape() -> None:
    value, errors = split_template("Hi ${ vars.name }, $${literal}", Location("f", 3, 10))
    assert errors == []
    assert isinstance(value, Interpolation)
    assert value.single is None
    assert value.parts[0] == "Hi "
    expression = value.parts[1]
    assert isinstance(expression, Expression)
    assert expression.location == Location("f", 3, 16)
    assert value.parts[2] == ", ${literal}"


def test_braces_inside_an_expression() -> None:
    value, errors = split_template('${ {"a": "}"}.a }', Location("f", 1, 1))
    assert errors == []
    assert isinstance(value, Interpolation) and value.single is not None
    assert value.single.source == '{"a": "}"}.a'


def test_error_column_in_a_quoted_scalar() -> None:
    text = plant("subject: Welcome to ACME", 'subject: "Hi ${ vars.email + }"')
    _, problems = load_workflow_text(text, FILE, base_dir=WORKFLOWS)
    assert [(p.line, p.column, p.code) for p in problems] == [(26, 34, "cel-syntax")]


def test_error_column_in_a_block_scalar() -> None:
    text = plant(
        "    if: size(steps.check_plan.output.rows) == 0 || "
        'steps.check_plan.output.rows[0].plan != "pro"',
        "    if: |\n      size(steps.check_plan.output.rows) == 0 ||\n        stepz.check_plan",
    )
    _, problems = load_workflow_text(text, FILE, base_dir=WORKFLOWS)
    assert [(p.line, p.column, p.code) for p in problems] == [(64, 9, "cel-unknown-name")]


def test_error_column_in_a_folded_plain_scalar() -> None:
    text = plant(
        "if: async.data.email_id == steps.welcome_email.output.id",
        "if: async.data.email_id ==\n        steps.welcom_email.output.id",
    )
    _, problems = load_workflow_text(text, FILE, base_dir=WORKFLOWS)
    assert [(p.line, p.column, p.code) for p in problems] == [(33, 15, "cel-unknown-name")]


def test_cel_names_follow_paths_and_macros() -> None:
    reading = read_cel("steps.a.output.rows.exists(r, r.plan == vars.plan) && has(event.data)")
    assert reading.error is None
    assert [use.path for use in reading.names] == [
        ("steps", "a", "output", "rows"),
        ("vars", "plan"),
        ("event", "data"),
    ]
    assert reading.names[1].offsets == (40, 45)


def test_cel_syntax_offset() -> None:
    reading = read_cel("a == = b")
    assert reading.error is not None
    assert reading.error.offset == 5
