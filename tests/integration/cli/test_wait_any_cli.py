"""``wait_for_event`` with ``any`` through the commands a user types: `flow run
--simulate` (the timeout, and an event sent before the run that the look-back
delivers to the second entry), `flow lint` and `flow graph`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests._cli import ROOT, Ran, run_flow

CAMPAIGN = "workflows/welcome-engagement.yaml"
SIGNUP = "@workflows/events/user-registered.event.json"  # user 42


def flow(*arguments: str, cwd: Path) -> Ran:
    return run_flow(arguments, cwd=cwd, env=dict(os.environ))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return tmp_path


def timeline(result: Ran) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    *entries, _summary = [json.loads(line) for line in result.stdout.splitlines()]
    return entries


def test_simulate_times_the_wait_out_and_goes_on_with_the_following_step(
    project: Path,
) -> None:
    entries = timeline(
        flow("run", CAMPAIGN, "--event", SIGNUP, "--simulate", "--format", "json", cwd=project)
    )
    assert [(e["step"], e["kind"]) for e in entries] == [
        ("welcome", "email.send"),
        ("engagement", "wait_for_event"),
        ("route", "switch"),
        ("nudge", "email.send"),
    ]
    assert entries[1]["output"] is None
    assert entries[1]["at"] != entries[0]["at"]  # three virtual days later


def test_simulate_delivers_an_event_sent_before_the_run_to_its_entry(project: Path) -> None:
    campaign = project / CAMPAIGN
    campaign.write_text(
        campaign.read_text(encoding="utf-8").replace(
            "      timeout: 3d\n", "      timeout: 3d\n      lookback: 1h\n"
        ),
        encoding="utf-8",
    )
    db = f"sqlite:///{project / 'flow.db'}"
    sent = flow(
        "send",
        "app/subscription.created",
        "--data",
        '{"user_id": 42, "plan": "pro"}',
        "--id",
        "evt_sub_42",
        "--db",
        db,
        "--workflows",
        str(campaign),
        cwd=project,
    )
    assert sent.returncode == 0, sent.stderr

    entries = timeline(
        flow(
            "run",
            str(campaign),
            "--event",
            SIGNUP,
            "--simulate",
            "--db",
            db,
            "--format",
            "json",
            cwd=project,
        )
    )
    assert [e["step"] for e in entries] == ["welcome", "engagement", "route", "thanks"]
    output = entries[1]["output"]
    assert output["index"] == 1 and output["name"] == "app/subscription.created"
    assert output["event"]["id"] == "evt_sub_42"
    assert output["event"]["data"] == {"user_id": 42, "plan": "pro"}


def test_lint_and_graph_show_the_entries(project: Path) -> None:
    assert flow("lint", CAMPAIGN, cwd=project).returncode == 0
    graph = flow("graph", CAMPAIGN, "--format", "mermaid", cwd=project)
    assert graph.returncode == 0, graph.stderr
    assert 's_engagement -->|"resend/email.clicked"| s_tips' in graph.stdout
    assert 's_engagement -->|"app/subscription.created"| s_route' in graph.stdout
    assert 's_engagement -->|"timeout 3d"| s_route' in graph.stdout


def test_lint_points_at_an_entrys_unknown_target(project: Path) -> None:
    campaign = project / CAMPAIGN
    text = campaign.read_text(encoding="utf-8").replace("next: tips}", "next: tipz}")
    campaign.write_text(text, encoding="utf-8")
    result = flow("lint", CAMPAIGN, cwd=project)
    assert result.returncode == 1
    line = text[: text.index("tipz")].count("\n") + 1
    column = text.index("tipz") - text.rfind("\n", 0, text.index("tipz"))
    assert f"welcome-engagement.yaml:{line}:{column}: error unknown-target" in result.stdout
    assert "Traceback" not in result.stderr + result.stdout
