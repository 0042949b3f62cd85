"""The dashboard's pages (GET): campaigns, runs, a run, events, suppressions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from interpreter.core.model import FINISHED, RUN_STATUSES
from interpreter.daemon.recovery import replay_of
from interpreter.errors import FlowError, NotFound
from interpreter.http.dashboard import views
from interpreter.http.dashboard.funnel import FunnelRow, funnel_rows, step_links
from interpreter.http.dashboard.guard import Call
from interpreter.language.definitions import Workflow
from interpreter.language.graph import build_graph, to_svg
from interpreter.language.graph.model import START_ID
from interpreter.store.records import Burst, RunFilter

PERIODS = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30), "all": None}
STATUSES = RUN_STATUSES
BURSTS_SHOWN = 20  # the pending bursts a campaign card lists, soonest due first


@dataclass(frozen=True)
class CampaignView:
    workflow: Workflow
    svg: Markup
    started: int
    funnel: Sequence[FunnelRow]  # per step: runs that reached it, runs there now
    bursts: Sequence[Burst] = ()  # debounced events whose run has not started yet
    # email.send steps that went without their email, by why (capped,
    # unsubscribed, suppressed), and the sends a full cap deferred.
    held_back: Mapping[str, int] = field(default_factory=dict)


async def campaigns(call: Call) -> Response:
    period = call.request.query_params.get("period", "7d")
    if period not in PERIODS:
        period = "7d"
    length = PERIODS[period]
    since = call.engine.clock.now() - length if length is not None else None

    def load() -> list[CampaignView]:
        shown = []
        store = call.engine.store
        for workflow in sorted(call.engine.campaigns.current(), key=lambda w: w.id):
            # The funnel's counts, from the hourly figures (campaign_hours).
            reached = dict(store.goal_figures(workflow.id, since, None).reached)
            started = store.count_runs(workflow.id, since, None)
            here = store.runs_at_steps(workflow.id, since, None)
            rows = funnel_rows(workflow, reached, here)
            held_back = store.held_back_sends(workflow.id, since, None)
            # The SVG is built by flow itself, escaping every label; each node
            # shows how many runs reached it and links to the runs at it.
            counts = {START_ID: started, **reached}
            svg = Markup(to_svg(build_graph(workflow), counts, step_links(workflow)))
            bursts = store.pending_bursts(workflow.id, BURSTS_SHOWN) if workflow.debounce else []
            shown.append(CampaignView(workflow, svg, started, rows, bursts, held_back))
        return shown

    shown = await run_in_threadpool(load)
    return call.page("campaigns.html", campaigns=shown, period=period, periods=list(PERIODS))


async def runs(call: Call) -> Response:
    q = call.request.query_params
    size = call.dashboard.settings.page_size
    where = RunFilter(
        workflow_id=_text(q.get("campaign")),
        status=_text(q.get("status")),
        since=_instant(q.get("since")),
        until=_instant(q.get("until")),
        text=_text(q.get("q")),
        after=_cursor(q.get("after")),
        limit=size + 1,
        step_id=_text(q.get("step")),
    )
    found, names = await run_in_threadpool(
        lambda: (call.engine.store.search_runs(where), call.engine.store.campaign_ids())
    )
    more = len(found) > size
    found = found[:size]
    following = None
    if more:
        last = found[-1]
        args = {k: v for k, v in q.items() if k != "after" and v}
        args["after"] = f"{last.created_at.isoformat()}|{last.id}"
        following = args
    return call.page(
        "runs.html",
        runs=found,
        campaigns=names,
        statuses=STATUSES,
        query=dict(q),
        following=following,
    )


async def run(call: Call) -> Response:
    run_id = call.request.path_params["run_id"]
    store = call.engine.store

    def load() -> Response:
        detail = store.get_run(run_id)
        waits = store.list_waits(run_id)
        fan_outs = store.fan_out_progress(run_id)
        workflow: Workflow | None
        try:
            workflow = call.engine.campaigns.pinned(detail.run.workflow_hash)
        except FlowError:
            workflow = None
        event = None
        if detail.run.trigger_event_id:
            try:
                event = store.get_event(detail.run.trigger_event_id)
            except NotFound:
                event = None
        return call.page(
            "run.html",
            run=detail.run,
            attempts=views.attempts(detail),
            waits=views.pending_waits(waits, workflow),
            timers=views.timers(detail, workflow),
            fan_outs=fan_outs,
            event=event,
            error=detail.run.state.get("error"),
            finished=detail.run.status in FINISHED,
            conversion=next(iter(store.list_conversions([run_id])), None),
            replay_of=replay_of(detail.run),
            replayed_as=store.replayed_as(detail.run.workflow_id, run_id),
        )

    return await run_in_threadpool(load)


async def events(call: Call) -> Response:
    q = call.request.query_params
    size = call.dashboard.settings.page_size
    text = _text(q.get("q"))
    store = call.engine.store
    found = await run_in_threadpool(store.list_events, _sequence(q.get("before")), text, size + 1)
    more = len(found) > size
    found = found[:size]
    # An event still waiting in a burst has started no run yet: say until when.
    ids = [event.id for event in found]
    most = max(1, len(ids) * len(call.engine.campaigns.current()))  # one per campaign and event
    pending = await run_in_threadpool(store.pending_bursts, None, most, ids)
    debounced: dict[str, list[Burst]] = {}
    for burst in pending:
        debounced.setdefault(burst.event_id, []).append(burst)
    following = {"before": str(found[-1].seq), **({"q": text} if text else {})} if more else None
    return call.page(
        "events.html",
        events=found,
        query=dict(q),
        following=following,
        debounced=debounced,
    )


async def suppressions(call: Call) -> Response:
    store = call.engine.store
    listing = getattr(store, "list_suppressions", None)
    found = await run_in_threadpool(listing) if listing is not None else None
    return call.page("suppressions.html", suppressions=found)


# Query parameters are anyone's input: a junk value is ignored, never a 500.
# ``before`` is an event's sequence number, which the database keeps in 64 bits.
_SEQUENCE = re.compile(r"[0-9]{1,18}")


def _text(value: str | None) -> str | None:
    """A search term or a name, without NUL (PostgreSQL refuses one in a string)."""
    text = (value or "").replace("\x00", "").strip()
    return text or None


def _sequence(text: str | None) -> int | None:
    return int(text) if text is not None and _SEQUENCE.fullmatch(text) else None


def _instant(text: str | None) -> datetime | None:
    """An ISO time in UTC (``datetime-local`` gives one without a zone: taken as
    UTC); None for junk or a time that leaves datetime's range in UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _cursor(text: str | None) -> tuple[datetime, str] | None:
    if not text or "|" not in text:
        return None
    at, _, run_id = text.partition("|")
    instant = _instant(at)
    return (instant, run_id.replace("\x00", "")) if instant is not None else None
