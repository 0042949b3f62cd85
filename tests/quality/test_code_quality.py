"""ruff (format and lint) and mypy --strict stay clean over interpreter/ and tests/: the
suite fails when one finds something, and every type: ignore says why beside it."""

from __future__ import annotations

import re
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(tool: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_format_changes_nothing() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict_finds_nothing_in_the_code_or_its_tests() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True
    assert {"interpreter", "tests"} <= set(config["packages"]), config["packages"]
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    # Every module was reached: a folder mypy cannot import would drop out silently.
    found = re.search(r"in (\d+) source files", result.stdout)
    assert found, result.stdout
    python_files = [*(ROOT / "interpreter").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    assert int(found.group(1)) >= len(python_files), (result.stdout, len(python_files))


# An ignore names its error codes and then, after a second #, the reason.
REASONED = re.compile(r"#\s*type:\s*ignore\[[\w,\s-]+\]\s+#\s*\S")
IGNORE = re.compile(r"#\s*type:\s*ignore")


def test_every_type_ignore_says_why_on_its_line() -> None:
    bare: list[str] = []
    for folder in ("interpreter", "tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            with path.open("rb") as source:
                comments = [
                    token
                    for token in tokenize.tokenize(source.readline)
                    if token.type == tokenize.COMMENT and IGNORE.search(token.string)
                ]
            bare += [
                f"{path.relative_to(ROOT)}:{token.start[0]}"
                for token in comments
                if not REASONED.search(token.string)
            ]
    assert bare == [], "a type: ignore without its [code] and # reason: " + ", ".join(bare)
