"""`flow worker --until-idle`, in-process through ``main(argv)``: the due work is
carried forward and the command returns, leaving sleeping runs parked."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests._cli import APP_DB, ROOT, run_flow


def test_until_idle_drives_the_due_runs_and_returns(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FLOW_")},
        "APP_DATABASE_URL": APP_DB,
    }
    sent = run_flow(
        ["send", "app/signup.completed", "--data", "@workflows/events/signup-completed.data.json"],
        cwd=tmp_path,
        env=env,
    )
    assert sent.returncode == 0, sent.stderr
    worked = run_flow(["worker", "--until-idle"], cwd=tmp_path, env=env)
    assert worked.returncode == 0, worked.stderr
    assert "until no run is due" in worked.stderr
    assert "advancing 1 run(s)" in worked.stderr
    listed = run_flow(["runs", "list", "--format", "json"], cwd=tmp_path, env=env)
    runs = json.loads(listed.stdout)
    # The welcome email went out and the run waits three days for a click.
    assert [run["status"] for run in runs] == ["waiting"]
    assert len(list((tmp_path / ".flow" / "outbox").glob("*.eml"))) == 1
