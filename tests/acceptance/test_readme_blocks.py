"""Every README block marked runnable runs as written, in order, in a fresh copy
of the repository, with the virtual environment's ``flow`` on the PATH (as
after ``. .venv/bin/activate``). A block marked runnable is a ```` ```sh ````
block right after a ``<!-- runnable -->`` line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"^<!-- runnable -->\n```sh\n(.*?)\n```$", re.MULTILINE | re.DOTALL)


def runnable_blocks(readme: str) -> list[tuple[int, str]]:
    """(line, text) of each runnable block."""
    return [(readme[: m.start()].count("\n") + 1, m.group(1)) for m in _BLOCK.finditer(readme)]


def fresh_copy(into: Path) -> Path:
    """The repository's files as a clone would have them: what git tracks, plus
    new files not ignored, so the change being tested is in the copy."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:  # a source tree without git: all of it but what runs make
        skip = shutil.ignore_patterns(".git", ".venv", ".flow", "__pycache__", "*.egg-info")
        shutil.copytree(ROOT, into, ignore=skip)
        return into
    listed = listing.stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def test_the_readme_marks_its_runnable_blocks() -> None:
    blocks = runnable_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    # Running campaigns, the event API with curl, scenarios, recovery.
    assert len(blocks) >= 4


@pytest.mark.skipif(shutil.which("curl") is None, reason="the curl examples need curl")
def test_every_runnable_block_runs_in_a_fresh_copy(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = runnable_blocks(readme)
    script = ["set -euo pipefail"]
    for line, text in blocks:
        script += [f"echo '== README.md:{line}' >&2", text]
    copy = fresh_copy(tmp_path / "flow")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "APP_", "RESEND_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    ran = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    where = re.findall(r"^== (README\.md:\d+)$", ran.stderr, flags=re.MULTILINE)
    assert ran.returncode == 0, f"failed in {where[-1] if where else '?'}:\n{ran.stderr[-3000:]}"
    assert len(where) == len(blocks)
    # What the blocks say happened, happened.
    answer = '{"ids":["signup-7"],"status":200,"outcomes":[{"id":"signup-7","duplicate":false,'
    assert answer + '"started":["run_' in ran.stdout
    # flow send --url says what the event did, per campaign.
    assert "  signup-drip-campaign: started run_" in ran.stdout
    assert "retried at step check_plan: completed" in ran.stdout
    assert (copy / "signup-drip.svg").read_text().startswith("<svg")
    assert (copy / "reports" / "flow-test.xml").is_file()
