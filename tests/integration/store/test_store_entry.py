"""Entry keys handed to a newer run, and runs cancelled in place (on SQLite,
PostgreSQL and memory)."""

from __future__ import annotations

from interpreter.store import RunStart, Store
from interpreter.store.records import RunCancel, released_key
from tests.integration.store._factories import T0, at, create, enqueue, wait


def test_the_run_holding_a_key_is_found_by_campaign_and_key(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", '"u1"')
        assert create(tx, "r2", "drip", '"u2"', status="completed")
        assert create(tx, "r3", "other", '"u1"')
        holders = tx.runs_holding_keys("drip", ['"u1"', '"u2"', '"u3"'])
        assert tx.runs_holding_keys("drip", []) == {}
    assert {key: run.id for key, run in holders.items()} == {'"u1"': "r1", '"u2"': "r2"}
    assert holders['"u2"'].status == "completed"


def test_a_released_key_lets_a_newer_run_take_it(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", '"u1"', status="completed")
        tx.release_entry_keys(["r1"])
        assert create(tx, "r2", "drip", '"u1"', now=at(10))
        assert not create(tx, "r3", "drip", '"u1"', now=at(20))
        tx.release_entry_keys([])
    assert {run.id: run.idempotency_key for run in store.list_runs()} == {
        "r1": released_key('"u1"', "r1"),
        "r2": '"u1"',
    }
    with store.reading() as tx:
        assert tx.runs_holding_keys("drip", ['"u1"'])['"u1"'].id == "r2"


def test_a_run_without_key_keeps_none(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", None)
        tx.release_entry_keys(["r1"])
    assert store.get_run("r1").run.idempotency_key is None


def test_a_cancelled_run_loses_its_waits_inputs_timer_and_lease(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", '"u1"')
        tx.add_waits([wait("r1", "app/pong")])
        assert enqueue(tx, "r1", "event", {"n": 1}, T0)
        (claimed,) = tx.claim_due_runs(T0, "w1", 60, 1)
        assert claimed.run_id == "r1"
    with store.transaction() as tx:
        cancelled = tx.cancel_runs([RunCancel("r1", {"status": "cancelled"})], at(5))
        assert tx.cancel_runs([RunCancel("nope", {})], at(5)) == set()
    assert cancelled == {"r1"}
    run = store.get_run("r1").run
    assert (run.status, run.state, run.wake_at, run.lease_owner, run.lease_until) == (
        "cancelled",
        {"status": "cancelled"},
        None,
        None,
        None,
    )
    assert run.updated_at == at(5)
    assert store.list_waits("r1") == []
    assert store.next_wake_at() is None
    with store.transaction() as tx:
        # The worker that held it lost it: its save changes nothing.
        assert tx.record_steps_held("w1", "r1", []) is False
        assert tx.claim_due_runs(at(100), "w2", 60, 10) == []


def test_a_finished_run_is_not_cancelled(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", None, status="completed")
        assert tx.cancel_runs([RunCancel("r1", {"x": 1})], T0) == set()
    assert store.get_run("r1").run.status == "completed"


def test_cancel_and_start_commit_together_or_not_at_all(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", '"u1"')
    try:
        with store.transaction() as tx:
            tx.cancel_runs([RunCancel("r1", {})], at(1))
            tx.release_entry_keys(["r1"])
            start = RunStart("r2", "drip", "h1", '"u1"', "e2", {}, None)
            assert tx.start_runs([start], at(1)) == {"r2"}
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    assert [(run.id, run.status, run.idempotency_key) for run in store.list_runs()] == [
        ("r1", "running", '"u1"')
    ]
