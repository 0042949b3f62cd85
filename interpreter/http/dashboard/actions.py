"""The dashboard's actions (POST, CSRF-checked): cancel a run, retry a failed
run from its failed step, send a test event, run a cron campaign's tick now."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from interpreter.daemon.cron import cron_triggers
from interpreter.daemon.recovery import cancel_run, retry_run
from interpreter.errors import NotFound
from interpreter.http.dashboard.guard import Call
from interpreter.http.event_batch import check_document, event_in, parse_json
from interpreter.http.rejection import Rejected


async def cancel(call: Call) -> Response:
    run_id = call.request.path_params["run_id"]
    # NotFound → 404; applied at once unless a worker holds the run
    await run_in_threadpool(cancel_run, call.engine, run_id, "cancelled from the dashboard")
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


async def retry(call: Call) -> Response:
    run_id = call.request.path_params["run_id"]
    # A run already replayed is retried only once confirmed: a form that did
    # not come from the confirmation page is sent there.
    if call.form.get("confirmed") != "yes" and await _replayed_as(call, run_id) is not None:
        return RedirectResponse(f"/runs/{quote(run_id)}/retry", status_code=303)
    await run_in_threadpool(retry_run, call.engine, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


async def confirm_retry(call: Call) -> Response:
    """GET: the page that asks before retrying a run that was already replayed
    (a POST form with the CSRF token, so it works without JavaScript)."""
    run_id = call.request.path_params["run_id"]
    replayed_as = await _replayed_as(call, run_id)
    if replayed_as is None:  # nothing to confirm: the run page's own button
        return RedirectResponse(f"/runs/{quote(run_id)}", status_code=303)
    return call.page("retry_confirm.html", run_id=run_id, replayed_as=replayed_as)


async def _replayed_as(call: Call, run_id: str) -> str | None:
    store = call.engine.store

    def find() -> str | None:
        run = store.get_run(run_id).run  # NotFound → 404
        return store.replayed_as(run.workflow_id, run_id)

    return await run_in_threadpool(find)


async def send_event(call: Call) -> Response:
    """Checked exactly as ``POST /e/`` checks an event (the same parser), so the
    form stores nothing the API would refuse. Answered with what the event did
    (the runs it started and woke, and why a campaign it names started none),
    not a redirect: that is known only now."""
    name = call.form.get("name", "").strip()
    text = call.form.get("data", "").strip() or "{}"
    try:
        data = parse_json(text.encode("utf-8", "surrogatepass"), "data")
        document = {"name": name, "data": data}
        check_document(document, "the event")
        event = event_in(document, 0)
    except Rejected as error:
        return call.page("message.html", 400, title="Bad event", message=error.message)
    [result] = await run_in_threadpool(call.engine.ingest_many, [event])
    return call.page("event_sent.html", result=result, event_name=event.name)


async def run_tick(call: Call) -> Response:
    """ "Run now" on a cron campaign's page: a tick at this second, claimed and
    started exactly as the scheduler does (the same ``flow/cron`` event), so a
    click at a scheduled minute and the scheduler share one run."""
    campaign_id = call.request.path_params["campaign_id"]
    workflow = call.engine.campaigns.named(campaign_id)
    if workflow is None:
        raise NotFound(f"no campaign {campaign_id}")
    if not cron_triggers(workflow):
        message = f"Campaign {campaign_id} has no cron trigger: it starts on events."
        return call.page("message.html", 409, title="Not a cron campaign", message=message)
    tick = call.engine.clock.now().replace(microsecond=0)
    run_id = await run_in_threadpool(call.engine.fire_cron_tick, workflow, tick)
    if run_id is None:
        message = f"The tick at {tick.isoformat()} was already taken; try again in a second."
        return call.page("message.html", 409, title="Not done", message=message)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
