"""How the CLI's tables read: offsets written as durations are (``+11d``),
times to the second, the KIND column the step's kind, every cell whole into a
pipe and cut to the terminal's width on one. In-process through ``main(argv)``,
and on a real pseudo-terminal for the width."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests._cli import ROOT, Ran, run_flow

LONG = "the quick brown fox jumps over the lazy dog " * 4  # 176 characters

CAMPAIGN = f"""\
id: tables-demo
on: {{event: app/ping}}
steps:
  - id: never
    if: event.data.n > 100
    action: log
    with: {{message: never}}
  - id: rest
    sleep: 11d
  - id: note
    set: {{note: "{LONG.strip()}"}}
"""

RUN_ARGUMENTS = ("--event", '{"data": {"n": 1}}', "--simulate")
SECOND = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    file = tmp_path / "tables-demo.yaml"
    file.write_text(CAMPAIGN, encoding="utf-8")
    return file


def flow(*arguments: str, cwd: Path) -> Ran:
    return run_flow(arguments, cwd=cwd, env={**os.environ, "NO_COLOR": "1"})


def _rows(text: str) -> dict[str, list[str]]:
    """The timeline's rows by step, split on the table's two-space gutters."""
    rows = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 4 and cells[0].startswith("+"):
            rows[cells[1]] = cells
    return rows


def test_the_run_table_writes_offsets_as_durations_and_kinds_as_steps(
    campaign: Path, tmp_path: Path
) -> None:
    result = flow("run", str(campaign), "--event", '{"data": {"n": 1}}', "--simulate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    # A step its `if` skipped is still a log step; the status says it was skipped.
    assert rows["never"][:4] == ["+0s", "never", "log", "skipped"]
    assert rows["rest"][:3] == ["+11d", "rest", "sleep"]
    # Into a pipe nothing is cut, however long.
    assert rows["note"][2:] == ["set", "ok", f"note={LONG.strip()}"]
    assert result.stdout.rstrip().endswith("completed after 11d")


def test_runs_show_and_list_give_times_to_the_second(campaign: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    ran = flow("run", str(campaign), "--event", "{}", "--simulate", "--db", db, cwd=tmp_path)
    assert ran.returncode == 1, ran.stderr  # `event.data.n` is missing: the run fails
    listed = flow("runs", "list", "--db", db, cwd=tmp_path)
    (run_id, _, _, started, _) = re.split(r"\s{2,}", listed.stdout.splitlines()[1].strip())
    assert SECOND.fullmatch(started), started
    shown = flow("runs", "show", run_id, "--db", db, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    (started_line,) = [line for line in shown.stdout.splitlines() if line.startswith("started")]
    assert SECOND.fullmatch(started_line.split()[-1]), started_line


def test_the_kind_column_of_runs_show_is_the_step_kind(campaign: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    event = '{"data": {"n": 1}}'
    ran = flow("run", str(campaign), "--event", event, "--simulate", "--db", db, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    run_id = ran.stdout.split()[1]
    rows = _rows(flow("runs", "show", run_id, "--db", db, cwd=tmp_path).stdout)
    assert rows["never"][2:4] == ["log", "skipped"]
    assert rows["note"][2] == "set"
    assert rows["rest"][0] == "+11d"


def test_graph_labels_write_durations_as_the_author_did(campaign: Path, tmp_path: Path) -> None:
    result = flow("graph", str(campaign), "--format", "mermaid", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sleep 11d" in result.stdout and "1w4d" not in result.stdout


def test_on_a_terminal_the_table_fits_its_width(campaign: Path, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "LINES": "24"}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "interpreter.cli.main", "run", str(campaign), *RUN_ARGUMENTS],
        cwd=tmp_path,
        env=env,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.stderr is not None
    with process.stderr:
        errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, errors
    lines = output.decode().replace("\r\n", "\n").splitlines()
    table = [line for line in lines if line.startswith(("AT", "+"))]
    assert len(table) == 4, lines
    assert all(len(line) <= 80 for line in table), table
    (note,) = [line for line in table if " note " in line]
    assert note.endswith("…") and LONG[:20] in note
