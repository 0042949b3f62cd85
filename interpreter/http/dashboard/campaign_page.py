"""A campaign's page: does it work? Of the runs started in the chosen period,
how many reached each step (drawn into the graph), how many converted (the
campaign's ``goal``), the same per split path with the difference between
paths, and each email step's sends, opens and clicks. A cron campaign's page
also shows its schedule and next tick, with "Run now" (``actions.run_tick``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from interpreter.daemon.cron import cron_triggers, describe_schedule, upcoming_tick
from interpreter.errors import NotFound
from interpreter.http.dashboard.funnel import FunnelRow, funnel_rows, step_links
from interpreter.http.dashboard.guard import Call
from interpreter.http.dashboard.pages import PERIODS
from interpreter.language.definitions import Workflow
from interpreter.language.durations import format_duration
from interpreter.language.graph import build_graph, to_svg
from interpreter.language.graph.model import GOAL_ID, START_ID
from interpreter.store import Store
from interpreter.store.conversion_records import EmailFigures, EmailOutcomes, GoalFigures


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, or None when there is no whole."""
    return 100 * part / whole if whole else None


@dataclass(frozen=True)
class PathRow:
    step_id: str
    path: str
    started: int
    converted: int
    rate: float | None
    # Percentage points against the first path of the same split step.
    versus_first: float | None


@dataclass(frozen=True)
class EmailRow:
    step_id: str
    sent: int
    opened: int
    clicked: int
    open_rate: float | None
    click_rate: float | None
    skipped: int = 0  # sends that went without their email
    skipped_why: Mapping[str, int] = field(default_factory=dict)
    unsubscribed: int = 0
    bounced: int = 0


@dataclass(frozen=True)
class CampaignFigures:
    workflow: Workflow
    svg: Markup
    started: int
    reached: Sequence[FunnelRow]  # per step: runs that reached it, runs there now
    converted: int
    rate: float | None
    paths: Sequence[PathRow]
    emails: Sequence[EmailRow]
    within: str | None  # the goal's attribution window, as written


@dataclass(frozen=True)
class CronFacts:
    schedule: str  # as the author wrote it: ``0 9 * * MON, Europe/Paris``
    next_tick: datetime
    next_local: str  # the next tick in the schedule's own zone


def cron_facts(workflow: Workflow, now: datetime) -> CronFacts | None:
    tick = upcoming_tick(workflow, now)
    if tick is None:
        return None
    zone = cron_triggers(workflow)[0].timezone
    local = tick.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")
    return CronFacts(describe_schedule(workflow), tick, f"{local}, {zone}")


def path_rows(figures: GoalFigures) -> list[PathRow]:
    rows: list[PathRow] = []
    first: dict[str, float | None] = {}
    for p in figures.paths:
        share = rate(p.converted, p.started)
        versus: float | None = None
        if p.step_id not in first:
            first[p.step_id] = share
        elif share is not None and (base := first[p.step_id]) is not None:
            versus = share - base
        rows.append(PathRow(p.step_id, p.path, p.started, p.converted, share, versus))
    return rows


def email_rows(
    workflow: Workflow, emails: Sequence[EmailFigures], outcomes: Mapping[str, EmailOutcomes]
) -> list[EmailRow]:
    """One row per email step that sent or skipped anything, in the order of
    the campaign's steps."""
    sent = {e.step_id: e for e in emails}
    rows = []
    for step in workflow.steps:
        e, more = sent.get(step.id), outcomes.get(step.id)
        if e is None and more is None:
            continue
        e = e or EmailFigures(step.id, 0, 0, 0)
        rows.append(
            EmailRow(
                step.id,
                e.sent,
                e.opened,
                e.clicked,
                rate(e.opened, e.sent),
                rate(e.clicked, e.sent),
                sum(more.skipped.values()) if more else 0,
                dict(sorted(more.skipped.items())) if more else {},
                more.unsubscribed if more else 0,
                more.bounced if more else 0,
            )
        )
    return rows


async def campaign(call: Call) -> Response:
    campaign_id = call.request.path_params["campaign_id"]
    period = call.request.query_params.get("period", "7d")
    if period not in PERIODS:
        period = "7d"
    length = PERIODS[period]
    now = call.engine.clock.now()
    since = now - length if length is not None else None
    found = [w for w in call.engine.campaigns.current() if w.id == campaign_id]
    if not found:
        raise NotFound(f"no campaign {campaign_id}")
    workflow = found[0]

    def load() -> CampaignFigures:
        store = call.engine.store
        # Where runs are now is the one read that grows with the runs waiting
        # (an index range, not day sums): it runs beside the others, each read
        # its own transaction, so the page waits for the longest, not the sum.
        with ThreadPoolExecutor(max_workers=1) as beside:
            here_now = beside.submit(store.runs_at_steps, workflow.id, since, None)
            return _figures(store, workflow, since, here_now)

    shown = await run_in_threadpool(load)
    return call.page(
        "campaign.html",
        c=shown,
        cron=cron_facts(workflow, now),
        period=period,
        periods=list(PERIODS),
    )


def _figures(
    store: Store,
    workflow: Workflow,
    since: datetime | None,
    here_now: Future[dict[str, dict[str, int]]],
) -> CampaignFigures:
    started = store.count_runs(workflow.id, since, None)
    figures = store.goal_figures(workflow.id, since, None)
    funnel = dict(figures.reached)
    reached = {START_ID: started, **{s.id: funnel.get(s.id, 0) for s in workflow.steps}}
    if workflow.goal is not None:
        reached[GOAL_ID] = figures.converted
    # The SVG is built by flow itself, escaping every label; a step's node
    # links to the runs at that step.
    svg = Markup(to_svg(build_graph(workflow), reached, step_links(workflow)))
    here = here_now.result()
    return CampaignFigures(
        workflow,
        svg,
        started,
        funnel_rows(workflow, funnel, here),
        figures.converted,
        rate(figures.converted, started),
        path_rows(figures),
        email_rows(workflow, figures.emails, store.email_outcomes(workflow.id, since, None)),
        format_duration(workflow.goal.within)
        if workflow.goal is not None and workflow.goal.within
        else None,
    )
