"""Fixtures for the HTTP tests: a live server over a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from interpreter.http import HttpSettings
from interpreter.store import open_store
from tests.integration.http._live_server import ExtraRoutes, Live, Serve, live_app


@pytest.fixture
def serve(sqlite_url: str, tmp_path: Path) -> Iterator[Serve]:
    """``serve(settings=None, db_url=None, extra_routes=None)``: a live server on a fresh
    database."""
    with ExitStack() as stack:

        def start(
            settings: HttpSettings | None = None,
            db_url: str | None = None,
            extra_routes: ExtraRoutes | None = None,
        ) -> Live:
            store = stack.enter_context(open_store(db_url or sqlite_url))
            return stack.enter_context(live_app(store, tmp_path, settings, extra_routes))

        yield start
