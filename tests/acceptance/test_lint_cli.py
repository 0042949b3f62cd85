"""``flow lint`` as a user runs it: the installed console script, in a subprocess.
Its behaviour is tested in-process (tests/integration/cli/test_lint_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOW = Path(sys.executable).with_name("flow")

pytestmark = pytest.mark.skipif(
    not (ROOT / "interpreter" / "cli" / "main.py").exists() or not FLOW.exists(),
    reason="the flow console script is not installed yet",
)


def flow(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLOW), *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_seed_campaigns_lint_clean() -> None:
    result = flow("lint", "workflows/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_help_has_an_example() -> None:
    result = flow("lint", "--help")
    assert result.returncode == 0
    assert "flow lint workflows/signup-drip.yaml" in result.stdout
