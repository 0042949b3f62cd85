"""Definitions, events and the wait index, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from interpreter.errors import NotFound, StoreError
from interpreter.store import Definition, Store
from interpreter.store.records import Suppression
from tests.integration.store._factories import T0, at, candidates, make_run, record, wait


def test_definition_is_saved_once_and_loaded_whole(store: Store) -> None:
    files = {"templates/welcome.html": "<p>Hi {{ name }}</p>"}
    with store.transaction() as tx:
        tx.save_definition(Definition("h1", "drip", "workflows/drip.yaml", "id: drip\n", files), T0)
        tx.save_definition(Definition("h1", "drip", "workflows/drip.yaml", "changed", {}), at(1))
    loaded = store.load_definition("h1")
    assert (loaded.workflow_id, loaded.source_file, loaded.source_text) == (
        "drip",
        "workflows/drip.yaml",
        "id: drip\n",
    )
    assert loaded.files == files
    with pytest.raises(NotFound):
        store.load_definition("h2")


def test_event_is_deduplicated_on_its_id(store: Store) -> None:
    with store.transaction() as tx:
        first = record(tx, "ev1", "app/user.signup", {"email": "a@x"}, T0, at(1))
        again = record(tx, "ev1", "app/user.signup", {"email": "b@x"}, T0, at(2))
        other = record(tx, "ev2", "app/user.signup", None, T0, at(3))
    assert first and not again and other
    assert store.get_event("ev1").seq < store.get_event("ev2").seq
    stored = store.get_event("ev1")
    assert (stored.name, stored.data, stored.received_at) == (
        "app/user.signup",
        {"email": "a@x"},
        at(1),
    )
    assert store.get_event("ev2").data is None
    with pytest.raises(NotFound):
        store.get_event("ev3")


def test_events_since_filters_by_name_and_arrival(store: Store) -> None:
    with store.transaction() as tx:
        record(tx, "old", "clicked", {}, T0, at(1))
        record(tx, "b", "clicked", {}, T0, at(10))
        record(tx, "other", "opened", {}, T0, at(11))
        record(tx, "a", "clicked", {}, T0, at(5))
    with store.reading() as tx:
        found = tx.events_since("clicked", at(5))
    assert [event.id for event in found] == ["b", "a"]  # arrival order: by seq


def test_times_round_trip_as_aware_utc_with_microseconds(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 3, 1, 10, 0, 0, 7, tzinfo=paris)
    with store.transaction() as tx:
        record(tx, "e", "n", {}, local, local)
    stored = store.get_event("e")
    assert stored.ts == local and stored.ts.utcoffset() == timedelta(0)
    assert stored.ts.microsecond == 7
    with pytest.raises(StoreError, match="naive datetime"), store.transaction() as tx:
        record(tx, "naive", "n", {}, datetime(2026, 1, 1), T0)


def test_candidate_waits_are_found_by_key(store: Store) -> None:
    for run in ("r1", "r2", "r3", "r4", "r5", "r6"):
        make_run(store, run, due=None)
    with store.transaction() as tx:
        tx.add_waits(
            [
                wait("r1", value="em_1"),
                wait("r2", value="em_2"),
                wait("r3", path=None, value=None),
                wait("r4", path="data.user.id", value=42),
                wait("r5", path="data.user.id", value="42"),
                wait("r6", event="resend/email.opened", value="em_1"),
            ]
        )
        tx.add_waits([wait("r6", path="data.meta", value={"b": [1, 2], "a": None})])
    event = {"id": "e", "name": "resend/email.clicked", "data": {"email_id": "em_1"}}
    found = candidates(store, "resend/email.clicked", event)
    assert sorted(c.run_id for c in found) == ["r1", "r3"]
    assert {(c.purpose, c.step_id, c.idx, c.since) for c in found} == {
        ("step", "wait_click", 0, T0)
    }

    by_int = {"data": {"email_id": "em_2", "user": {"id": 42}, "meta": {"a": None, "b": [1, 2]}}}
    found = candidates(store, "resend/email.clicked", by_int)
    # 42 and "42" are different keys; object keys are compared canonically.
    assert sorted(c.run_id for c in found) == ["r2", "r3", "r4", "r6"]
    # A path missing from the event matches only the waits without a key.
    assert [c.run_id for c in candidates(store, "resend/email.clicked", {"data": 1})] == ["r3"]
    assert candidates(store, "nobody/waits", event) == []


def test_waits_are_listed_and_deleted_by_purpose(store: Store) -> None:
    make_run(store, "r1", due=None)
    with store.transaction() as tx:
        tx.add_waits([wait("r1", value={"k": 1}), wait("r1", "app/user.deleted", purpose="cancel")])
    listed = store.list_waits("r1")
    assert [(w.purpose, w.match_value, w.timeout_at) for w in listed] == [
        ("step", {"k": 1}, at(3600)),
        ("cancel", "em_1", at(3600)),
    ]
    with store.transaction() as tx:
        assert tx.delete_waits_of(["r1"], "step") == 1
    assert [w.purpose for w in store.list_waits("r1")] == ["cancel"]
    with store.transaction() as tx:
        assert tx.delete_waits_of(["r1"]) == 1
    assert store.list_waits("r1") == []


def test_waits_of_many_runs_are_deleted_in_one_call(store: Store) -> None:
    for name in ("r1", "r2", "r3"):
        make_run(store, name, due=None)
        with store.transaction() as tx:
            tx.add_waits([wait(name), wait(name, "app/user.deleted", purpose="cancel")])
    with store.transaction() as tx:
        assert tx.delete_waits_of(["r1", "r2"], "step") == 2
        assert tx.delete_waits_of([], "step") == 0
    assert [w.purpose for w in store.list_waits("r1")] == ["cancel"]
    assert [w.purpose for w in store.list_waits("r3")] == ["step", "cancel"]
    with store.transaction() as tx:
        assert tx.delete_waits_of(["r1", "r3"]) == 3
    assert store.list_waits("r1") == store.list_waits("r3") == []
    assert len(store.list_waits("r2")) == 1


def test_suppressed_among_reads_the_current_list(store: Store) -> None:
    assert store.suppressed_among(["ada@example.com"]) == {}
    with store.transaction() as tx:
        assert tx.add_suppression(Suppression("Ada@Example.com", "manual", None, T0))
    # The one-address look-up sees a commit made after its previous call.
    assert store.suppressed_among(["ADA@example.com"]) == {"ada@example.com": None}
    assert store.suppressed_among(["ada@example.com", "bob@example.com"]) == {
        "ada@example.com": None
    }
    assert store.suppressed_among([]) == {}
    with store.transaction() as tx:
        assert tx.remove_suppression("ada@example.com")
    assert store.suppressed_among(["ada@example.com"]) == {}
    with store.transaction() as tx:  # the look-up left no transaction open in the way
        assert tx.add_suppression(Suppression("bob@example.com", "bounced", None, T0))
    assert store.suppressed_among(["Bob@Example.com"]) == {"bob@example.com": None}


def test_a_topic_blocks_only_its_category_and_the_whole_list_wins(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.add_suppression(Suppression("ada@example.com", "unsubscribed", None, T0, "tips"))
        assert not tx.add_suppression(
            Suppression("ADA@example.com", "unsubscribed", None, T0, "tips")
        )
        assert tx.add_suppression(
            Suppression("ada@example.com", "unsubscribed", None, T0, "marketing")
        )
        assert tx.add_suppression(Suppression("bob@example.com", "unsubscribed", None, T0, "tips"))
    assert store.suppressed_among(["ada@example.com"]) == {}  # no category: only the list
    assert store.suppressed_among(["ada@example.com"], "tips") == {"ada@example.com": "tips"}
    assert store.suppressed_among(["ada@example.com"], "receipts") == {}
    both = store.suppressed_among(["ada@example.com", "bob@example.com"], "tips")
    assert both == {"ada@example.com": "tips", "bob@example.com": "tips"}
    with store.reading() as tx:
        assert tx.topics_left("Ada@Example.com") == {"tips", "marketing"}
    with store.transaction() as tx:
        assert tx.add_suppression(Suppression("ada@example.com", "bounced", None, T0))
        assert tx.remove_suppression("ada@example.com", "marketing")
        assert not tx.remove_suppression("ada@example.com", "marketing")
    # A hard bounce blocks every email, and says so rather than the topic.
    assert store.suppressed_among(["ada@example.com"], "tips") == {"ada@example.com": None}
    assert store.suppressed_among(["ada@example.com"], None) == {"ada@example.com": None}
    with store.reading() as tx:
        assert tx.topics_left("ada@example.com") == {"tips"}
        listed = {(s.address, s.category, s.reason) for s in tx.list_suppressions()}
    assert listed == {
        ("ada@example.com", "tips", "unsubscribed"),
        ("ada@example.com", None, "bounced"),
        ("bob@example.com", "tips", "unsubscribed"),
    }
