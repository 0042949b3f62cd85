"""The newsletter through the commands a user types: ``flow run --simulate
--also`` drives the children too, and ``flow runs show`` says how far a
fan-out has got, with a bar on a terminal."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from interpreter.store.database import open_store
from interpreter.store.records import FanOutProgress
from tests._cli import run_flow

ROOT = Path(__file__).resolve().parents[3]


def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return tmp_path


def test_the_newsletter_runs_through_flow_run_with_its_children(tmp_path: Path) -> None:
    cwd = project(tmp_path)
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    ran = run_flow(
        [
            "run",
            "workflows/weekly-newsletter.yaml",
            "--also",
            "workflows/newsletter-issue.yaml",
            "--event",
            '{"name": "newsletter/issue.requested"}',
            "--secret",
            "APP_DATABASE_URL=sqlite:///workflows/demo/app.db",
            "--simulate",
            "--start",
            "2026-01-05T09:00:00+01:00",
            "--db",
            db,
        ],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert ran.returncode == 0, ran.stderr
    assert "fan_out  for_each  ok      count=259" in ran.stdout
    assert "other runs it started: 259, 259 completed" in ran.stdout
    assert len(list((cwd / ".flow" / "outbox").glob("*.eml"))) == 259

    with open_store(db) as store:
        (run,) = [r for r in store.list_runs(limit=500) if r.workflow_id == "weekly-newsletter"]
        with store.transaction() as tx:  # as a long fan-out stands half-way
            tx.save_fan_out_progress(
                FanOutProgress(run.id, "fan_out", 1, 12_000, 20_000, run.updated_at)
            )
    plain = run_flow(["runs", "show", run.id, "--db", db], cwd=cwd, env={"NO_COLOR": "1"})
    assert "fan-out       fan_out: 12,000 of 20,000 events" in plain.stdout
    assert "█" not in plain.stdout
    terminal = run_flow(["runs", "show", run.id, "--db", db], cwd=cwd, env={"FORCE_COLOR": "1"})
    assert f"fan_out: [{'█' * 18}{'░' * 12}] 60%  12,000 of 20,000 events" in terminal.stdout
    shown = run_flow(["runs", "show", run.id, "--db", db, "--format", "json"], cwd=cwd, env={})
    assert json.loads(shown.stdout)["fan_outs"] == [
        {"step": "fan_out", "visit": 1, "done": 12_000, "total": 20_000}
    ]


def test_flow_graph_draws_a_fan_out_as_a_stack(tmp_path: Path) -> None:
    cwd = project(tmp_path)
    ran = run_flow(
        ["graph", "workflows/weekly-newsletter.yaml", "--format", "mermaid"], cwd=cwd, env={}
    )
    assert ran.returncode == 0, ran.stderr
    assert 's_fan_out[["fan_out<br/>for each row → newsletter/issue.due"]]' in ran.stdout
    svg = run_flow(["graph", "workflows/weekly-newsletter.yaml"], cwd=cwd, env={})
    assert '<g class="node node-for_each" data-step="fan_out">' in svg.stdout
