"""kill -9 a real `flow serve` while it emails signups through a real SMTP
server: nothing lost, no step recorded twice, and at most the emails in flight
at each kill delivered twice (the full-size run is benchmarks/kill_serve.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from kill_serve import kill_test

SIGNUPS, KILLS, CONCURRENCY = 100, 3, 2


@pytest.mark.slow
def test_killed_serve_repeats_at_most_the_emails_in_flight(db_url: str, tmp_path: Path) -> None:
    figures = kill_test(
        db_url, tmp_path, signups=SIGNUPS, kills=KILLS, concurrency=CONCURRENCY, lease=5
    )
    assert figures["kills"] == KILLS and figures["completed"] == SIGNUPS, figures
    assert figures["emails_recorded"] == 3 * SIGNUPS, figures
    assert figures["lost"] == 0 and figures["steps_recorded_twice"] == 0, figures
    assert figures["duplicates"] <= KILLS * CONCURRENCY, figures
