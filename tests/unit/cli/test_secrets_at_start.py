"""Declared secrets are checked before anything starts: `flow run`, `flow
worker` and `flow serve` refuse with one line per campaign and missing secret,
instead of failing the step that needs it (three virtual days into the seed
campaign) or serving traffic whose runs will all fail."""

from __future__ import annotations

import pytest

from tests._cli import APP_DB, Flow

RUN = (
    "run",
    "workflows/signup-drip.yaml",
    "--event",
    "@workflows/events/signup-completed.event.json",
    "--simulate",
)
SECOND = """\
id: crm-sync
on:
  event: app/user.updated
secrets: [CRM_TOKEN, CRM_URL]
steps:
  - id: note
    action: log
    with:
      message: synced
"""
LINE = (
    "flow: workflows/{file}: campaign {campaign} needs secret {name}: "
    "set it in the environment or pass --secret {name}=VALUE"
)


def test_flow_run_refuses_before_the_run_starts(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_DATABASE_URL")
    result = flow(*RUN)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        LINE.format(
            file="signup-drip.yaml", campaign="signup-drip-campaign", name="APP_DATABASE_URL"
        )
    ]
    assert result.stdout == ""  # no run, no timeline
    assert not (flow.project / ".flow" / "outbox").exists()  # the welcome email was not sent


def test_flow_run_takes_the_secret_from_the_option_or_the_environment(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_DATABASE_URL")
    assert flow(*RUN, "--secret", f"APP_DATABASE_URL={APP_DB}").returncode == 0
    assert flow(*RUN, APP_DATABASE_URL=APP_DB).returncode == 0


@pytest.mark.parametrize("command", [("worker",), ("serve", "--port", "0")], ids=" ".join)
def test_the_daemons_refuse_with_one_line_per_campaign_and_secret(
    flow: Flow, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    (flow.project / "workflows" / "crm-sync.yaml").write_text(SECOND)
    monkeypatch.delenv("APP_DATABASE_URL")
    result = flow(
        *command,
        "--db",
        f"sqlite:///{flow.project / 'flow.db'}",
        "--secret",
        "CRM_URL=https://crm.example",
    )
    assert result.returncode == 1
    assert sorted(result.stderr.splitlines()) == [
        LINE.format(file="crm-sync.yaml", campaign="crm-sync", name="CRM_TOKEN"),
        LINE.format(
            file="signup-drip.yaml", campaign="signup-drip-campaign", name="APP_DATABASE_URL"
        ),
        LINE.format(
            file="weekly-newsletter.yaml", campaign="weekly-newsletter", name="APP_DATABASE_URL"
        ),
    ]
    assert not (flow.project / "flow.db").exists()  # refused before opening the database
