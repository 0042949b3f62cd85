"""Throttle and send-rate queues: reserving each attempt's start time, first come
first served, so that the k-th start of a queue comes no earlier than the
(k - limit)-th one plus the period (the store's contract, on SQLite,
PostgreSQL and memory; and across threads on the two databases)."""

from __future__ import annotations

import itertools
import random
import threading
from datetime import datetime, timedelta

from interpreter.store import Store, open_store
from interpreter.store.records import ThrottleQueue
from tests.integration.store._factories import T0, at

SECOND = timedelta(seconds=1)


def reserve(store: Store, holder: str, now: datetime, *queues: ThrottleQueue) -> datetime:
    """The holder's turn; a turn that starts begins now, one that does not lies ahead."""
    with store.transaction() as tx:
        turn = tx.reserve_turn(list(queues), holder, lambda: now)
    assert turn.at <= now if turn.started else turn.at > now, turn
    at: datetime = turn.at
    return at


def started(store: Store, holder: str, now: datetime, *queues: ThrottleQueue) -> bool:
    with store.transaction() as tx:
        started: bool = tx.reserve_turn(list(queues), holder, lambda: now).started
        return started


def holds_the_rule(starts: list[datetime], limit: int, period: timedelta) -> bool:
    """In the order given (the order of reservation), starts never go backwards and
    the k-th is at least the (k - limit)-th plus the period."""
    return all(b >= a for a, b in itertools.pairwise(starts)) and all(
        starts[k] >= starts[k - limit] + period for k in range(limit, len(starts))
    )


def test_the_first_limit_start_now_and_the_next_wait_for_the_oldest_plus_period(
    store: Store,
) -> None:
    queue = ThrottleQueue("q", 2, SECOND)
    starts = [reserve(store, f"h{n}", at(0.1 * n), queue) for n in range(5)]
    assert starts == [at(0), at(0.1), at(1), at(1.1), at(2)]


def test_asking_again_for_the_same_holder_gives_the_same_turn(store: Store) -> None:
    queue = ThrottleQueue("q", 1, SECOND)
    assert reserve(store, "a", at(0), queue) == at(0)
    assert reserve(store, "b", at(0), queue) == at(1)
    assert reserve(store, "b", at(0.5), queue) == at(1)  # a crash, a takeover: no second turn
    assert not started(store, "b", at(0.9), queue)
    assert reserve(store, "c", at(0.5), queue) == at(2)


def test_a_turn_that_came_starts_only_when_the_real_starts_leave_room(store: Store) -> None:
    queue = ThrottleQueue("q", 1, SECOND)
    assert [reserve(store, h, at(0), queue) for h in "abc"] == [at(0), at(1), at(2)]
    assert reserve(store, "b", at(1.8), queue) == at(1.8)  # woken late: starts now
    assert reserve(store, "b", at(2.5), queue) == at(1.8)  # asked again: the same start
    # c's turn came at 2, but b began at 1.8: c moves to 2.8, keeping the rule
    assert reserve(store, "c", at(2.0), queue) == at(2.8)
    assert reserve(store, "c", at(2.3), queue) == at(2.8)  # early: still ahead
    assert started(store, "c", at(2.8), queue)
    assert reserve(store, "d", at(2.9), queue) == at(3.8)  # after every turn before it


def test_an_attempt_in_two_queues_gets_one_time_right_for_both(store: Store) -> None:
    throttle = ThrottleQueue("throttle:c:s", 1, 10 * SECOND)
    send_rate = ThrottleQueue("send_rate", 2, SECOND)
    assert reserve(store, "a", at(0), throttle, send_rate) == at(0)
    assert reserve(store, "x", at(0), send_rate) == at(0)
    assert reserve(store, "y", at(0), send_rate) == at(1)
    # the throttle says 10, the send rate 1: both queues record 10
    assert reserve(store, "b", at(0), throttle, send_rate) == at(10)
    assert reserve(store, "z", at(0), send_rate) == at(10)  # first come, first served
    assert reserve(store, "c", at(0), throttle) == at(20)


def test_queues_are_independent_and_old_starts_stop_counting(store: Store) -> None:
    one, other = ThrottleQueue("a", 1, SECOND), ThrottleQueue("b", 1, SECOND)
    assert reserve(store, "1", at(0), one) == at(0)
    assert reserve(store, "2", at(0), other) == at(0)
    assert reserve(store, "3", at(5), one) == at(5)  # long after: no wait
    assert reserve(store, "4", at(5), one) == at(6)


def test_generated_arrivals_keep_the_rule(store: Store) -> None:
    chooser = random.Random(13)
    decided = 0
    for case in range(40):
        limit = chooser.randint(1, 4)
        period = timedelta(milliseconds=chooser.choice([100, 250, 1000]))
        queue = ThrottleQueue(f"gen{case}", limit, period)
        now, starts = T0, []
        for n in range(chooser.randint(3, 15)):
            now += timedelta(milliseconds=chooser.choice([0, 0, 10, 90, 400]))
            start = reserve(store, f"{case}:{n}", now, queue)
            assert start >= now
            starts.append(start)
        assert holds_the_rule(starts, limit, period), (case, starts)
        decided += len(starts) > limit
    assert decided >= 25  # cases long enough for the limit to bite


def test_workers_reserving_at_once_keep_the_rule(db_url: str) -> None:
    """Eight threads, each with its own connections, reserve 20 turns each in one
    queue; sorted, the turns keep the rule and none is given twice."""
    queue = ThrottleQueue("shared", 5, SECOND)
    with open_store(db_url) as store:
        reserve(store, "warm", T0, ThrottleQueue("other", 1, SECOND))  # migrate first
        starts: list[datetime] = []
        lock = threading.Lock()

        def worker(index: int) -> None:
            for n in range(20):
                start = reserve(store, f"w{index}:{n}", T0, queue)
                with lock:
                    starts.append(start)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    starts.sort()
    assert len(starts) == 160
    assert holds_the_rule(starts, 5, SECOND)
    assert starts[-1] == T0 + 31 * SECOND  # 160 turns, 5 a second, none wasted
