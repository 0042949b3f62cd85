"""``flow test`` as a user runs it: the installed console script, in a subprocess.
Its behaviour is tested in-process (tests/integration/cli/test_test_command.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOW = Path(sys.executable).with_name("flow")

pytestmark = pytest.mark.skipif(
    not FLOW.exists(), reason="the flow console script is not installed"
)


def flow(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLOW), *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_installed_script_plays_a_scenario() -> None:
    # Every shipped scenario is played in-process (tests/integration/cli/test_test_command.py);
    # here the console script plays one, as a user types it.
    result = flow("test", "workflows/signup-drip.click.test.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["PASS signup-drip.click", "1 passed, 0 failed"]
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal


def test_help_has_an_example() -> None:
    result = flow("test", "--help")
    assert result.returncode == 0
    assert "flow test --format junit" in result.stdout
