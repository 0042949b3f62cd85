"""``flow lint``'s behaviour, in-process through ``main(argv)``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests._cli import ROOT, Ran, run_flow


def flow(*arguments: str, cwd: Path = ROOT) -> Ran:
    return run_flow(arguments, cwd=cwd)


@pytest.fixture
def campaigns(tmp_path: Path) -> Path:
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    return folder


def test_seed_campaigns_lint_clean() -> None:
    result = flow("lint", "workflows/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_default_path_is_workflows() -> None:
    assert flow("lint").returncode == 0


def test_planted_defect_text(campaigns: Path) -> None:
    seed = campaigns / "signup-drip.yaml"
    seed.write_text(seed.read_text().replace("timeout: 3d", "timeout: 3 days"), encoding="utf-8")
    result = flow("lint", "workflows", cwd=campaigns.parent)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "workflows/signup-drip.yaml:33:16: error bad-duration '3 days' is not a duration; "
        "use 30s, 15m, 2h, 3d, 1w, 1d12h or ISO 8601 such as P3D or PT1H30M"
    ]


def test_json_and_github_formats(campaigns: Path) -> None:
    seed = campaigns / "signup-drip.yaml"
    seed.write_text(seed.read_text().replace("next: check_plan", "next: nowhere"), "utf-8")
    result = flow("lint", "--format", "json", str(seed))
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)
    assert problem == {
        "file": str(seed),
        "line": 38,
        "column": 15,
        "severity": "error",
        "code": "unknown-target",
        "message": "there is no step 'nowhere' to go to",
    }
    result = flow("lint", "--format", "github", str(seed))
    assert result.returncode == 1
    assert result.stdout.startswith(f"::error file={seed},line=38,col=15,title=unknown-target::")


def test_warnings_alone_exit_zero(campaigns: Path) -> None:
    seed = campaigns / "signup-drip.yaml"
    text = seed.read_text().replace(
        "    sleep: 1d\n\n  - id: send", "    sleep: 1d\n    next: end\n\n  - id: send"
    )
    seed.write_text(text, "utf-8")
    result = flow("lint", str(seed))
    assert result.returncode == 0
    assert "warning unreachable-step" in result.stdout


@pytest.mark.parametrize(
    "content",
    [b"id: a\nid: b\n", b"- just\n- a list\n", b"\xff\xfe", b"", b"a:\n\tb: 1\n"],
    ids=["duplicate-key", "root-not-mapping", "not-utf8", "empty-file", "tab-indent"],
)
def test_hostile_yaml_is_one_line_and_exit_1(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    result = flow("lint", str(path))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = flow("lint", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_bad_option_is_a_usage_error() -> None:
    assert flow("lint", "--format", "xml").returncode == 2


def test_help_has_an_example() -> None:
    result = flow("lint", "--help")
    assert result.returncode == 0
    assert "flow lint workflows/signup-drip.yaml" in result.stdout
