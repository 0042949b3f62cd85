"""Colour follows the terminal, NO_COLOR and FORCE_COLOR (https://no-color.org)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from interpreter.cli.main import main
from interpreter.cli.output import colour_choice, colour_enabled, paint

ROOT = Path(__file__).resolve().parents[3]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"NO_COLOR": "1"}, False),
        ({"NO_COLOR": ""}, None),  # the convention: set *and* non-empty
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": "0"}, None),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_the_environment_decides_before_the_terminal(
    environ: dict[str, str], expected: bool | None
) -> None:
    assert colour_choice(environ) is expected


def test_a_terminal_gets_colour_and_a_pipe_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert colour_enabled(Terminal()) and not colour_enabled(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(Terminal())


def test_bold_is_a_style_not_a_colour() -> None:
    assert paint("run_1", bold=True, enabled=True) == "\x1b[1mrun_1\x1b[0m"
    assert paint("ok", "green", enabled=True) == "\x1b[32mok\x1b[0m"
    assert paint("ok", "green", bold=True, enabled=False) == "ok"


def test_force_color_colours_the_main_job_into_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    code = main(
        [
            "run",
            "workflows/signup-drip.yaml",
            "--event",
            "@workflows/events/signup-completed.event.json",
            "--secret",
            f"APP_DATABASE_URL={APP_DB}",
            "--simulate",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b[1mrun_" in out and "\x1b[32mcompleted\x1b[0m after 3d" in out
