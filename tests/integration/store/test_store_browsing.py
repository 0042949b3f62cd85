"""The dashboard's search, the same on SQLite, PostgreSQL and memory: a term
is a string value of the trigger event's data (any case), never an object
key; a run search looks at the first SEARCH_EVENTS matching events, an event
listing at all of them."""

from __future__ import annotations

import pytest

from interpreter.store import EventRecord, RunStart, Store, records
from interpreter.store.records import RunFilter
from tests.integration.store._factories import T0, at, step


def _signups(store: Store, data: list[object]) -> None:
    """One event per ``data`` (``e0``, ``e1``, ...), each starting run ``r<n>``."""
    with store.transaction() as tx:
        events = [EventRecord(f"e{n}", "signup", d, T0, at(n)) for n, d in enumerate(data)]
        assert all(tx.record_events(events))
        starts = [RunStart(f"r{n}", "drip", "h", None, f"e{n}", {}, {}) for n in range(len(data))]
        tx.start_runs(starts, T0)


def _found(store: Store, text: str) -> tuple[list[str], list[str]]:
    runs = sorted(run.id for run in store.search_runs(RunFilter(text=text)))
    events = sorted(event.id for event in store.list_events(text=text))
    return runs, events


def test_search_matches_string_values_in_any_case_but_not_object_keys(store: Store) -> None:
    _signups(
        store,
        [
            {"ana@example.com": "key", "user": {"name": "Bob", "tags": ["VIP", 3]}},
            {"email": "ana@example.com", "note": "x" * 201},
        ],
    )
    assert _found(store, "ana@example.com") == (["r1"], ["e1"])
    assert _found(store, " bob ") == (["r0"], ["e0"])
    assert _found(store, "vip") == (["r0"], ["e0"])
    assert _found(store, "user") == ([], [])  # an object key
    assert _found(store, "3") == ([], [])  # not a string
    assert _found(store, "x" * 201) == ([], [])  # longer than a term


def test_run_search_is_capped_and_event_listing_is_not(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signups(store, [{"plan": "pro"} for _ in range(5)])
    monkeypatch.setattr(records, "SEARCH_EVENTS", 3)
    runs, events = _found(store, "pro")
    assert runs == ["r0", "r1", "r2"]  # the first matching events, oldest first
    assert events == ["e0", "e1", "e2", "e3", "e4"]


def test_an_event_resumes_a_single_wait_and_an_entry_of_an_any_wait(store: Store) -> None:
    _signups(store, [{"n": 0}, {"n": 1}])
    clicked = {"id": "e0", "name": "signup", "data": {"n": 0}, "ts": T0.isoformat()}
    with store.transaction() as tx:
        tx.record_steps(
            [
                step("r0", "wait", kind="wait_for_event", output=clicked),
                step(
                    "r1",
                    "engagement",
                    kind="wait_for_event",
                    output={"index": 1, "name": "signup", "event": {**clicked, "id": "e1"}},
                ),
                step("r1", "timed_out", kind="wait_for_event", output=None),
                step("r1", "send", kind="email.send", output={"id": "e0"}),  # not a wait
            ]
        )
    resumed = {event.id: event.resumed for event in store.list_events()}
    assert resumed == {"e0": (("r0", "wait"),), "e1": (("r1", "engagement"),)}


def test_replayed_as_finds_the_run_that_replays_another(store: Store) -> None:
    _signups(store, [{"n": 0}, {"n": 1}])
    with store.transaction() as tx:
        key = f"{records.REPLAY_KEY_PREFIX}r0"
        tx.start_runs([RunStart("r9", "drip", "h", key, "e0", {}, {})], T0)
    assert store.replayed_as("drip", "r0") == "r9"
    assert store.replayed_as("drip", "r1") is None  # never replayed
    assert store.replayed_as("other", "r0") is None  # a replay is of its own campaign
