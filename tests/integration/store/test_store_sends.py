"""Frequency caps in the store: ``reserve_send`` checks a category's caps for an
address and records the send in one transaction; ``release_sends`` forgets a
send that failed for good."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from interpreter.language.policies import Cap
from interpreter.store import StepRecord, Store, open_store
from interpreter.store.records import CappedSend, StepStatus
from tests.integration.store._factories import at, create

DAY = timedelta(days=1)
MARKETING = (Cap(1, DAY), Cap(2, 7 * DAY))


def _reserve(store: Store, holder: str, seconds: float, *to: str) -> object:
    with store.transaction() as tx:
        return tx.reserve_send(
            CappedSend(holder, to or ("ada@example.com",), "marketing", MARKETING, at(seconds))
        )


def test_a_send_within_the_window_is_capped_until_the_blocking_one_is_per_old(
    store: Store,
) -> None:
    day = DAY.total_seconds()
    assert _reserve(store, "r1:mail:1", 0) is None
    # An hour later the 1/1d cap is full until exactly one day after the first send.
    assert _reserve(store, "r2:mail:1", 3600) == at(day)
    # One instant before, still capped; at exactly `per` the first send no longer counts.
    assert _reserve(store, "r2:mail:1", day - 0.001) == at(day)
    assert _reserve(store, "r2:mail:1", day) is None
    # Two sends within seven days: the 2/7d cap now holds past the daily one,
    # until the oldest of the two is seven days old.
    assert _reserve(store, "r3:mail:1", 2 * day) == at(7 * day)
    assert _reserve(store, "r3:mail:1", 7 * day) is None
    with store.reading() as tx:
        assert tx.sends_to("ADA@example.com", "marketing") == [at(0), at(day), at(7 * day)]


def test_the_address_is_compared_case_insensitively_and_categories_apart(store: Store) -> None:
    assert _reserve(store, "r1:mail:1", 0, "Ada@Example.COM") is None
    assert _reserve(store, "r2:mail:1", 60, "ada@example.com") == at(DAY.total_seconds())
    with store.transaction() as tx:
        # Another category has its own count; another address too.
        assert (
            tx.reserve_send(
                CappedSend("r3:mail:1", ("ada@example.com",), "tips", MARKETING, at(60))
            )
            is None
        )
    assert _reserve(store, "r4:mail:1", 60, "bob@example.com") is None


def test_a_holder_asking_again_reuses_its_send_and_is_counted_once(store: Store) -> None:
    assert _reserve(store, "r1:mail:1", 0) is None
    # A retry or a takeover of the same step's send: admitted, nothing added.
    assert _reserve(store, "r1:mail:1", 30) is None
    with store.reading() as tx:
        assert tx.sends_to("ada@example.com", "marketing") == [at(0)]


def test_a_send_to_several_is_capped_by_any_of_them_and_counts_for_each(store: Store) -> None:
    assert _reserve(store, "r1:mail:1", 0, "bob@example.com") is None
    assert _reserve(store, "r2:mail:1", 60, "ada@example.com", "bob@example.com") == at(
        DAY.total_seconds()
    )
    with store.reading() as tx:
        assert tx.sends_to("ada@example.com", "marketing") == []  # capped: nothing recorded
    assert _reserve(store, "r3:mail:1", 60, "ada@example.com", "cy@example.com") is None
    with store.reading() as tx:
        assert tx.sends_to("cy@example.com", "marketing") == [at(60)]


def test_a_released_send_no_longer_counts(store: Store) -> None:
    assert _reserve(store, "r1:mail:1", 0, "ada@example.com", "bob@example.com") is None
    with store.transaction() as tx:
        assert tx.release_sends(["r1:mail:1", "never:sent:1"]) == 2
        assert tx.release_sends([]) == 0
    assert _reserve(store, "r2:mail:1", 60) is None


@pytest.mark.postgres
def test_two_workers_sending_to_one_address_at_once_cannot_both_pass_a_cap_of_one(
    postgres_url: str,
) -> None:
    """Each thread has its own store (its own connections); all of them reserve a
    send to one address at the same instant, many times over. Exactly one per
    round may pass: the advisory lock makes the second wait for the first's
    commit and then see its row."""
    stores = [open_store(postgres_url), open_store(postgres_url)]
    rounds = 25
    admitted: list[list[str]] = [[] for _ in range(rounds)]
    barrier = threading.Barrier(len(stores))

    def worker(index: int, store: Store) -> None:
        for round_ in range(rounds):
            barrier.wait()
            holder = f"w{index}:r{round_}:mail:1"
            with store.transaction() as tx:
                until = tx.reserve_send(
                    CappedSend(
                        holder, (f"user{round_}@example.com",), "marketing", (Cap(1, DAY),), at(0)
                    )
                )
            if until is None:
                admitted[round_].append(holder)

    try:
        threads = [threading.Thread(target=worker, args=(i, s)) for i, s in enumerate(stores)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        decided = sum(1 for holders in admitted if len(holders) == 1)
        assert decided == rounds, admitted
        with stores[0].reading() as tx:
            assert all(
                len(tx.sends_to(f"user{r}@example.com", "marketing")) == 1 for r in range(rounds)
            )
    finally:
        for store in stores:
            store.close()


def _row(run_id: str, step: str, attempt: int, status: StepStatus, output: object) -> StepRecord:
    return StepRecord(
        run_id, step, 1, attempt, "email.send", status, None, output, None, at(0), at(0)
    )


def test_held_back_sends_counts_skips_by_why_and_each_deferred_send_once(store: Store) -> None:
    with store.transaction() as tx:
        for run_id, created in (("r1", 0), ("r2", 10), ("r3", 20), ("old", -100)):
            assert create(tx, run_id, "promo", now=at(created))
        assert create(tx, "other", "receipts", now=at(0))
        tx.record_steps(
            [
                _row("r1", "mail", 1, "ok", {"skipped": "capped", "category": "promotions"}),
                _row("r2", "mail", 1, "ok", {"skipped": "unsubscribed", "category": "promotions"}),
                _row("r2", "more", 1, "ok", {"id": "em_1", "category": "promotions"}),
                # One send deferred twice, then sent: one deferred send.
                _row("r3", "mail", 1, "deferred", {"deferred": "capped", "until": "x"}),
                _row("r3", "mail", 2, "deferred", {"deferred": "capped", "until": "y"}),
                _row("r3", "mail", 3, "ok", {"id": "em_2"}),
                _row("r3", "more", 1, "ok", {"skipped": "suppressed"}),
                _row("old", "mail", 1, "ok", {"skipped": "capped"}),
                _row("other", "mail", 1, "ok", {"skipped": "capped"}),
            ]
        )
    with store.reading() as tx:
        assert tx.held_back_sends("promo", at(0), None) == {
            "capped": 1,
            "unsubscribed": 1,
            "suppressed": 1,
            "deferred": 1,
        }
        assert tx.held_back_sends("promo", None, None)["capped"] == 2
        assert tx.held_back_sends("promo", at(15), at(30)) == {"suppressed": 1, "deferred": 1}
        assert tx.held_back_sends("nothing", None, None) == {}
