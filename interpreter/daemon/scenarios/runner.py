"""Run one scenario: a throwaway SQLite database, a virtual clock, the real engine.

Each event is sent at its moment: the engine first drives every run up to it
(jumping from timer to timer), then the event's ``${ }`` are resolved against
what has happened so far and it is ingested. With ``until``, the campaigns'
cron ticks in [start, start + until) are played the same way, each fired as
the daemon's scheduler fires it (``Engine.fire_cron_tick``, the one
``flow/cron`` event). Last, the runs go as far as they can. Time is bounded
by ``HORIZON``, so a campaign that never stops sleeping fails its scenario
instead of hanging it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from interpreter.actions.base import Action
from interpreter.actions.email.transport import CapturingTransport, SentEmail
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.caps import reserve_send
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.cron import cron_triggers, ticks_within
from interpreter.daemon.engine import Engine
from interpreter.daemon.scenarios.compare import Verdict, judge
from interpreter.daemon.scenarios.history import (
    HappenedAction,
    RunSummary,
    actions_so_far,
    runs_so_far,
)
from interpreter.daemon.scenarios.mocks import CallLog, scripted_actions
from interpreter.daemon.suppressions import suppress, suppressed_among
from interpreter.errors import FlowError
from interpreter.language.cel import render
from interpreter.language.definitions import Workflow
from interpreter.language.durations import format_duration
from interpreter.language.scenario import Scenario, ScenarioEvent
from interpreter.store import Store
from interpreter.store.database import open_store

HORIZON = timedelta(days=365)
# More cron ticks than a scenario should play (an every-minute schedule for weeks).
MAX_TICKS = 10_000


@dataclass(frozen=True)
class ScenarioResult:
    """What one scenario did and how it compares with what it expects.

    ``error`` is set when the scenario could not be played to its end (an event's
    ``${ }`` failed, or runs still had timers past the horizon); it then fails.
    """

    scenario: Scenario
    verdict: Verdict
    actions: tuple[HappenedAction, ...]
    runs: tuple[RunSummary, ...]
    emails: tuple[SentEmail, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and self.verdict.passed


@dataclass
class _Play:
    """The state of one scenario while it is being played."""

    scenario: Scenario
    engine: Engine
    clock: VirtualClock
    log: CallLog
    action_names: frozenset[str]
    started: list[str] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.engine.store

    def runs(self) -> list[RunSummary]:
        return runs_so_far(self.store, self.started)

    def actions(self, runs: list[RunSummary]) -> list[HappenedAction]:
        return actions_so_far(self.store, runs, self.action_names, self.log, self.scenario.start)


def run_scenario(
    scenario: Scenario,
    workflow: Workflow | Sequence[Workflow],
    *,
    horizon: timedelta = HORIZON,
    max_ticks: int = MAX_TICKS,
) -> ScenarioResult:
    """Play ``scenario`` against ``workflow`` (or several campaigns, loaded together
    with the policies of their folder) and judge it. Never raises a FlowError:
    a scenario that cannot be played fails with the reason as its ``error``."""
    transport = CapturingTransport()
    log = CallLog()
    with tempfile.TemporaryDirectory(prefix="flow-test-") as scratch:
        store = open_store(f"sqlite:///{Path(scratch) / 'scenario.db'}")
        # No outbox and no FLOW_EMAIL_FROM: a scenario gives the same result
        # anywhere. Frequency caps count in the scenario's own database.
        real = build_actions(
            email_transport=transport,
            environ={},
            suppressed=lambda addresses, category: suppressed_among(store, addresses, category),
            reserve_send=lambda holder, to, category, now: reserve_send(
                store, holder, to, category, now
            ),
        )
        actions = scripted_actions(real, scenario.mocks, log)
        try:
            for address, category in scenario.suppressions:
                suppress(store, [address], "manual", scenario.start, "scenario", category)
            clock = VirtualClock(scenario.start)
            engine = _engine(store, workflow, scenario, clock, actions, scratch)
            # A for_each step is played and expected as an action (output {count}).
            play = _Play(scenario, engine, clock, log, frozenset({*real, "for_each"}))
            error = _play(play, horizon, max_ticks)
            runs = play.runs()
            happened = play.actions(runs)
            conversions = store.count_conversions()
        finally:
            store.close()
            _close_actions(real)
    expect = scenario.expect
    return ScenarioResult(
        scenario,
        judge(expect, happened, runs, conversions),
        tuple(happened),
        tuple(runs),
        tuple(transport.sent),
        error,
    )


def _engine(
    store: Store,
    workflow: Workflow | Sequence[Workflow],
    scenario: Scenario,
    clock: VirtualClock,
    actions: Mapping[str, Action],
    scratch: str,
) -> Engine:
    # Built here rather than with open_engine: that one falls back to the
    # environment for secrets, and a scenario must never reach a real database
    # because CI happens to have APP_DATABASE_URL set.
    return Engine(
        store,
        Campaigns(store, [workflow] if isinstance(workflow, Workflow) else workflow),
        clock,
        secrets=dict(scenario.secrets),
        data_dir=Path(scratch) / "data",
        actions=actions,
    )


def _timeline(play: _Play, max_ticks: int) -> list[tuple[datetime, int, ScenarioEvent | Workflow]]:
    """The scenario's events and cron ticks by moment, each with its index in
    ``events`` (-1 for a tick); at the same moment an event comes first.
    Raises ``FlowError`` past ``max_ticks`` ticks of one campaign."""
    scenario = play.scenario
    moments: list[tuple[datetime, int, ScenarioEvent | Workflow]] = [
        (scenario.start + event.at, index, event) for index, event in enumerate(scenario.events)
    ]
    if scenario.until is not None:
        end = scenario.start + scenario.until
        for workflow in play.engine.campaigns.current():
            ticks = {
                tick
                for trigger in cron_triggers(workflow)
                for tick in ticks_within(trigger, scenario.start, end, max_ticks)
            }
            if len(ticks) > max_ticks:
                raise FlowError(
                    f"until: {format_duration(scenario.until)} plays more than {max_ticks:,} "
                    f"cron ticks of {workflow.id}; shorten it"
                )
            moments.extend((tick, -1, workflow) for tick in ticks)
    # Stable: events at the same offset keep the order they are written in.
    return sorted(moments, key=lambda moment: (moment[0], moment[1] < 0))


def _play(play: _Play, horizon: timedelta, max_ticks: int) -> str | None:
    scenario = play.scenario
    start = scenario.start
    try:
        timeline = _timeline(play, max_ticks)
    except FlowError as failure:
        return str(failure)
    try:
        for moment, index, what in timeline:
            play.engine.run_virtual(play.clock, until=moment)
            if isinstance(what, Workflow):
                run_id = play.engine.fire_cron_tick(what, moment)
                play.started.extend([run_id] if run_id is not None else [])
                continue
            event = what
            runs = play.runs()
            scope = {
                "actions": [action.as_cel() for action in play.actions(runs)],
                "runs": [run.as_cel() for run in runs],
            }
            try:
                data = render(event.data, scope)
            except FlowError as failure:
                return f"events[{index}] ({event.name} at +{format_duration(event.at)}): {failure}"
            result = play.engine.ingest(event.name, data, event_id=event.id)
            play.started.extend(result.started)
        limit = start + max(horizon, scenario.until or horizon)
        play.engine.run_virtual(play.clock, until=limit)
        if play.engine.next_wake_at() is not None:
            return (
                f"runs still had timers after {format_duration(limit - start)} of virtual time; "
                "stopped there"
            )
    except FlowError as failure:
        return f"the engine stopped: {failure}"
    return None


def _close_actions(actions: Mapping[str, Action]) -> None:
    # sql.query keeps a connection pool per database URL.
    for action in actions.values():
        close = getattr(action, "close", None)
        if callable(close):
            close()
