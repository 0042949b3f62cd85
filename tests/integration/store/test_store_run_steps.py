"""The step a run is at, the same on SQLite, PostgreSQL and memory: each save
of a run at a step stores it, a finished run keeps the step it ended at; the
funnel counts the runs still going at each step (of a period's cohort), and
the runs list filters by step and shows each run's step, next wake-up and the
address of its latest email."""

from __future__ import annotations

from interpreter.store import RunSave, RunStart, Store
from interpreter.store.records import RunFilter
from tests.integration.store._factories import at, step


def _run(
    store: Store, run_id: str, status: str, step_id: str | None, *, campaign: str = "drip"
) -> None:
    """A run started at ``T0`` plus its number's seconds, saved in ``status`` at ``step_id``."""
    now = at(int(run_id[1:]))
    with store.transaction() as tx:
        tx.start_runs([RunStart(run_id, campaign, "h", None, None, {}, {})], now)
        (claimed,) = tx.claim_due_runs(now, "w", 30, 1, run_ids=[run_id])
        wake = at(3600) if status == "sleeping" else None
        save = RunSave(run_id, status, {}, wake, claimed.inbox[-1].seq, step_id)
        assert tx.save_runs("w", now, [save])


def _finish(store: Store, run_id: str, status: str) -> None:
    """Saved again finished, with no step (the core's cursor is None by then)."""
    with store.transaction() as tx:  # due at its wake-up, at(3600)
        assert tx.claim_due_runs(at(7200), "w", 30, 1, run_ids=[run_id])
        assert tx.save_runs("w", at(7200), [RunSave(run_id, status, {}, None, None)])


def test_the_runs_at_each_step_are_counted_by_status(store: Store) -> None:
    for n in range(3):
        _run(store, f"r{n}", "sleeping", "delay")
    _run(store, "r3", "waiting", "wait_for_click")
    _run(store, "r4", "sleeping", "wait_for_click")
    _run(store, "r5", "failed", "push")  # finished: not "here now"
    _run(store, "r6", "sleeping", "delay", campaign="other")
    assert store.runs_at_steps("drip", None, None) == {
        "delay": {"sleeping": 3},
        "wait_for_click": {"waiting": 1, "sleeping": 1},
    }
    # The funnel's cohort: runs created in [since, until).
    assert store.runs_at_steps("drip", at(1), at(4)) == {
        "delay": {"sleeping": 2},
        "wait_for_click": {"waiting": 1},
    }
    assert store.runs_at_steps("nothing", None, None) == {}


def test_a_finished_run_keeps_the_step_it_ended_at(store: Store) -> None:
    _run(store, "r1", "sleeping", "delay")
    _finish(store, "r1", "failed")
    [summary] = store.search_runs(RunFilter(step_id="delay"))
    assert (summary.id, summary.status, summary.step_id) == ("r1", "failed", "delay")
    assert store.runs_at_steps("drip", None, None) == {}


def test_the_runs_list_filters_by_step_and_shows_step_wake_and_recipient(store: Store) -> None:
    _run(store, "r1", "sleeping", "delay")
    _run(store, "r2", "waiting", "wait_for_click")
    _run(store, "r3", "sleeping", "delay")
    with store.transaction() as tx:
        tx.record_steps(
            [
                step("r1", "welcome", kind="email.send", output={"id": "e1", "to": "ada@x.org"}),
                step(
                    "r1", "tips", kind="email.send", output={"skipped": "capped", "to": "A@x.org"}
                ),
                step("r3", "invite", kind="email.send", output={"to": ["b@x.org", "c@x.org"]}),
                step("r2", "log", kind="log", output={"to": "not-an-email-step"}),
            ]
        )
    at_delay = store.search_runs(RunFilter(step_id="delay"))
    assert [(r.id, r.step_id, r.wake_at, r.recipient) for r in at_delay] == [
        ("r3", "delay", at(3600), "b@x.org +1"),
        ("r1", "delay", at(3600), "A@x.org"),  # the latest email step, sent or skipped
    ]
    [r2] = store.search_runs(RunFilter(step_id="wait_for_click", workflow_id="drip"))
    assert (r2.id, r2.wake_at, r2.recipient) == ("r2", None, None)
    assert store.search_runs(RunFilter(step_id="delay", workflow_id="other")) == []
