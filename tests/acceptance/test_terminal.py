"""The README's first command and `flow runs show` on a real terminal: a
pseudo-terminal, so that colour is on as it is for a user typing them."""

from __future__ import annotations

import errno
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FLOW = str(Path(sys.executable).with_name("flow"))
ROOT = Path(__file__).resolve().parents[2]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MAIN_JOB = (
    "run",
    "workflows/signup-drip.yaml",
    "--event",
    "@workflows/events/signup-completed.event.json",
    "--secret",
    f"APP_DATABASE_URL={APP_DB}",
    "--simulate",
)


def on_a_terminal(*arguments: str, cwd: Path, **environ: str) -> tuple[int, str]:
    """Run flow with stdin, stdout and stderr on a pseudo-terminal; its exit
    status and everything it wrote (with the terminal's \\r\\n made \\n)."""
    env = {
        key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")
    }
    env.update(TERM="xterm-256color", **environ)
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [FLOW, *arguments],
            cwd=cwd,
            env=env,
            stdin=follower,
            stdout=follower,
            stderr=follower,
            close_fds=True,
        )
    finally:
        os.close(follower)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError as error:  # EIO: every copy of the follower is closed
                if error.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    status = process.wait(timeout=120)
    return status, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return tmp_path


def assert_the_seed_timeline(lines: list[str]) -> None:
    header = lines.index(next(line for line in lines if line.startswith("AT ")))
    assert lines[header].split() == ["AT", "STEP", "KIND", "STATUS", "WHAT", "HAPPENED"]
    assert [line.split()[:4] for line in lines[header + 1 : header + 6]] == [
        ["+0s", "welcome_email", "email.send", "ok"],
        ["+3d", "wait_for_engagement", "wait_for_event", "ok"],
        ["+3d", "route", "switch", "ok"],
        ["+3d", "check_plan", "sql.query", "ok"],
        ["+3d", "trial_offer_email", "email.send", "ok"],
    ]


def test_the_readme_main_job_works_on_a_terminal_in_colour(project: Path) -> None:
    status, output = on_a_terminal(*MAIN_JOB, cwd=project)
    assert status == 0, output
    assert "internal error" not in output and "Traceback" not in output
    assert "\x1b[32mcompleted\x1b[0m after 3d" in output  # coloured, as on a terminal
    assert "\x1b[1mrun_" in output  # the run id in bold
    lines = ANSI.sub("", output).splitlines()
    assert lines[0].startswith("run run_") and lines[0].endswith("(virtual time)")
    assert_the_seed_timeline(lines)
    assert "completed after 3d" in lines


def test_runs_show_works_on_a_terminal(project: Path) -> None:
    db = f"sqlite:///{project / 'kept.db'}"
    status, output = on_a_terminal(*MAIN_JOB, "--db", db, cwd=project)
    assert status == 0, output
    run_id = ANSI.sub("", output).split()[1]
    status, output = on_a_terminal("runs", "show", run_id, "--db", db, cwd=project)
    assert status == 0, output
    assert f"\x1b[1m{run_id}\x1b[0m" in output
    lines = ANSI.sub("", output).splitlines()
    assert lines[0].split() == ["run", run_id]
    assert lines[2].split() == ["status", "completed"]
    assert_the_seed_timeline(lines)


def test_no_color_turns_colour_off_on_a_terminal(project: Path) -> None:
    status, output = on_a_terminal(*MAIN_JOB, cwd=project, NO_COLOR="1")
    assert status == 0, output
    assert "\x1b[" not in output
    assert_the_seed_timeline(output.splitlines())
