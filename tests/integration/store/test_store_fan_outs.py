"""Fan-out cursors: one per (run, step, visit), replaced as chunks commit (the
store's contract, on SQLite, PostgreSQL and memory)."""

from __future__ import annotations

from interpreter.store import Store
from interpreter.store.records import FanOutProgress
from tests.integration.store._factories import at


def test_a_cursor_is_replaced_per_visit_and_read_back_by_run(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.fan_out_progress("r1") == []
        tx.save_fan_out_progress(FanOutProgress("r1", "fan_out", 1, 1000, 20000, at(1)))
        tx.save_fan_out_progress(FanOutProgress("r2", "fan_out", 1, 5, None, at(1)))
    with store.transaction() as tx:
        tx.save_fan_out_progress(FanOutProgress("r1", "fan_out", 1, 2000, 20000, at(2)))
        tx.save_fan_out_progress(FanOutProgress("r1", "fan_out", 2, 0, 0, at(3)))
    with store.reading() as tx:
        assert tx.fan_out_progress("r1") == [
            FanOutProgress("r1", "fan_out", 1, 2000, 20000, at(2)),
            FanOutProgress("r1", "fan_out", 2, 0, 0, at(3)),
        ]
        assert tx.fan_out_progress("r2") == [FanOutProgress("r2", "fan_out", 1, 5, None, at(1))]


def test_a_cursor_written_in_a_failed_transaction_is_not_kept(store: Store) -> None:
    try:
        with store.transaction() as tx:
            tx.save_fan_out_progress(FanOutProgress("r1", "fan_out", 1, 1000, None, at(1)))
            raise RuntimeError("the worker lost its lease mid-chunk")
    except RuntimeError:
        pass
    with store.reading() as tx:
        assert tx.fan_out_progress("r1") == []
