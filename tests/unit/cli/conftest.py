"""Every test here drives `flow` in-process through ``main(argv)``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._cli import Flow, in_process


@pytest.fixture
def flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    with in_process(monkeypatch, tmp_path) as runner:
        yield runner
