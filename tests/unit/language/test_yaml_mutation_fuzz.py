"""Seeded mutation fuzzing of the seed campaign through `flow lint`, in-process:
every mutant gets exit 0 or 1 and a report, never an internal error (exit 70)
or a traceback. Mutants that lint clean are also run (`flow run --simulate`).

FLOW_FUZZ_CASES sets how many mutants (default 300; the issue's 3,000 run in a
few minutes)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from interpreter.cli.main import main
from tests.unit.language._yaml_mutations import mutant

ROOT = Path(__file__).resolve().parents[3]
CASES = int(os.environ.get("FLOW_FUZZ_CASES", "300"))


def flow(*arguments: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(arguments))
    return code, out.getvalue() + err.getvalue()


@pytest.mark.slow
def test_mutants_of_the_seed_campaign_never_reach_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOW_DEBUG", raising=False)  # an internal error must be counted, not raised
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{ROOT / 'workflows/demo/app.db'}")
    seed = (tmp_path / "workflows" / "signup-drip.yaml").read_text(encoding="utf-8")
    target = tmp_path / "workflows" / "mutant.yaml"
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    for case in range(CASES):
        text, names = mutant(seed, case)
        target.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, output = flow("lint", str(target))
        outcomes[f"lint {code}"] += 1
        outcomes["too-deep"] += " too-deep " in output
        outcomes["bad-duration"] += " bad-duration " in output
        if code not in (0, 1) or "Traceback" in output or "internal error" in output:
            failures.append(f"seed {case} ({names}): lint exit {code}: {output[-300:]}")
            continue
        if code == 0:
            code, output = flow(
                "run",
                str(target),
                "--event",
                "@workflows/events/signup-completed.event.json",
                "--simulate",
                "--format",
                "json",
            )
            outcomes[f"run {code}"] += 1
            if code not in (0, 1) or "Traceback" in output or "internal error" in output:
                failures.append(f"seed {case} ({names}): run exit {code}: {output[-300:]}")
    print(dict(outcomes))  # shown with -s: what the run decided
    assert not failures, "\n".join(failures[:20])
    # The test proves its reach: each kind of outcome was decided often enough.
    assert outcomes["lint 0"] + outcomes["lint 1"] == CASES
    assert outcomes["lint 1"] >= CASES // 2, outcomes
    assert outcomes["run 0"] + outcomes["run 1"] >= CASES // 20, outcomes
    assert outcomes["too-deep"] >= CASES // 30, outcomes
    assert outcomes["bad-duration"] >= CASES // 30, outcomes
