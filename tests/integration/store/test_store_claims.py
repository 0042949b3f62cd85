"""Concurrent claimers never get the same run."""

from __future__ import annotations

import threading

import pytest

from interpreter.store import RunStart, Store, open_store
from tests.integration.store._factories import T0, at, make_run


@pytest.mark.postgres
def test_postgres_claim_skips_runs_another_claimer_holds(postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        for n in range(6):
            make_run(store, f"r{n}", due=at(n))
        with store.transaction() as first:
            held = first.claim_due_runs(at(10), "w1", 60, limit=3)
            # Still uncommitted: the rows are locked, and the second claimer
            # must pass over them rather than wait or take them too.
            with store.transaction() as second:
                other = second.claim_due_runs(at(10), "w2", 60, limit=10)
    assert [r.run_id for r in held] == ["r0", "r1", "r2"]
    assert [r.run_id for r in other] == ["r3", "r4", "r5"]


def test_threads_claiming_together_share_the_runs(db_url: str) -> None:
    """Each thread opens its own store, as separate processes would."""
    with open_store(db_url) as store, store.transaction() as tx:
        for n in range(60):
            tx.start_runs([RunStart(f"r{n:02}", "drip", "h", None, None, {}, {})], T0)
    barrier = threading.Barrier(4)
    claimed: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def claim(owner: str) -> None:
        mine: list[str] = []
        try:
            with open_store(db_url) as own:
                barrier.wait()
                while batch := _claim(own, owner):
                    mine.extend(batch)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)
        claimed[owner] = mine

    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    everything = [run for runs in claimed.values() for run in runs]
    assert len(everything) == len(set(everything)) == 60


def _claim(store: Store, owner: str) -> list[str]:
    with store.transaction() as tx:
        return [run.run_id for run in tx.claim_due_runs(at(1), owner, 600, limit=3)]
