"""The dashboard's actions (POST, CSRF-checked): cancel a run, retry a failed
run from its failed step, send a test event."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from interpreter.daemon.recovery import cancel_run, retry_run
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
    await run_in_threadpool(retry_run, call.engine, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


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
