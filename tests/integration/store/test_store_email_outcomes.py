"""Per email step, the sends skipped (by why) and the emails unsubscribed from
or bounced, the same on SQLite, PostgreSQL and memory."""

from __future__ import annotations

from interpreter.store import Store
from interpreter.store.conversion_records import EmailOutcomes
from tests.integration.store._factories import T0, at, create, record, step


def test_email_outcomes_count_skips_unsubscribes_and_bounces_per_step(store: Store) -> None:
    with store.transaction() as tx:
        for n in range(4):
            assert create(tx, f"r{n}", "drip", now=at(n))
        assert create(tx, "old", "drip", now=at(-1000))
        assert create(tx, "x", "other", now=at(1))
        rows = [
            step(f"r{n}", "welcome", kind="email.send", output={"id": f"EM_{n}"}) for n in range(4)
        ]
        rows += [
            step("r0", "nudge", kind="email.send", output={"skipped": "suppressed", "id": "s0"}),
            step("r1", "nudge", kind="email.send", output={"skipped": "capped", "id": "s1"}),
            step("r2", "nudge", kind="email.send", output={"skipped": "capped", "id": "s2"}),
            step("r3", "nudge", kind="email.send", output={"skipped": "quiet_hours"}),
            step("old", "welcome", kind="email.send", output={"id": "em_old"}),
            step("x", "welcome", kind="email.send", output={"id": "em_x"}),
        ]
        tx.record_steps(rows)
        assert record(tx, "u1", "email.unsubscribed", {"email_id": "em_0", "to": "a"}, T0, at(9))
        assert record(tx, "u2", "email.unsubscribed", {"email_id": "EM_0"}, T0, at(9))  # again
        assert record(tx, "b1", "resend/email.bounced", {"email_id": "em_1"}, T0, at(10))
        assert record(tx, "b2", "email.bounced", {"data": {"id": "em_old"}}, T0, at(10))
        assert record(tx, "b3", "email.bounced", {"email_id": "em_x"}, T0, at(10))
        assert record(tx, "o1", "email.opened", {"email_id": "em_2"}, T0, at(10))  # not either
        # A skipped send has no email: an unsubscribe naming its id counts nothing.
        assert record(tx, "u3", "email.unsubscribed", {"email_id": "s1"}, T0, at(11))
    assert store.email_outcomes("drip", T0, None) == {
        "welcome": EmailOutcomes({}, unsubscribed=1, bounced=1),
        "nudge": EmailOutcomes({"suppressed": 1, "capped": 2, "quiet_hours": 1}, 0, 0),
    }
    everything = store.email_outcomes("drip", None, None)
    assert everything["welcome"] == EmailOutcomes({}, unsubscribed=1, bounced=2)
    assert store.email_outcomes("other", None, None) == {"welcome": EmailOutcomes({}, 0, 1)}
    assert store.email_outcomes("nothing", None, None) == {}


def test_skipped_sends_over_whole_hours_and_their_edges(store: Store) -> None:
    """Runs every 25 minutes; a period from 09:16 to 12:28 sums 10:00-12:00
    from the hourly figures and counts both partial hours from the rows."""
    with store.transaction() as tx:
        for n in range(10):
            assert create(tx, f"r{n}", "drip", now=at(n * 1500))
        why = ["capped", "suppressed"]
        tx.record_steps(
            [
                step(f"r{n}", "nudge", kind="email.send", output={"skipped": why[n % 2]})
                for n in range(10)
            ]
        )
    period = store.email_outcomes("drip", at(1000), at(12500))  # runs 1 to 8
    assert period == {"nudge": EmailOutcomes({"suppressed": 4, "capped": 4}, 0, 0)}
    assert store.email_outcomes("drip", None, at(12500))["nudge"].skipped == {
        "capped": 5,
        "suppressed": 4,
    }
    assert store.email_outcomes("drip", at(1000), None)["nudge"].skipped == {
        "capped": 4,
        "suppressed": 5,
    }
