"""Conversions, the same on SQLite, PostgreSQL and memory: one per run, with
its run's campaign and creation time; goal subscriptions swept when their
window closed; and the dashboard's figures per campaign and period."""

from __future__ import annotations

from _factories import T0, at, create, record, step

from interpreter.store import Store, Wait
from interpreter.store.conversion_records import (
    Conversion,
    EmailFigures,
    GoalFigures,
    PathFigures,
)


def _conversion(run_id: str, seconds: float = 60, after: bool = False) -> Conversion:
    return Conversion(run_id, f"evt-{run_id}", at(seconds), "welcome", {"offer": "a"}, after)


def test_a_run_converts_once_and_an_unknown_run_not_at_all(store: Store) -> None:
    with store.transaction() as tx:
        assert create(tx, "r1", "drip", now=at(5))
    with store.transaction() as tx:
        recorded = tx.record_conversions([_conversion("r1"), _conversion("ghost")])
    assert recorded == {"r1"}
    with store.transaction() as tx:
        assert tx.record_conversions([_conversion("r1", 120, after=True)]) == set()
    (stored,) = store.list_conversions(["r1", "ghost"])
    assert stored.workflow_id == "drip"
    assert stored.run_created_at == at(5)
    assert stored.converted_at == at(60)  # the first conversion stays
    assert stored.paths == {"offer": "a"}
    assert stored.last_email_step == "welcome"
    assert stored.after_finish is False
    assert store.count_conversions() == 1
    assert store.count_conversions("drip") == 1
    assert store.count_conversions("other") == 0


def test_goal_subscriptions_are_swept_when_their_window_closed(store: Store) -> None:
    def goal(run_id: str, until: float | None) -> Wait:
        timeout = at(until) if until is not None else None
        return Wait(run_id, "goal", None, 0, "paid", "data.user", 7, timeout, T0)

    with store.transaction() as tx:
        tx.add_waits(
            [
                goal("open", None),
                goal("closing", 100),
                goal("closed", 50),
                Wait("step", "step", "w", 0, "paid", None, None, at(10), T0),
            ]
        )
    with store.transaction() as tx:
        assert tx.drop_expired_goal_waits(at(100)) == 1
    left = sorted(
        w.run_id for r in ("open", "closing", "closed", "step") for w in store.list_waits(r)
    )
    assert left == ["closing", "open", "step"]  # a step wait's timeout is its timer's business


def test_figures_count_runs_conversions_paths_and_email_engagement(store: Store) -> None:
    with store.transaction() as tx:
        for n in range(4):
            assert create(tx, f"r{n}", "drip", now=at(n))
        assert create(tx, "old", "drip", now=at(-1000))
        assert create(tx, "x", "other", now=at(1))
        rows = [
            step(f"r{n}", "offer", kind="split", output={"path": p, "bucket": n})
            for n, p in enumerate(["a", "a", "b", "b"])
        ]
        rows += [
            step(f"r{n}", "welcome", kind="email.send", output={"id": f"EM_{n}"}) for n in range(4)
        ]
        rows.append(
            step("r3", "nudge", kind="email.send", output={"skipped": "suppressed", "id": "em_s"})
        )
        rows.append(step("old", "welcome", kind="email.send", output={"id": "em_old"}))
        tx.record_steps(rows)
        assert record(tx, "o1", "email.opened", {"email_id": "em_0"}, T0, at(10))
        assert record(tx, "o2", "resend/email.opened", {"email_id": "em_0"}, T0, at(10))
        assert record(tx, "o3", "email.opened", {"email_id": "em_1"}, T0, at(11))
        assert record(tx, "c1", "email.clicked", {"email_id": "em_1", "link": "x"}, T0, at(12))
        assert record(tx, "s1", "app/seen", {"email_id": "em_2"}, T0, at(12))
        assert record(tx, "o4", "email.opened", {"email_id": "em_old"}, T0, at(13))
        tx.record_conversions([_conversion("r0"), _conversion("r2"), _conversion("old")])
    figures = store.goal_figures("drip", T0, None)
    assert figures == GoalFigures(
        converted=2,
        paths=(PathFigures("offer", "a", 2, 1), PathFigures("offer", "b", 2, 1)),
        emails=(EmailFigures("welcome", sent=4, opened=2, clicked=1),),
    )
    everything = store.goal_figures("drip", None, None)
    assert everything.converted == 3
    assert everything.emails == (EmailFigures("welcome", sent=5, opened=3, clicked=1),)
    assert store.goal_figures("drip", T0, at(2)).converted == 1  # r0 and r1 only
    assert store.goal_figures("none", None, None) == GoalFigures(0, (), ())
