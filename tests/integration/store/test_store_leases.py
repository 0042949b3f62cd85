"""Leases held while work is in flight: renewing them, recording a step under
one, and what a worker taking a run over finds (the store's contract, on
SQLite, PostgreSQL and memory)."""

from __future__ import annotations

from interpreter.store import Store
from interpreter.store.records import RunSave
from tests.integration.store._factories import T0, at, enqueue, make_run, step


def test_renewing_extends_only_the_leases_still_held(store: Store) -> None:
    for run_id in ("a", "b"):
        make_run(store, run_id)
    with store.transaction() as tx:
        assert {r.run_id for r in tx.claim_due_runs(at(1), "w1", 60, 10)} == {"a", "b"}
    with store.transaction() as tx:  # "b" expires and another worker takes it
        assert [r.run_id for r in tx.claim_due_runs(at(62), "w2", 60, 10, run_ids=["b"])] == ["b"]
    with store.transaction() as tx:
        assert tx.renew_leases("w1", ["a", "b"], at(200)) == {"a"}
    record = store.get_run("a").run
    assert (record.lease_owner, record.lease_until, record.wake_at) == ("w1", at(200), at(200))
    assert store.get_run("b").run.lease_until == at(122)  # w2's lease is untouched
    with store.transaction() as tx:  # still leased to w1 at 150: no one can claim it
        assert tx.claim_due_runs(at(150), "w3", 60, 10, run_ids=["a"]) == []
    with store.transaction() as tx:
        assert tx.renew_leases("w1", [], at(300)) == set()


def test_renewing_keeps_a_wake_up_that_new_input_brought_forward(store: Store) -> None:
    make_run(store, "a")
    with store.transaction() as tx:
        tx.claim_due_runs(at(1), "w1", 60, 10)
        assert enqueue(tx, "a", "event", {"name": "x"}, at(5))  # due at 5, still leased
    with store.transaction() as tx:
        assert tx.renew_leases("w1", ["a"], at(200)) == {"a"}
    record = store.get_run("a").run
    assert (record.lease_until, record.wake_at) == (at(200), at(5))


def test_a_step_is_recorded_under_a_lease_only_while_it_is_held(store: Store) -> None:
    make_run(store, "a")
    with store.transaction() as tx:
        tx.claim_due_runs(at(1), "w1", 60, 10)
    with store.transaction() as tx:
        assert tx.record_steps_held("w1", "a", [step("a", "greet"), step("a", "welcome")])
    with store.transaction() as tx:
        assert tx.claim_due_runs(at(70), "w2", 60, 10)  # expired: w2 takes it over
    with store.transaction() as tx:
        assert not tx.record_steps_held("w1", "a", [step("a", "late")])
    assert [s.step_id for s in store.get_run("a").steps] == ["greet", "welcome"]


def test_a_run_taken_over_brings_the_steps_recorded_ahead_of_its_state(store: Store) -> None:
    make_run(store, "a")
    make_run(store, "b")
    with store.transaction() as tx:
        tx.claim_due_runs(at(1), "w1", 60, 10)
        tx.record_steps_held("w1", "a", [step("a", "welcome")])
    with store.transaction() as tx:
        taken = {r.run_id: r for r in tx.claim_due_runs(at(70), "w2", 60, 10)}
    assert [(s.step_id, s.output) for s in taken["a"].recorded] == [("welcome", {"id": "welcome"})]
    assert taken["b"].recorded == ()
    with store.transaction() as tx:  # saved by its owner: the next claim reads no steps
        assert tx.save_runs("w2", at(71), [_save("a")]) == {"a"}
        assert enqueue(tx, "a", "event", {}, at(72))
        (again,) = tx.claim_due_runs(at(73), "w3", 60, 10, run_ids=["a"])
    assert again.recorded == ()


def _save(run_id: str) -> RunSave:
    return RunSave(run_id, "running", {"n": run_id}, T0, None)
