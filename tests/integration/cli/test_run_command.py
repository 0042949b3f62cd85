"""`flow run`, `flow send` and `flow runs` behaviour, in-process through ``main(argv)``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests._cli import APP_DB, ROOT, Ran, run_flow


def flow(*arguments: str, cwd: Path, stdin: str | None = None) -> Ran:
    return run_flow(arguments, cwd=cwd, stdin=stdin, env={**os.environ, "APP_DATABASE_URL": APP_DB})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return tmp_path


def test_run_json_prints_one_object_per_timeline_entry(project: Path) -> None:
    result = flow(
        "run",
        "workflows/signup-drip.yaml",
        "--event",
        "-",
        "--simulate",
        "--format",
        "json",
        cwd=project,
        stdin='{"data": {"user": {"id": 2, "email": "grace@example.com", "first_name": "Grace"}}}',
    )
    assert result.returncode == 0, result.stderr
    *entries, summary = [json.loads(line) for line in result.stdout.splitlines()]
    # JSON Lines ending with one summary object: how the run ended and how long it took.
    assert summary == {"run": entries[0]["run"], "status": "completed", "duration": 3 * 86400.0}
    assert [e["step"] for e in entries][-2:] == ["check_plan", "trial_offer_email"]
    assert entries[-1]["status"] == "skipped"  # grace is on the pro plan
    assert set(entries[0]) >= {"at", "run", "step", "kind", "output"}
    assert entries[0]["at"].endswith("Z")


def test_a_campaign_with_lint_errors_does_not_run(project: Path) -> None:
    broken = project / "workflows" / "signup-drip.yaml"
    broken.write_text(broken.read_text().replace("timeout: 3d", "timeout: 3 days"))
    result = flow("run", str(broken), "--event", "{}", "--simulate", cwd=project)
    assert result.returncode == 1
    assert "signup-drip.yaml:33:" in result.stderr and "bad-duration" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (("run", "workflows/signup-drip.yaml", "--event", "{oops"), 2, "--event:1:2: invalid JSON"),
        (("run", "missing.yaml", "--event", "{}"), 2, "missing.yaml: no such file"),
        (("send", "x", "--data", "[1"), 2, "--data:1:3: invalid JSON"),
        (("send", "x", "--data", "[1, 2]"), 2, "--data: an event's data must be a JSON object"),
        (("send", "x", "--data", '"hi"'), 2, "must be a JSON object such as"),
        (("send", "x", "--data", "7"), 2, "must be a JSON object such as"),
        (
            ("run", "workflows/signup-drip.yaml", "--event", '{"data": [1]}'),
            2,
            "--event: 'data': an event's data must be a JSON object",
        ),
        (("runs", "show", "run_nope"), 1, "no run run_nope"),
        (("runs", "list", "--db", "mysql://x/y"), 1, "SQLite and PostgreSQL"),
        (("worker", "--lease-seconds", "soon"), 2, "Invalid value for '--lease-seconds'"),
    ],
)
def test_bad_input_gets_one_line_and_a_nonzero_exit(
    project: Path, arguments: tuple[str, ...], code: int, message: str
) -> None:
    result = flow(*arguments, cwd=project)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_run_simulate_plays_a_debounced_event_on_virtual_time(project: Path) -> None:
    result = flow(
        "run",
        "workflows/cart-abandonment.yaml",
        "--event",
        "@workflows/events/cart-updated.event.json",
        "--simulate",
        "--start",
        "2026-01-05T09:00:00Z",
        "--format",
        "json",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert "debounced; waiting for its burst" in result.stderr
    *entries, _ = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["step"] for e in entries] == ["reminder_email", "give_it_a_day", "last_call_email"]
    # The burst went quiet 30 minutes after the event: the run starts then.
    assert entries[0]["at"] == "2026-01-05T09:30:00Z"


def test_send_says_the_event_was_debounced(project: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    data = "@workflows/events/cart-updated.data.json"
    sent = flow("send", "shop/cart.updated", "--data", data, "--db", db, cwd=project)
    assert sent.returncode == 0, sent.stderr
    assert "started 0 run(s)" in sent.stdout
    assert "  cart-abandonment: debounced: its run starts after 30m without" in sent.stdout


def test_run_says_why_its_event_started_no_run(project: Path) -> None:
    (project / "gated.yaml").write_text(
        "id: gated\non:\n  event: app/go\n  if: event.data.plan == 'trial'\n"
        "steps:\n  - {id: hello, action: log, with: {message: hi}}\n"
    )
    ran = flow(
        "run", "gated.yaml", "--event", '{"data": {"plan": "pro"}}', "--simulate", cwd=project
    )
    assert ran.returncode == 1
    assert ran.stderr.strip() == (
        "flow: no run started: gated: not started: its if was false (event.data.plan == 'trial')"
    )
