"""Recovery operations: reopening a failed run, selecting runs to replay."""

from __future__ import annotations

from interpreter.store import RunSave, RunStart, Store
from tests.integration.store._factories import at, create


def _finished(store: Store, run_id: str, status: str, created: float = 0, **kw: str) -> None:
    """A run created at ``at(created)`` and saved as finished, as the engine would."""
    with store.transaction() as tx:
        key = kw.get("key")
        start = RunStart(run_id, kw.get("campaign", "drip"), "h1", key, "e1", {}, {})
        assert tx.start_runs([start], at(created))
        assert tx.claim_due_runs(at(created), "w1", 60, limit=10, run_ids=[run_id])
        saved = tx.save_runs("w1", at(created), [RunSave(run_id, status, {"s": status}, None, 1)])
        assert saved == {run_id}


def test_reopen_makes_a_failed_run_due_with_a_retry_input(store: Store) -> None:
    _finished(store, "r1", "failed")

    with store.transaction() as tx:
        assert tx.reopen_run("r1", at(50))
        claimed = tx.claim_due_runs(at(50), "w2", 60, limit=10)

    assert [run.run_id for run in claimed] == ["r1"]
    assert claimed[0].status == "running"
    assert [(item.kind, item.payload) for item in claimed[0].inbox] == [("retry", {})]


def test_reopen_refuses_runs_that_are_not_failed(store: Store) -> None:
    _finished(store, "done", "completed")
    _finished(store, "gone", "cancelled")
    with store.transaction() as tx:
        assert create(tx, "live")

    with store.transaction() as tx:
        assert not tx.reopen_run("done", at(5))
        assert not tx.reopen_run("gone", at(5))
        assert not tx.reopen_run("live", at(5))
        assert not tx.reopen_run("nobody", at(5))
        assert tx.claim_due_runs(at(5), "w", 60, limit=10) == []
    assert store.get_run("done").run.status == "completed"


def test_a_reopened_run_can_be_reopened_only_once_until_it_fails_again(store: Store) -> None:
    _finished(store, "r1", "failed")
    with store.transaction() as tx:
        assert tx.reopen_run("r1", at(5))
        assert not tx.reopen_run("r1", at(6))


def test_replay_candidates_by_campaign_status_and_creation_time(store: Store) -> None:
    _finished(store, "old", "failed", created=0)
    _finished(store, "mid", "failed", created=100)
    _finished(store, "new", "failed", created=200)
    _finished(store, "ok", "completed", created=100)
    _finished(store, "stop", "cancelled", created=100)
    _finished(store, "other", "failed", created=100, campaign="other")

    every = store.replay_candidates("drip", "failed", None, None, None)
    window = store.replay_candidates("drip", "failed", at(100), at(200), None)
    cancelled = store.replay_candidates("drip", "cancelled", None, None, None)

    assert [run.id for run in every] == ["old", "mid", "new"]  # oldest first
    assert [run.id for run in window] == ["mid"]  # since inclusive, until exclusive
    assert [run.id for run in cancelled] == ["stop"]
    assert every[0].trigger_event_id == "e1"
    assert [run.id for run in store.replay_candidates("drip", "failed", None, None, 2)] == [
        "old",
        "mid",
    ]


def test_replay_candidates_leave_out_runs_already_replayed(store: Store) -> None:
    _finished(store, "r1", "failed")
    _finished(store, "r2", "failed")
    with store.transaction() as tx:
        assert create(tx, "r3", "drip", "replay:r1", "e1", {}, at(300))
        # The same key in another campaign is not a replay of r2.
        assert create(tx, "x", "other", "replay:r2", "e1", {}, at(300))

    assert [run.id for run in store.replay_candidates("drip", "failed", None, None, None)] == ["r2"]
