"""``flow test``'s behaviour, in-process through ``main(argv)``."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests._cli import ROOT, Ran, run_flow

SHIPPED = sorted((ROOT / "workflows").glob("*.test.yaml"))
# The seed campaign's scenarios: enough to show a failure's report, without
# playing every shipped scenario again (test_shipped_scenarios_pass does).
SEED = sorted(f"workflows/{p.name}" for p in SHIPPED if p.name.startswith("signup-drip."))


def flow(*arguments: str, cwd: Path = ROOT) -> Ran:
    return run_flow(arguments, cwd=cwd)


@pytest.fixture
def campaigns(tmp_path: Path) -> Path:
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    return folder


def test_shipped_scenarios_pass() -> None:
    result = flow("test")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{len(SHIPPED)} passed, 0 failed"
    assert sorted(lines[:-1]) == sorted(
        f"PASS {path.name.removesuffix('.test.yaml')}" for path in SHIPPED
    )
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal


def test_a_wrong_expectation_fails_with_a_diff(campaigns: Path) -> None:
    scenario = campaigns / "signup-drip.click.test.yaml"
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace("at: 1d2h", "at: 1d"), encoding="utf-8")
    result = flow("test", *SEED, cwd=campaigns.parent)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{len(SEED) - 1} passed, 1 failed"
    assert "FAIL signup-drip.click  (workflows/signup-drip.click.test.yaml)" in lines
    assert "            at: expected +1d, happened +1d2h" in lines
    assert any(line.startswith("      ~ +1d2h   send_power_user_tips") for line in lines)


def test_an_invalid_scenario_exits_2_with_its_line(campaigns: Path) -> None:
    scenario = campaigns / "signup-drip.no-click.test.yaml"
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace("at: 0s\n", "at: now\n", 1), encoding="utf-8")
    result = flow("test", "workflows", cwd=campaigns.parent)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        "workflows/signup-drip.no-click.test.yaml:8:9: error bad-duration 'now' is not a "
        "duration; use 30s, 15m, 2h, 3d, 1w, 1d12h or ISO 8601 such as P3D or PT1H30M"
    ]
    assert result.stderr == "flow: 1 invalid file; no scenario was run\n"


def test_junit_report(tmp_path: Path, campaigns: Path) -> None:
    scenario = campaigns / "signup-drip.pro-user.test.yaml"
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace("plan: pro}]}}", "plan: free}]}}"), encoding="utf-8")
    report = tmp_path / "report.xml"
    result = flow("test", "--format", "junit", str(report), *SEED, cwd=campaigns.parent)
    assert result.returncode == 1
    root = ElementTree.parse(report).getroot()
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(SEED) >= 5
    assert root.get("tests") == str(len(SEED)) and root.get("failures") == "1"
    failed = [case for case in cases if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == ["signup-drip.pro-user"]
    failure = failed[0].find("failure")
    assert failure is not None and "trial_offer_email" in (failure.text or "")


@pytest.mark.parametrize(
    "arguments",
    [("test", "no/such/folder"), ("test", "--format", "xml", "r.xml"), ("test", "interpreter")],
)
def test_usage_errors_exit_2(arguments: tuple[str, ...]) -> None:
    result = flow(*arguments)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_help_has_an_example() -> None:
    result = flow("test", "--help")
    assert result.returncode == 0
    assert "flow test --format junit" in result.stdout
