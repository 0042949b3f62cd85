"""The batch ingest operations behave as their one-row twins would, row by row."""

from __future__ import annotations

from typing import Any

from interpreter.store import Delivery, EventRecord, RunStart, Store
from tests.integration.store._factories import T0, at, create, make_run, wait


def _start(run_id: str, key: str | None, event: str = "e1") -> RunStart:
    return RunStart(run_id, "drip", "h", key, event, {"n": run_id}, {"event": event})


def test_record_events_tells_new_from_repeated_ids(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.record_events([EventRecord("e0", "n", {}, T0, T0)]) == [True]
        new = tx.record_events(
            [
                EventRecord("e1", "n", {"v": 1}, T0, at(1)),
                EventRecord("e0", "n", {"v": 2}, T0, at(1)),
                EventRecord("e1", "n", {"v": 3}, T0, at(1)),
                EventRecord("e2", "m", None, T0, at(1)),
            ]
        )
        assert tx.record_events([]) == []
    assert new == [True, False, False, True]
    assert store.get_event("e1").data == {"v": 1}  # the first of the batch
    assert store.get_event("e0").received_at == T0
    assert store.get_event("e2").data is None
    assert store.get_event("e0").seq < store.get_event("e1").seq < store.get_event("e2").seq


def test_start_runs_keeps_one_run_per_key_and_queues_their_starts(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.start_runs([_start("r0", "user-0")], at(1)) == {"r0"}
        started = tx.start_runs(
            [
                _start("r1", "user-1"),
                _start("r2", "user-0"),
                _start("r3", "user-1"),
                _start("r4", None),
                _start("r5", None),
            ],
            at(2),
        )
        assert tx.start_runs([], at(2)) == set()
    assert started == {"r1", "r4", "r5"}
    assert {run.id for run in store.list_runs()} == {"r0", "r1", "r4", "r5"}
    assert store.get_run("r1").run.state == {"n": "r1"}
    with store.transaction() as tx:
        claimed = tx.claim_due_runs(at(2), "w", 60, 10)
    assert {run.run_id: [i.payload for i in run.inbox] for run in claimed} == {
        run_id: [{"event": "e1"}] for run_id in ("r0", "r1", "r4", "r5")
    }


def test_enqueue_all_queues_in_order_for_runs_still_going(store: Store) -> None:
    make_run(store, "r1", due=None)
    make_run(store, "r2", due=None)
    with store.transaction() as tx:
        assert create(tx, "gone", status="completed")
    with store.transaction() as tx:
        woken = tx.enqueue_all(
            [
                Delivery("r2", "event", {"n": 1}),
                Delivery("r1", "event", {"n": 2}),
                Delivery("gone", "event", {"n": 3}),
                Delivery("nobody", "cancel", {}),
                Delivery("r2", "cancel", {"reason": "x"}),
            ],
            at(9),
        )
        assert tx.enqueue_all([], at(9)) == set()
    assert woken == {"r1", "r2"}
    assert store.next_wake_at() == at(9)
    with store.transaction() as tx:
        claimed = tx.claim_due_runs(at(9), "w", 60, 10)
    inboxes = {run.run_id: [(i.kind, i.payload) for i in run.inbox] for run in claimed}
    assert inboxes == {
        "r1": [("event", {"n": 2})],
        "r2": [("event", {"n": 1}), ("cancel", {"reason": "x"})],
    }


def test_candidate_waits_among_matches_each_event_as_alone(store: Store) -> None:
    for run in ("r1", "r2", "r3", "r4", "r5"):
        make_run(store, run, due=None)
    with store.transaction() as tx:
        tx.add_waits(
            [
                wait("r1", value="em_1"),
                wait("r2", value="em_2"),
                wait("r3", path=None, value=None),
                wait("r4", path="data.user.id", value=42),
                wait("r5", event="resend/email.opened", value="em_1"),
            ]
        )
    documents: list[dict[str, Any]] = [
        {"data": {"email_id": "em_1"}},
        {"data": {"email_id": "em_2", "user": {"id": 42}}},
        {"data": {"user": {"id": "42"}}},
        {"data": {"email_id": "em_1"}},
    ]
    with store.reading() as tx:
        among = tx.candidate_waits_among("resend/email.clicked", documents)
        assert tx.candidate_waits_among("resend/email.clicked", []) == []
        alone = [tx.candidate_waits_among("resend/email.clicked", [d])[0] for d in documents]
    assert [sorted(c.run_id for c in found) for found in among] == [
        ["r1", "r3"],
        ["r2", "r3", "r4"],
        ["r3"],
        ["r1", "r3"],
    ]
    assert [sorted(found, key=str) for found in among] == [
        sorted(found, key=str) for found in alone
    ]
