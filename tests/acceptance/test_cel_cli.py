"""CEL that cannot be evaluated is a lint error under the installed `flow`
command, never an internal error (exit 70)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FLOW = str(Path(sys.executable).with_name("flow"))
ROOT = Path(__file__).resolve().parents[2]


def test_flow_run_refuses_an_idempotency_expression_nested_too_deep(tmp_path: Path) -> None:
    seed = (ROOT / "workflows" / "signup-drip.yaml").read_text(encoding="utf-8")
    hostile = seed.replace(
        "idempotency: event.data.user.id", 'idempotency: "' + "!" * 2000 + 'true"', 1
    )
    assert hostile != seed
    (tmp_path / "templates").symlink_to(ROOT / "workflows" / "templates")
    (tmp_path / "campaign.yaml").write_text(hostile, encoding="utf-8")
    result = subprocess.run(
        [FLOW, "run", "campaign.yaml", "--event", '{"data": {"user": {"id": 1}}}', "--simulate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "APP_DATABASE_URL": "sqlite:///unused.db"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "too-deep" in output and "campaign.yaml:9:" in output
    assert "Traceback" not in output and "internal error" not in output
