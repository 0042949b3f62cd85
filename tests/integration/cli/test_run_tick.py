"""``flow run CAMPAIGN --tick [TIME]``: a cron campaign's tick run now or as at
TIME, in-process through ``main(argv)``, with the scheduler's own claim and
``flow/cron`` event; and ``flow run`` telling a cron campaign's author to use it."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.cron import CronScheduler
from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import CRON_EVENT
from interpreter.language.loader import load_workflow
from interpreter.store.database import open_store
from tests._cli import APP_DB, ROOT, Ran, run_flow

NEWSLETTER = "workflows/weekly-newsletter.yaml"
SECRET = ("--secret", f"APP_DATABASE_URL={APP_DB}")
# A Monday 09:00 in Paris, on summer time: 07:00Z.
MONDAY = "2026-03-30T09:00:00+02:00"
# A campaign that runs on cron only, whose step says which event started it.
DIGEST = """
id: digest
on: {cron: "0 9 * * MON", timezone: Europe/London}
steps:
  - id: note
    action: log
    with: {message: "${ event.name } ${ event.data.tick }"}
"""


def flow(*arguments: str, cwd: Path) -> Ran:
    return run_flow(arguments, cwd=cwd, env=dict(os.environ))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    (tmp_path / "workflows" / "digest.yaml").write_text(DIGEST, encoding="utf-8")
    return tmp_path


def test_a_tick_as_at_time_runs_on_the_virtual_clock(project: Path) -> None:
    result = flow("run", NEWSLETTER, "--tick", MONDAY, *SECRET, "--simulate", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "flow/cron tick 2026-03-30T07:00:00+00:00 (Mon 2026-03-30 09:00 CEST, Europe/Paris)"
    )
    assert "fan_out  for_each  ok      count=259" in result.stdout
    assert lines[-1] == "completed after 0s"


def test_a_tick_now_under_simulate_is_the_virtual_start(project: Path) -> None:
    result = flow(
        "run",
        "workflows/digest.yaml",
        "--tick",
        "--simulate",
        "--start",
        "2026-03-23T09:00:00Z",
        "--format",
        "json",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    *entries, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert entries[-1]["at"] == "2026-03-23T09:00:00Z"
    assert summary["run"] == entries[-1]["run"]
    assert entries[-1]["step"] == "note"


def test_a_real_tick_is_the_schedulers_flow_cron_event_and_is_claimed_once(
    project: Path,
) -> None:
    db = f"sqlite:///{project / 'flow.db'}"
    tick = "2026-03-23T09:00:00Z"
    first = flow("run", "workflows/digest.yaml", "--tick", tick, "--db", db, cwd=project)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "flow/cron tick 2026-03-23T09:00:00+00:00 (Mon 2026-03-23 09:00 GMT, Europe/London)"
    )
    again = flow("run", "workflows/digest.yaml", "--tick", tick, "--db", db, cwd=project)
    assert again.returncode == 1
    assert again.stderr == (
        "flow: no run started: the tick at 2026-03-23T09:00:00+00:00 was already taken "
        "(by the scheduler or an earlier --tick), or the campaign's entry rules refused it\n"
    )
    store = open_store(db)
    try:
        (run,) = store.list_runs(limit=10)
        event = store.get_event(str(run.trigger_event_id))
        assert (event.name, event.data) == (
            CRON_EVENT,
            {"campaign": "digest", "tick": tick[:-1] + "+00:00"},
        )
        assert store.get_run(run.id).steps[-1].input == {
            "message": "flow/cron 2026-03-23T09:00:00+00:00"
        }
        # The daemon's scheduler, restarted after that tick, does not run it again.
        workflow, _ = load_workflow(project / "workflows" / "digest.yaml")
        assert workflow is not None
        clock = VirtualClock(datetime(2026, 3, 23, 9, 30, tzinfo=UTC))
        engine = Engine(store, Campaigns(store, [workflow]), clock, data_dir=project)
        assert CronScheduler(engine).fire_due(clock.now()) == []
    finally:
        store.close()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("run", NEWSLETTER, "--tick", "next monday", "--simulate"),
            "flow: --tick: 'next monday' is not an RFC 3339 time with an offset, "
            "such as 2026-03-30T09:00:00+02:00",
        ),
        (
            ("run", NEWSLETTER, "--tick", "2026-03-30T09:00:00", "--simulate"),
            "flow: --tick: '2026-03-30T09:00:00' is not an RFC 3339 time with an offset",
        ),
        (
            ("run", NEWSLETTER, "--tick", "2999-03-30T09:00:00+02:00"),
            "flow: --tick: 2999-03-30T09:00:00+02:00 is in the future; a real run's tick is "
            "now or past (rehearse a later one with --simulate)",
        ),
        (
            ("run", "workflows/signup-drip.yaml", "--tick", "--simulate"),
            "flow: --tick: signup-drip-campaign has no cron trigger; start it with --event",
        ),
        (
            ("run", NEWSLETTER, "--tick", "--event", "{}", "--simulate"),
            "flow: --event and --tick: give one (an event, or a cron tick)",
        ),
        (
            ("run", "workflows/digest.yaml", "--simulate"),
            "flow: digest is a cron campaign (0 9 * * MON, Europe/London): run its tick "
            "with --tick (now) or --tick 2026-03-30T09:00:00+02:00",
        ),
        (
            ("run", "workflows/digest.yaml", "--event", "{}", "--simulate"),
            "flow: digest is a cron campaign (0 9 * * MON, Europe/London): run its tick",
        ),
    ],
)
def test_bad_tick_usage_is_one_line_and_exit_2(
    project: Path, arguments: tuple[str, ...], message: str
) -> None:
    result = flow(*arguments, *SECRET, cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (project / ".flow" / "flow.db").exists()  # refused before any database


def test_an_event_no_trigger_takes_names_the_cron_schedule(project: Path) -> None:
    result = flow(
        "run",
        "workflows/digest.yaml",
        "--event",
        '{"name": "digest/due"}',
        "--simulate",
        cwd=project,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "flow: no run started: digest is a cron campaign (0 9 * * MON, Europe/London) and "
        "no trigger of it takes 'digest/due': run its tick with --tick [TIME]\n"
    )
    assert "`if` filter" not in result.stderr


def test_help_shows_a_tick_example(project: Path) -> None:
    result = flow("run", "--help", cwd=project)
    assert "--tick [RFC3339]" in result.stdout
    assert "flow run workflows/weekly-newsletter.yaml --tick 2026-03-30T09:00:00+02:00" in (
        result.stdout
    )
