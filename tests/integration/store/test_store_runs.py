"""Runs, inbox, leases and steps, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from interpreter.errors import NotFound, StoreError
from interpreter.store import RunSave, RunStart, Store
from tests.integration.store._factories import (
    T0,
    at,
    create,
    enqueue,
    make_run,
    step,
    unfinished,
    wait,
)


def test_idempotency_key_gives_one_run_per_campaign(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", "user-1", "e1", {}, T0)
        # The conflict must not abort the transaction on PostgreSQL.
        assert not create(tx, "r2", "drip", "user-1", "e2", {}, T0)
        assert create(tx, "r3", "other", "user-1", "e3", {}, T0)
        assert create(tx, "r4", "drip", None, None, {}, T0)
        assert create(tx, "r5", "drip", None, None, {}, T0)
    assert sorted(run.id for run in store.list_runs()) == ["r1", "r3", "r4", "r5"]


def test_a_failed_block_commits_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        create(tx, "r1", "drip", None, None, {}, T0)
        raise RuntimeError("engine crashed mid-batch")
    assert store.list_runs() == []


def test_claim_gives_due_runs_in_wake_order_with_their_inbox(store: Store) -> None:
    make_run(store, "late", due=at(20))
    make_run(store, "early", due=at(10))
    make_run(store, "future", due=at(100))
    make_run(store, "idle", due=None)
    with store.transaction() as tx:
        assert enqueue(tx, "early", "event", {"n": 2}, at(15))
        claimed = tx.claim_due_runs(at(30), "w1", 60, limit=10)
    assert [run.run_id for run in claimed] == ["early", "late"]
    early = claimed[0]
    assert early.workflow_hash == "h1" and early.state == {"n": "early"}
    assert [(item.kind, item.payload) for item in early.inbox] == [
        ("start", {"run": "early"}),
        ("event", {"n": 2}),
    ]
    assert early.inbox[0].seq < early.inbox[1].seq


def test_claim_respects_limit_and_live_leases(store: Store) -> None:
    for n in range(3):
        make_run(store, f"r{n}", due=at(n))
    with store.transaction() as tx:
        first = tx.claim_due_runs(at(10), "w1", 60, limit=2)
    with store.transaction() as tx:
        second = tx.claim_due_runs(at(10), "w2", 60, limit=10)
    with store.transaction() as tx:
        third = tx.claim_due_runs(at(20), "w3", 60, limit=10)
    assert [r.run_id for r in first] == ["r0", "r1"]
    assert [r.run_id for r in second] == ["r2"]
    assert third == []


def test_expired_lease_is_claimed_again_and_stale_owner_loses(store: Store) -> None:
    make_run(store, "r1")
    with store.transaction() as tx:
        assert [r.run_id for r in tx.claim_due_runs(T0, "w1", 30, 10)] == ["r1"]
    # The lease expiry is the run's wake time, so a clock can jump to it.
    assert store.next_wake_at() == at(30)
    with store.transaction() as tx:
        retaken = tx.claim_due_runs(at(31), "w2", 30, 10)
    assert [r.run_id for r in retaken] == ["r1"]
    assert len(retaken[0].inbox) == 1  # the input is still there for the new owner
    with store.transaction() as tx:
        assert not tx.save_runs(
            "w1", at(32), [RunSave("r1", "completed", {"by": "w1"}, None, None)]
        )
        upto = retaken[0].inbox[-1].seq
        assert tx.save_runs("w2", at(32), [RunSave("r1", "sleeping", {"by": "w2"}, at(99), upto)])
    run = store.get_run("r1").run
    assert run.state == {"by": "w2"} and run.status == "sleeping"
    assert run.lease_owner is None and run.lease_until is None and run.wake_at == at(99)


def test_save_run_consumes_inbox_and_stays_due_for_later_inputs(store: Store) -> None:
    make_run(store, "r1")
    with store.transaction() as tx:
        (claimed,) = tx.claim_due_runs(T0, "w1", 60, 10)
    with store.transaction() as tx:  # an event arrives while w1 works
        assert enqueue(tx, "r1", "event", {"late": True}, at(1))
    with store.transaction() as tx:
        assert tx.save_runs(
            "w1", at(2), [RunSave("r1", "waiting", {}, None, claimed.inbox[-1].seq)]
        )
    assert store.next_wake_at() == at(2)
    with store.transaction() as tx:
        (again,) = tx.claim_due_runs(at(2), "w1", 60, 10)
    assert [item.payload for item in again.inbox] == [{"late": True}]


def test_save_run_without_new_inputs_parks_the_run(store: Store) -> None:
    make_run(store, "r1")
    with store.transaction() as tx:
        (claimed,) = tx.claim_due_runs(T0, "w1", 60, 10)
        assert tx.save_runs(
            "w1", at(1), [RunSave("r1", "waiting", {}, None, claimed.inbox[-1].seq)]
        )
    assert store.next_wake_at() is None
    assert unfinished(store) == 1


def test_finished_run_drops_waits_inbox_and_refuses_inputs(store: Store) -> None:
    make_run(store, "r1")
    with store.transaction() as tx:
        tx.add_waits([wait("r1"), wait("r1", "app/user.deleted", purpose="cancel")])
        tx.claim_due_runs(T0, "w1", 60, 10)
        # consumed_inbox_upto None: a finished run's queue goes anyway
        assert tx.save_runs("w1", at(1), [RunSave("r1", "completed", {}, at(50), None)])
    assert store.list_waits("r1") == []
    assert store.next_wake_at() is None
    assert unfinished(store) == 0
    with store.transaction() as tx:
        assert not enqueue(tx, "r1", "event", {}, at(2))
        assert not enqueue(tx, "missing", "event", {}, at(2))
        assert tx.claim_due_runs(at(100), "w1", 60, 10) == []


def test_enqueue_never_postpones_a_due_run(store: Store) -> None:
    make_run(store, "r1", due=at(5))
    with store.transaction() as tx:
        assert enqueue(tx, "r1", "event", {}, at(9))
    assert store.next_wake_at() == at(5)


def test_steps_are_recorded_once_and_read_back_in_order(store: Store) -> None:
    make_run(store, "r1")
    error = {"message": "503", "retryable": True}
    with store.transaction() as tx:
        tx.record_steps([step("r1", "send", status="error", error=error, output=None)])
        tx.record_steps([step("r1", "send", attempt=2)])
        tx.record_steps([step("r1", "wait", visit=1, kind="wait_for_event"), step("r1", "x", 3)])
    detail = store.get_run("r1")
    assert [(s.step_id, s.attempt) for s in detail.steps] == [
        ("send", 1),
        ("send", 2),
        ("wait", 1),
        ("x", 3),
    ]
    first = detail.steps[0]
    assert first.status == "error" and first.error == error and first.output is None
    assert first.input == {"to": "a@example.com"}
    assert (first.started_at, first.finished_at) == (T0, at(1))
    with pytest.raises(StoreError, match="steps"), store.transaction() as tx:
        tx.record_steps([step("r1", "send", attempt=2)])
    assert len(store.get_run("r1").steps) == 4


def test_run_reads_filter_order_and_limit(store: Store) -> None:
    with store.transaction() as tx:
        create(tx, "a", "drip", None, None, {}, at(1))
        create(tx, "b", "drip", None, None, {}, at(2), status="waiting")
        create(tx, "c", "other", None, None, {}, at(3))
    assert [r.id for r in store.list_runs()] == ["c", "b", "a"]
    assert [r.id for r in store.list_runs(status="running")] == ["c", "a"]
    assert [r.id for r in store.list_runs(workflow_id="drip")] == ["b", "a"]
    assert [r.id for r in store.list_runs(limit=1)] == ["c"]
    assert unfinished(store) == 3
    with pytest.raises(NotFound):
        store.get_run("nope")


def test_cron_tick_is_claimed_once(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.claim_cron_tick("weekly", T0)
        assert not tx.claim_cron_tick("weekly", T0)
        assert tx.claim_cron_tick("weekly", at(60))
        assert tx.claim_cron_tick("daily", T0)


def test_save_runs_saves_the_runs_still_leased_in_one_call(store: Store) -> None:
    for name in ("done", "parked", "busy", "stolen"):
        make_run(store, name)
    with store.transaction() as tx:
        tx.add_waits([wait("done"), wait("parked", purpose="cancel")])
        claimed = {run.run_id: run for run in tx.claim_due_runs(T0, "w1", 30, 10)}
    with store.transaction() as tx:
        tx.claim_due_runs(at(31), "w2", 30, 10, run_ids=["stolen"])
        assert enqueue(tx, "busy", "event", {"late": True}, at(31))
    saves = [
        RunSave("done", "completed", {"n": 1}, at(99), None),
        RunSave("parked", "waiting", {"n": 2}, None, claimed["parked"].inbox[-1].seq),
        RunSave("busy", "sleeping", {"n": 3}, at(500), claimed["busy"].inbox[-1].seq),
        RunSave("stolen", "completed", {"n": 4}, None, None),
    ]
    with store.transaction() as tx:
        assert tx.save_runs("w1", at(32), saves) == {"done", "parked", "busy"}
        assert tx.save_runs("w1", at(32), []) == set()
    runs = {run.id: run for run in store.list_runs()}
    assert (runs["done"].status, runs["done"].state, runs["done"].wake_at) == (
        "completed",
        {"n": 1},
        None,
    )
    assert store.list_waits("done") == []
    assert (runs["parked"].status, runs["parked"].wake_at) == ("waiting", None)
    assert [w.purpose for w in store.list_waits("parked")] == ["cancel"]
    # An input that arrived during the lease keeps the run due.
    assert (runs["busy"].status, runs["busy"].wake_at) == ("sleeping", at(32))
    assert runs["stolen"].lease_owner == "w2" and runs["stolen"].status == "running"
    assert all(runs[name].lease_owner is None for name in ("done", "parked", "busy"))


def test_start_runs_creates_a_due_run_with_its_start_input(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.start_runs(
            [RunStart("r1", "drip", "h", "user-1", "e1", {"n": 1}, {"event": 1})], at(5)
        )
        assert not tx.start_runs(
            [RunStart("r2", "drip", "h", "user-1", "e2", {}, {"event": 2})], at(5)
        )
    assert [run.id for run in store.list_runs()] == ["r1"]
    run = store.get_run("r1").run
    assert (run.status, run.state, run.wake_at, run.trigger_event_id) == (
        "running",
        {"n": 1},
        at(5),
        "e1",
    )
    assert store.next_wake_at() == at(5)
    with store.transaction() as tx:
        (claimed,) = tx.claim_due_runs(at(5), "w1", 60, 10)
    assert [(item.kind, item.payload) for item in claimed.inbox] == [("start", {"event": 1})]
