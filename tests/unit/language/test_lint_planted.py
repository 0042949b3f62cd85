"""Each lint check, planted in a copy of the seed campaign, at its file, line and column."""

from __future__ import annotations

import pytest

from interpreter.language.loader import campaign_files, load_directory
from tests.unit.language._language_planting import FILE, SEED_TEXT, WORKFLOWS, found, lint, plant

# (what to replace, replacement, expected line, column, code)
PLANTED = [
    pytest.param("timeout: 3d", "tiemout: 3d", 33, 7, "unknown-key", id="unknown-key"),
    pytest.param(
        "action: sql.query", "action: sql.qurey", 54, 13, "unknown-action", id="unknown-action"
    ),
    pytest.param("- id: route", "- id: Route", 35, 9, "schema", id="bad-step-id"),
    pytest.param("secrets: [APP_DATABASE_URL]", "secrets: APP", 15, 10, "schema", id="type"),
    pytest.param("- id: route", "- id: welcome_email", 35, 9, "duplicate-step-id", id="dup-id"),
    pytest.param(
        "next: check_plan", "next: check_plann", 38, 15, "unknown-target", id="unknown-target"
    ),
    pytest.param("timeout: 3d", "timeout: 0s", 33, 16, "bad-duration", id="zero-duration"),
    pytest.param(
        "sleep: 1d\n\n  - id: send",
        "sleep: 1 day\n\n  - id: send",
        41,
        12,
        "bad-duration",
        id="bad-duration",
    ),
    pytest.param('!= "pro"', '!= "pro" &&', 62, 99, "cel-syntax", id="cel-syntax-end"),
    pytest.param(
        "if: async.data.user_id ==",
        "if: async.data.user_id = =",
        13,
        28,
        "cel-syntax",
        id="cel-syntax-char",
    ),
    pytest.param(
        "steps.welcome_email.output.id",
        "steps.welcome_emial.output.id",
        32,
        40,
        "cel-unknown-name",
        id="unknown-step",
    ),
    pytest.param(
        "to: ${ vars.email }\n      subject: Welcome",
        "to: ${ vars.emial }\n      subject: Welcome",
        25,
        19,
        "cel-unknown-name",
        id="unset-var",
    ),
    pytest.param(
        "${ secrets.APP_DATABASE_URL }",
        "${ secrets.APP_DB }",
        56,
        23,
        "cel-unknown-name",
        id="undeclared-secret",
    ),
    pytest.param(
        "idempotency: event.data.user.id",
        "idempotency: evnt.data.user.id",
        9,
        14,
        "cel-unknown-name",
        id="unknown-root",
    ),
    pytest.param(
        "if: steps.wait_for_engagement.output == null",
        "if: async.data == null",
        37,
        13,
        "cel-unknown-name",
        id="async-outside-wait",
    ),
    pytest.param(
        "if: steps.wait_for_engagement.output == null",
        "if: steps.check_plan.output == null",
        37,
        19,
        "cel-unknown-name",
        id="step-not-run-yet",
    ),
    pytest.param(
        "first_name: ${ event.data.user.first_name }",
        "first_name: ${ steps.welcome_email.output }",
        19,
        18,
        "cel-unknown-name",
        id="steps-in-vars",
    ),
    pytest.param(
        "template: templates/welcome.html",
        "template: templates/welcom.html",
        27,
        17,
        "missing-template",
        id="missing-template",
    ),
    pytest.param(
        "subject: Welcome to ACME", "subject: 42", 26, 16, "action-input", id="action-input"
    ),
    pytest.param(
        "subject: Welcome to ACME",
        "subject: Welcome\n      cc: boss@example.com",
        27,
        7,
        "unknown-key",
        id="action-unknown-key",
    ),
    pytest.param("timeout: 3d\n", "lookback: 1h\n", 30, 5, "wait-without-timeout", id="no-timeout"),
    pytest.param(
        "subject: Welcome to ACME",
        "subject: Hi ${ vars.first_name",
        26,
        19,
        "template-syntax",
        id="unclosed-interpolation",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "column", "code"), PLANTED)
def test_planted_defect_is_reported_where_it_stands(
    old: str, new: str, line: int, column: int, code: str
) -> None:
    problems = lint(plant(old, new))
    assert (line, column, code) in [(p.line, p.column, p.code) for p in problems], problems
    assert all(p.file == FILE for p in problems)
    assert any(p.is_error for p in problems)


def test_unreachable_step_is_a_warning() -> None:
    text = plant("    sleep: 1d\n\n  - id: send", "    sleep: 1d\n    next: end\n\n  - id: send")
    problems = lint(text)
    assert [(p.line, p.column, p.code, p.severity) for p in problems] == [
        (44, 5, "unreachable-step", "warning"),
        (51, 5, "unreachable-step", "warning"),
    ]


def test_loop_without_a_pause_is_a_busy_cycle() -> None:
    text = plant("  - id: delay_trial\n    sleep: 1d", "  - id: delay_trial\n    set: {n: 1}")
    text = plant(
        "      template: templates/trial-offer.html",
        "      template: templates/trial-offer.html\n    next: route",
        text,
    )
    assert (68, 11, "busy-cycle") in found(text)


def test_loop_with_a_sleep_is_fine() -> None:
    text = plant(
        "      template: templates/trial-offer.html",
        "      template: templates/trial-offer.html\n    next: delay_power_tips",
        SEED_TEXT,
    )
    assert found(text) == []


def test_a_step_id_on_a_loop_may_name_itself() -> None:
    text = plant(
        "- if: steps.wait_for_engagement.output == null", "- if: steps.route.output == null"
    )
    text = plant(
        "    sleep: 1d\n\n  - id: send", "    sleep: 1d\n    next: route\n\n  - id: send", text
    )
    problems = found(text)
    assert not [p for p in problems if p[2] == "cel-unknown-name"], problems


def test_steps_field_other_than_output() -> None:
    text = plant("steps.welcome_email.output.id", "steps.welcome_email.result.id")
    assert (32, 54, "cel-unknown-name") in found(text)


def test_event_field_typo() -> None:
    text = plant("email: ${ event.data.user.email }", "email: ${ event.dta.user.email }")
    assert (18, 19, "cel-unknown-name") in found(text)


def test_bare_condition_written_with_dollar_braces() -> None:
    text = plant("idempotency: event.data.user.id", "idempotency: ${ event.data.user.id }")
    assert (9, 14, "cel-syntax") in found(text)


def test_set_step_makes_a_var_known() -> None:
    text = plant("  - id: delay_trial\n    sleep: 1d", "  - id: delay_trial\n    set: {plan: pro}")
    text = plant("subject: Free ACME Pro trial", "subject: ${ vars.plan }", text)
    assert found(text) == []


def test_macro_variables_are_not_unknown_names() -> None:
    text = plant(
        "if: size(steps.check_plan.output.rows) == 0",
        "if: steps.check_plan.output.rows.all(r, r.plan != 'pro') || false",
    )
    assert found(text) == []


def test_bad_timezone_and_cron() -> None:
    text = plant("  event: app/signup.completed", "  cron: 0 9 * *\n  timezone: Mars/Olympus")
    assert found(text) == [(7, 9, "bad-cron"), (8, 13, "bad-timezone")]


def test_every_campaign_in_workflows_lints_clean() -> None:
    workflows, problems = load_directory(WORKFLOWS)
    assert problems == []
    # Every campaign file loaded (each example campaign adds one).
    assert len(workflows) == len(campaign_files(WORKFLOWS)) >= 3
    assert {
        "signup-drip-campaign",
        "trial-expiry-reminder",
        "tips-series",
        "crm-onboarding",
        "account-sync",
        "cart-abandonment",
        "welcome-engagement",
        "onboarding-tour",
        "trial-conversion",
        "flash-sale",
        "order-follow-up",
    } <= {w.id for w in workflows}


def test_a_misspelt_action_does_not_hide_the_other_mistakes() -> None:
    text = plant("action: sql.query", "action: sql.qeury")
    text = plant("timeout: 3d", "timeout: 0s", text)
    text = plant("next: check_plan", "next: check_plna", text)
    assert found(text) == [
        (33, 16, "bad-duration"),
        (38, 15, "unknown-target"),
        (54, 13, "unknown-action"),
    ]


def test_ten_mistakes_show_on_the_first_run() -> None:
    """Schema mistakes set their own part aside; every other rule still runs."""
    plants = [
        ("idempotency: event.data.user.id", "idempotency: event.data.user.id ="),
        ("event: app/user.deleted", "evnt: app/user.deleted"),
        ("secrets: [APP_DATABASE_URL]", "secrets: APP"),
        (
            "to: ${ vars.email }\n      subject: Welcome",
            "to: ${ vars.emial }\n      subject: Welcome",
        ),
        ("timeout: 3d", "tiemout: 3d"),
        ("- id: route", "- id: Route"),
        ("sleep: 1d\n\n  - id: send", "sleep: 1 day\n\n  - id: send"),
        ("template: templates/power-tips.html", "template: templates/power-tip.html"),
        ("action: sql.query", "action: sql.qurey"),
        ('!= "pro"', '!= "pro" &&'),
    ]
    text = SEED_TEXT
    for old, new in plants:
        text = plant(old, new, text)
    lines = {line for line, _, _ in found(text)}
    assert lines == {9, 12, 15, 25, 33, 35, 41, 48, 54, 62}
    assert len(lines) == len(plants)


def test_a_part_set_aside_is_not_reported_twice() -> None:
    # The bad secrets list is one mistake: its uses are not "undeclared secret" too,
    # and a step with a bad id is not also a jump to "no step 'Route'".
    text = plant("secrets: [APP_DATABASE_URL]", "secrets: APP")
    text = text.replace("check_plan", "Check_plan")
    assert found(text) == [(15, 10, "schema"), (38, 15, "schema"), (53, 9, "schema")]


def test_a_broken_step_list_still_stops_the_deeper_rules() -> None:
    text = SEED_TEXT[: SEED_TEXT.index("steps:")] + "steps: {welcome: 1}\n"
    assert [code for _, _, code in found(text)] == ["schema"]


def test_throttle_limit_period_and_placement() -> None:
    campaign = """\
id: sync
on: {event: app/account.updated}
steps:
  - id: push
    action: log
    throttle: {limit: 0, period: 0s}
    with: {message: hi}
  - id: pause
    sleep: 1s
    throttle: {limit: 1, period: 1s}
  - id: keyed
    action: log
    throttle: {limit: 1, period: 1s, key: event.data.acount}
    with: {message: hi}
  - id: unknown_root
    action: log
    throttle: {limit: 1, period: 1s, key: vars.nope}
    with: {message: hi}
"""
    assert found(campaign) == [
        (6, 23, "bad-limit"),
        (6, 34, "bad-duration"),
        (10, 5, "throttle-not-action"),
        (17, 48, "cel-unknown-name"),
    ]
