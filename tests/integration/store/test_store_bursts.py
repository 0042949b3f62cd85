"""Bursts of debounced events: started, extended, claimed once (on SQLite,
PostgreSQL and memory; the claim also by threads on their own stores)."""

from __future__ import annotations

import threading

from interpreter.store import Store, open_store
from interpreter.store.records import Burst, BurstEvent
from tests.integration.store._factories import at


def event(
    n: int, seconds: float, key: str = '"c1"', period: float = 60, timeout: float | None = None
) -> BurstEvent:
    now = at(seconds)
    limit = None if timeout is None else at(seconds + timeout)
    return BurstEvent(
        "cart", key, f"e{n}", {"id": f"e{n}", "n": n}, now, at(seconds + period), limit
    )


def test_a_burst_keeps_its_first_time_and_takes_the_latest_event(store: Store) -> None:
    with store.transaction() as tx:
        tx.debounce_events([event(1, 0), event(2, 30)])
    with store.transaction() as tx:
        tx.debounce_events([event(3, 50)])
    (burst,) = store.pending_bursts("cart")
    assert burst == Burst(
        "cart", '"c1"', at(0), at(50), at(110), None, "e3", {"id": "e3", "n": 3}, 3
    )
    assert store.next_burst_due_at() == at(110)


def test_the_timeout_counts_from_the_first_event(store: Store) -> None:
    with store.transaction() as tx:
        tx.debounce_events([event(1, 0, timeout=100)])
        assert tx.pending_bursts()[0].due_at == at(60)
        tx.debounce_events([event(2, 50, timeout=100)])
        # min(50 + 60, 0 + 100): the later event's own timeout does not count.
        assert tx.pending_bursts()[0].due_at == at(100)
        tx.debounce_events([event(3, 90, timeout=100)])
    (burst,) = store.pending_bursts()
    assert (burst.due_at, burst.timeout_at, burst.event_id) == (at(100), at(100), "e3")


def test_keys_and_campaigns_have_bursts_of_their_own(store: Store) -> None:
    other = BurstEvent("other", '"c1"', "e9", {}, at(0), at(5), None)
    with store.transaction() as tx:
        tx.debounce_events([event(1, 0), event(2, 10, key='"c2"'), event(3, 20, key=""), other])
    assert [(b.workflow_id, b.key) for b in store.pending_bursts()] == [
        ("other", '"c1"'),
        ("cart", '"c1"'),
        ("cart", '"c2"'),
        ("cart", ""),
    ]
    assert [b.key for b in store.pending_bursts("cart", limit=2)] == ['"c1"', '"c2"']
    assert [b.event_id for b in store.pending_bursts(event_ids=["e9", "e3", "nope"])] == [
        "e9",
        "e3",
    ]
    assert store.pending_bursts(event_ids=[]) == []


def test_a_due_burst_is_claimed_once_earliest_first(store: Store) -> None:
    with store.transaction() as tx:
        tx.debounce_events([event(1, 20, key='"late"'), event(2, 0), event(3, 500, key='"x"')])
    with store.transaction() as tx:
        assert tx.claim_due_bursts(at(59), 10) == []
        claimed = tx.claim_due_bursts(at(100), 10)
    assert [(b.key, b.event_id) for b in claimed] == [('"c1"', "e2"), ('"late"', "e1")]
    with store.transaction() as tx:
        assert tx.claim_due_bursts(at(100), 10) == []
    assert [b.key for b in store.pending_bursts()] == ['"x"']


def test_a_claim_keeps_to_its_limit_and_keys(store: Store) -> None:
    with store.transaction() as tx:
        tx.debounce_events([event(n, n, key=f'"k{n}"') for n in range(4)])
    with store.transaction() as tx:
        assert tx.claim_due_bursts(at(100), 10, keys=[]) == []
        only = tx.claim_due_bursts(at(100), 10, keys=[("cart", '"k2"'), ("other", '"k1"')])
        first = tx.claim_due_bursts(at(100), 1)
    assert [b.key for b in only] == ['"k2"']
    assert [b.key for b in first] == ['"k0"']
    assert store.next_burst_due_at() == at(61)


def test_an_event_after_the_claim_begins_a_new_burst(store: Store) -> None:
    with store.transaction() as tx:
        tx.debounce_events([event(1, 0), event(2, 10)])
        assert [b.events for b in tx.claim_due_bursts(at(70), 10)] == [2]
        tx.debounce_events([event(3, 70)])
    (burst,) = store.pending_bursts()
    assert (burst.first_at, burst.events, burst.event_id) == (at(70), 1, "e3")


def test_a_failed_claim_leaves_the_burst(store: Store) -> None:
    with store.transaction() as tx:
        tx.debounce_events([event(1, 0)])
    try:
        with store.transaction() as tx:
            assert tx.claim_due_bursts(at(60), 10)
            raise RuntimeError("the run's start failed")
    except RuntimeError:
        pass
    assert [b.event_id for b in store.pending_bursts()] == ["e1"]
    assert store.next_burst_due_at() == at(60)


def test_threads_claiming_together_fire_each_burst_once(db_url: str) -> None:
    """Each thread opens its own store, as separate workers would."""
    with open_store(db_url) as store, store.transaction() as tx:
        tx.debounce_events([event(n, 0, key=f'"k{n:02}"') for n in range(40)])
    barrier = threading.Barrier(4)
    claimed: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def claim(owner: str) -> None:
        mine: list[str] = []
        try:
            with open_store(db_url) as own:
                barrier.wait()
                while True:
                    with own.transaction() as tx:
                        batch = tx.claim_due_bursts(at(60), 3)
                    if not batch:
                        break
                    mine.extend(burst.key for burst in batch)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)
        claimed[owner] = mine

    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    everything = [key for keys in claimed.values() for key in keys]
    assert len(everything) == len(set(everything)) == 40
