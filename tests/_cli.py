"""The `flow` command in-process: ``main(argv)`` with its output captured, as
the jsonschema CLI's ``run(arguments, stdout, stderr)`` is tested. No
interpreter start and no imports per call, so behaviour tests use it; a few
acceptance tests still run the installed script in a subprocess."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from interpreter.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"


@dataclass(frozen=True)
class Ran:
    """What a subprocess.CompletedProcess would say."""

    returncode: int
    stdout: str
    stderr: str


def run_flow(
    arguments: list[str] | tuple[str, ...],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Ran:
    """``flow ARGUMENTS`` in ``cwd``, with ``env`` as the whole environment (as
    a subprocess would get it) and ``stdin`` on standard input; the working
    folder, environment and streams are restored afterwards."""
    saved_environ, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        os.chdir(cwd)
        sys.stdin = io.StringIO(stdin or "")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(arguments))
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_environ)
    return Ran(code, out.getvalue(), err.getvalue())


class Flow:
    """Calls ``main`` in the project folder, with extra environment per call."""

    def __init__(self, project: Path) -> None:
        self.project = project

    def __call__(self, *arguments: str, stdin: str | None = None, **environ: str) -> Ran:
        return run_flow(arguments, cwd=self.project, env={**os.environ, **environ}, stdin=stdin)


@contextlib.contextmanager
def in_process(monkeypatch: pytest.MonkeyPatch, project: Path) -> Iterator[Flow]:
    """A copy of workflows/ in ``project``, a clean environment (no FLOW_*
    settings, no colour choice, the demo database's secret set), and a Flow."""
    shutil.copytree(ROOT / "workflows", project / "workflows")
    for name in list(os.environ):
        if name.startswith(("FLOW_", "RESEND_")) and not name.startswith("FLOW_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("APP_DATABASE_URL", APP_DB)
    yield Flow(project)
