"""``flow test`` as a user runs it: the installed console script, in a subprocess.
Its behaviour is tested in-process (tests/integration/cli/test_flow_test_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOW = Path(sys.executable).with_name("flow")
SHIPPED = sorted((ROOT / "workflows").glob("*.test.yaml"))

pytestmark = pytest.mark.skipif(
    not FLOW.exists(), reason="the flow console script is not installed"
)


def flow(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLOW), *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_shipped_scenarios_pass() -> None:
    result = flow("test")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{len(SHIPPED)} passed, 0 failed"
    assert sorted(lines[:-1]) == sorted(
        f"PASS {path.name.removesuffix('.test.yaml')}" for path in SHIPPED
    )
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal


def test_help_has_an_example() -> None:
    result = flow("test", "--help")
    assert result.returncode == 0
    assert "flow test --format junit" in result.stdout
