"""Fixtures for the dashboard tests: a live dashboard over a fresh SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.dashboard._dashboard_live import LiveDashboard, live_dashboard


@pytest.fixture
def board(tmp_path: Path) -> Iterator[LiveDashboard]:
    with live_dashboard(tmp_path) as live:
        yield live
