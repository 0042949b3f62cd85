"""Browser tests: Playwright driving Debian's Chromium headless. They skip when
playwright is not installed or no Chromium is present (CI installs both)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _missing(reason: str) -> NoReturn:
    # CI installs Chromium (.ci/run), so there a missing browser is a failure,
    # not a quiet skip that would let the browser tests stop running.
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests")
    pytest.skip(reason)


@pytest.fixture
def browser_page() -> Iterator[object]:
    try:
        from playwright import sync_api
    except ImportError:
        _missing("playwright is not installed")
    if CHROMIUM is None:
        _missing("no Chromium on PATH (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        # launch() gives Chromium a fresh temporary profile of its own.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            yield page
        finally:
            browser.close()
