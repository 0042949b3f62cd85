"""Actions with outside effects are recorded as they complete, under a lease
that is renewed while work is in flight: a crash or a slow batch repeats at
most the actions running at that moment (SQLite, PostgreSQL and memory)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from interpreter.actions.base import JSON, Action, ActionContext
from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.engine import Engine
from interpreter.store import Store
from tests.integration.engine._engine_harness import Harness, campaign_from_text

CAMPAIGN = """
id: two-emails
on: {event: app/signup}
steps:
  - id: welcome
    action: email.send
    with: {to: "${ event.data.email }", subject: Welcome, text: Hello}
  - id: note
    action: log
    with: {message: between}
  - id: tips
    action: email.send
    with: {to: "${ event.data.email }", subject: Tips, text: Some tips}
"""


class Crash(BaseException):
    """Stands in for SIGKILL: nothing after it runs, nothing is saved."""


class Hook:
    """``log``, as a test makes it behave on each call (no outside effects)."""

    name = "log"

    def __init__(self) -> None:
        self.calls = 0
        self.on_call: Callable[[ActionContext], None] = lambda context: None

    def outside_effect(self, arguments: Mapping[str, JSON]) -> bool:
        return False

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        self.calls += 1
        self.on_call(context)
        return {"ok": True}


class World:
    """One store, one virtual clock, one mailbox, and engines as separate workers."""

    def __init__(self, store: Store, tmp_path: Path) -> None:
        self.store = store
        self.harness = Harness(store, [campaign_from_text(CAMPAIGN, tmp_path)], tmp_path)
        self.mail = CapturingTransport()
        self.hook = Hook()
        self.actions: dict[str, Action] = {
            **build_actions(email_transport=self.mail),
            "log": self.hook,
        }

    def worker(self, owner: str) -> Engine:
        campaigns: Campaigns = self.harness.engine.campaigns
        return Engine(
            self.store,
            campaigns,
            self.harness.clock,
            owner=owner,
            lease_seconds=60,
            actions=self.actions,
        )

    def signup(self, n: int) -> str:
        result = self.harness.engine.ingest("app/signup", {"email": f"u{n}@example.com"})
        return result.started[0]

    def sent(self) -> Counter[tuple[str, str]]:
        return Counter((str(m.message["To"]), str(m.message["Subject"])) for m in self.mail.sent)

    def steps(self, run_id: str) -> Counter[str]:
        return Counter(step.step_id for step in self.store.get_run(run_id).steps)

    def later(self, seconds: float) -> None:
        self.harness.clock.advance_to(self.harness.clock.now() + timedelta(seconds=seconds))


EVERY_STEP_ONCE = {"welcome": 1, "note": 1, "tips": 1}


def test_a_crash_after_an_email_does_not_send_it_again(store: Store, tmp_path: Path) -> None:
    world = World(store, tmp_path)
    run_id = world.signup(1)

    def crash_once(context: ActionContext) -> None:
        if world.hook.calls == 1:
            raise Crash

    world.hook.on_call = crash_once
    with pytest.raises(Crash):
        world.worker("w1").drive_once()
    assert world.steps(run_id) == {"welcome": 1}  # recorded the moment it was sent
    world.later(61)  # w1's lease expires; w2 takes the run over
    assert world.worker("w2").drive_once() == 1
    assert store.get_run(run_id).run.status == "completed"
    assert world.steps(run_id) == EVERY_STEP_ONCE
    assert world.sent() == {("u1@example.com", "Welcome"): 1, ("u1@example.com", "Tips"): 1}


def test_a_worker_that_lost_its_lease_stops_before_its_next_action(
    store: Store, tmp_path: Path
) -> None:
    world = World(store, tmp_path)
    runs = [world.signup(n) for n in (1, 2)]
    other = world.worker("w2")

    def stall_once(context: ActionContext) -> None:
        if world.hook.calls == 1:  # w1 stalls past its lease; w2 takes both runs
            world.later(61)
            assert other.drive_once() == 2

    world.hook.on_call = stall_once
    assert world.worker("w1").drive_once() == 2
    for run_id in runs:
        assert store.get_run(run_id).run.status == "completed"
        assert world.steps(run_id) == EVERY_STEP_ONCE
    assert set(world.sent().values()) == {1} and len(world.sent()) == 4


def test_a_slow_batch_keeps_its_lease_while_it_works(store: Store, tmp_path: Path) -> None:
    world = World(store, tmp_path)
    runs = [world.signup(n) for n in range(3)]
    other = world.worker("w2")
    claims: list[int] = []

    def slow(context: ActionContext) -> None:
        world.later(40)  # each run's work takes two thirds of a lease
        claims.append(other.drive_once())

    world.hook.on_call = slow
    assert world.worker("w1").drive_once() == 3
    assert claims == [0, 0, 0]  # the lease was renewed before it ran out
    for run_id in runs:
        assert world.steps(run_id) == EVERY_STEP_ONCE
    assert set(world.sent().values()) == {1} and len(world.sent()) == 6


PICKY_WAIT = """
id: picky
on: {event: app/signup}
steps:
  - id: wait_for_ok
    wait_for_event:
      event: app/answer
      if: async.data.user == event.data.user && async.data.ok
      timeout: 1d
  - id: done
    action: log
    with: {message: "${ steps.wait_for_ok.output == null ? 'timed out' : 'answered' }"}
"""


def test_a_waiting_run_that_ignores_an_event_keeps_waiting(store: Store, tmp_path: Path) -> None:
    """The first answer reaches the run by the wait's index (same user) but fails
    the rest of its condition: the run stays parked with its wait stored."""
    harness = Harness(store, [campaign_from_text(PICKY_WAIT, tmp_path)], tmp_path)
    run_id = harness.engine.ingest("app/signup", {"user": 7}).started[0]
    harness.run_until(timedelta(hours=1))
    harness.send("app/answer", {"user": 7, "ok": False})
    harness.run_until(timedelta(hours=2))
    assert store.get_run(run_id).run.status == "waiting"
    assert [w.purpose for w in store.list_waits(run_id)] == ["step"]
    harness.send("app/answer", {"user": 7, "ok": True})
    harness.run_until(timedelta(days=2))
    detail = store.get_run(run_id)
    assert detail.run.status == "completed"
    assert detail.run.state["steps"]["wait_for_ok"]["output"]["data"]["ok"] is True
