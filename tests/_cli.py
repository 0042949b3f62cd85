"""The `flow` command in-process: ``main(argv)`` with its output captured, as
the jsonschema CLI's ``run(arguments, stdout, stderr)`` is tested. Much faster
than a subprocess (no interpreter start, no imports), so behaviour tests use
it; a few acceptance tests still run the installed script."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from interpreter.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


class Flow:
    """Calls ``main`` in the project folder with the environment it was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
        self.monkeypatch = monkeypatch
        self.project = project

    def __call__(self, *arguments: str, stdin: str | None = None, **environ: str) -> Ran:
        with self.monkeypatch.context() as patch:
            patch.chdir(self.project)
            for name, value in environ.items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(arguments))
        return Ran(code, out.getvalue(), err.getvalue())


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
    yield Flow(monkeypatch, project)
