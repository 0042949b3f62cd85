"""``count_runs_by_status``: the one read /metrics makes of the runs table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from interpreter.store import Store
from interpreter.store.records import RunSave, RunStart

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_runs_are_counted_by_status_with_those_due(store: Store) -> None:
    assert store.count_runs_by_status(T0) == {}
    with store.transaction() as tx:
        for run_id, minutes in (("a", -5), ("b", 5), ("c", -1)):
            start = RunStart(run_id, "drip", "h", None, None, {}, {})
            assert tx.start_runs([start], T0 + timedelta(minutes=minutes))
    with store.transaction() as tx:
        claimed = tx.claim_due_runs(T0, "w1", 60, 10, run_ids=["c"])
    assert [run.run_id for run in claimed] == ["c"]
    with store.transaction() as tx:
        assert tx.save_runs("w1", T0, [RunSave("c", "completed", {}, None, None)]) == {"c"}
    counts = store.count_runs_by_status(T0)
    assert counts["completed"] == (1, 0)
    runs, due = counts[next(status for status in counts if status != "completed")]
    assert (runs, due) == (2, 1)
