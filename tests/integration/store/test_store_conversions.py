"""Conversions, the same on SQLite, PostgreSQL and memory: one per run, with
its run's campaign and creation time; goal subscriptions swept when their
window closed; and the dashboard's figures per campaign and period."""

from __future__ import annotations

from datetime import timedelta

from interpreter.store import Store, Wait
from interpreter.store.conversion_records import (
    Conversion,
    EmailFigures,
    GoalFigures,
    PathFigures,
)
from interpreter.store.memory import MemoryStore
from interpreter.store.store import SqlStore
from tests.integration.store._factories import T0, at, create, record, step


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
        reached=(("nudge", 1), ("offer", 4), ("welcome", 4)),
    )
    everything = store.goal_figures("drip", None, None)
    assert everything.converted == 3
    assert everything.emails == (EmailFigures("welcome", sent=5, opened=3, clicked=1),)
    assert store.goal_figures("drip", T0, at(2)).converted == 1  # r0 and r1 only
    assert store.goal_figures("none", None, None) == GoalFigures(0, (), (), ())


def _hours_of_runs(store: Store) -> None:
    """Twelve runs 25 minutes apart (about five hours): splits, sends, skipped
    steps, opens and clicks, and conversions recorded before and after the
    split rows of their runs."""
    for n in range(12):
        run = f"h{n}"
        with store.transaction() as tx:
            assert create(tx, run, "drip", now=at(n * 1500))
            if n % 4 == 0:
                tx.record_conversions([_conversion(run, n * 1500 + 60)])
            rows = [step(run, "offer", kind="split", output={"path": "ab"[n % 2], "bucket": n})]
            rows.append(step(run, "welcome", kind="email.send", output={"id": f"Em_{n}"}))
            rows.append(step(run, "later", status="skipped" if n % 3 else "ok"))
            if n == 5:  # a retried split gives a second row: still one run on its path
                rows.append(step(run, "offer", 2, kind="split", output={"path": "b"}))
            tx.record_steps(rows)
            if n % 4 == 1:
                tx.record_conversions([_conversion(run, n * 1500 + 60)])
            if n % 3 == 0:
                for k in range(2):  # a second open of the same email counts once
                    data = {"email_id": f"em_{n}"}
                    assert record(tx, f"o{n}-{k}", "email.opened", data, T0, at(n * 1500 + k))
            if n % 5 == 0:
                data = {"email_id": f"EM_{n}", "link": "https://x"}
                assert record(tx, f"c{n}", "resend/email.clicked", data, T0, at(n * 1500))


def test_figures_over_whole_hours_are_the_rows_own(store: Store) -> None:
    """Over whole hours the SQL stores read sums their triggers kept; the
    memory store counts the rows. Both must give the same figures, for
    periods that start and end inside an hour, on an hour, or stay open."""
    _hours_of_runs(store)
    twin = MemoryStore()
    _hours_of_runs(twin)
    hour = T0.replace(minute=0, second=0, microsecond=0)
    periods = [
        (None, None),
        (at(600), None),
        (None, at(12000)),
        (at(600), at(12000)),
        (hour + timedelta(hours=1), hour + timedelta(hours=4)),
        (at(100), at(200)),
    ]
    decided = 0
    for since, until in periods:
        expected = twin.goal_figures("drip", since, until)
        assert store.goal_figures("drip", since, until) == expected, (since, until)
        decided += expected.converted + len(expected.paths) + len(expected.emails)
    everything = twin.goal_figures("drip", None, None)
    assert everything.converted == 6
    assert everything.paths == (PathFigures("offer", "a", 6, 3), PathFigures("offer", "b", 6, 3))
    assert everything.emails == (EmailFigures("welcome", sent=12, opened=4, clicked=3),)
    assert dict(everything.reached) == {"offer": 12, "welcome": 12, "later": 4}
    assert decided >= 30


def _days_of_runs(store: Store) -> None:
    """Runs in pairs (one hour, counted twice), fourteen hours apart over four
    days, written as the engine writes
    them: a split and a send each, a send retried after a failure, a replay
    of the first run, opens and clicks and conversions that arrive days after
    their run started (bumping hours, and so days, counted long before)."""
    for n in range(14):
        run = f"d{n}"
        began = (n // 2) * 14 * 3600 + 1500 + (n % 2) * 60
        with store.transaction() as tx:
            key = "replay:d0" if n == 13 else None
            assert create(tx, run, "drip", key=key, now=at(began))
            rows = [step(run, "offer", kind="split", output={"path": "ab"[n % 2], "bucket": n})]
            if n % 4 == 2:  # a failed attempt, then the retry that sent
                failed = step(run, "welcome", kind="email.send", status="failed", output=None)
                rows.append(failed)
                rows.append(step(run, "welcome", 2, kind="email.send", output={"id": f"Em_{n}"}))
            else:
                rows.append(step(run, "welcome", kind="email.send", output={"id": f"Em_{n}"}))
            rows.append(step(run, "later", status="skipped" if n % 3 else "ok"))
            tx.record_steps(rows)
    with store.transaction() as tx:  # three days on: late opens, clicks and conversions
        late = 4 * 86400
        for n in range(0, 14, 3):
            assert record(tx, f"late-o{n}", "email.opened", {"email_id": f"em_{n}"}, T0, at(late))
        for n in range(0, 14, 5):
            data = {"email_id": f"EM_{n}"}
            assert record(tx, f"late-c{n}", "resend/email.clicked", data, T0, at(late))
        tx.record_conversions([_conversion(f"d{n}", late) for n in range(0, 14, 4)])


def test_figures_over_whole_days_are_the_rows_own(store: Store) -> None:
    """Periods of days read campaign_days, the hours beside them
    campaign_hours, the edges the rows: all the same figures as the memory
    store's count of the rows, for periods with edges inside hours, on hours,
    on days, or open."""
    _days_of_runs(store)
    twin = MemoryStore()
    _days_of_runs(twin)
    day = T0.replace(hour=0, minute=0, second=0, microsecond=0)
    periods = [
        (None, None),
        (at(600), None),
        (None, at(3 * 86400 + 100)),
        (day + timedelta(days=1), day + timedelta(days=3)),
        (day + timedelta(days=1, hours=5), day + timedelta(days=3, hours=2)),
        (at(30 * 3600), at(70 * 3600 + 17)),
        (day + timedelta(days=2), None),
        (at(50), at(4000)),
    ]
    decided = 0
    for since, until in periods:
        expected = twin.goal_figures("drip", since, until)
        assert store.goal_figures("drip", since, until) == expected, (since, until)
        started = twin.count_runs("drip", since, until)
        assert store.count_runs("drip", since, until) == started, (since, until)
        decided += expected.converted + len(expected.paths) + len(expected.emails) + started
    assert store.count_runs("drip", None, None) == 14
    assert store.count_runs("other", None, None) == 0
    everything = store.goal_figures("drip", None, None)
    assert everything.converted == 4
    assert everything.emails == (EmailFigures("welcome", sent=14, opened=5, clicked=3),)
    assert dict(everything.reached) == {"offer": 14, "welcome": 14, "later": 5}
    assert decided >= 80


def test_each_day_counts_what_its_hours_count(store: Store) -> None:
    """The counters are exact: after starts, retries, a replay, sends, late
    opens, clicks and conversions, each day row is its hours' sum, and no
    day is without its hours (recounted from campaign_hours, on the SQL
    stores; the memory store keeps no counters and counts the rows)."""
    _days_of_runs(store)
    if not isinstance(store, SqlStore):
        return  # the memory store keeps no counters
    hour_day = (
        "date_trunc('day', hour, 'UTC')"
        if store.dialect == "postgresql"
        else "substr(hour, 1, 10) || ' 00:00:00.000000'"
    )
    with store._engine.connect() as connection:
        days = set(
            connection.exec_driver_sql(
                "SELECT workflow_id, day, metric, step_id, path, n FROM campaign_days"
            )
        )
        recount = set(
            connection.exec_driver_sql(
                f"SELECT workflow_id, {hour_day}, metric, step_id, path, sum(n) "
                f"FROM campaign_hours GROUP BY workflow_id, {hour_day}, metric, step_id, path"
            )
        )
    assert days == recount
    assert len({row[1] for row in days}) >= 4  # runs on four days at least
    assert {row[2] for row in days} >= {
        "started",
        "reached",
        "path",
        "won",
        "converted",
        "sent",
        "opened",
    }
