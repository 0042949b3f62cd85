"""``for_each`` on the engine: one child run per item, written in chunks under
a cursor that a resumed fan-out starts from (SQLite, PostgreSQL and memory)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow, load_workflow_text
from interpreter.store import Store
from interpreter.store.records import FanOutProgress
from tests.integration.engine._engine_harness import ROOT, Harness

BROADCAST = """
id: broadcast
on: {event: go}
steps:
  - id: fan_out
    for_each:
      items: ${ event.data.people }
      event: person/due
      data: {who: "${ item }", n: "${ index }", issue: "${ run.id }"}
"""
CHILD = """
id: child
on: {event: person/due}
steps:
  - id: hello
    action: log
    with: {message: "hi ${ event.data.who }"}
"""


def campaign(text: str, name: str, tmp_path: Path) -> Workflow:
    workflow, problems = load_workflow_text(text, str(tmp_path / name), base_dir=tmp_path)
    assert workflow is not None, [p.as_text() for p in problems]
    return workflow


def harness(store: Store, tmp_path: Path, broadcast: str = BROADCAST) -> Harness:
    workflows = [
        campaign(broadcast, "broadcast.yaml", tmp_path),
        campaign(CHILD, "c.yaml", tmp_path),
    ]
    return Harness(store, workflows, tmp_path / ".flow")


def children(store: Store) -> Counter[str]:
    """How many child runs each emitted event started."""
    runs = [r for r in store.list_runs(limit=100_000) if r.workflow_id == "child"]
    assert all(r.status == "completed" for r in runs)
    return Counter(str(r.trigger_event_id) for r in runs)


def test_each_item_starts_one_child_with_its_data(store: Store, tmp_path: Path) -> None:
    world = harness(store, tmp_path)
    (run_id,) = world.engine.ingest("go", {"people": ["ada", "bob", "cy"]}).started
    world.run_until()
    run = world.detail(run_id)
    assert run.run.status == "completed"
    assert run.run.state["steps"]["fan_out"]["output"] == {"count": 3}
    assert children(store) == {f"{run_id}:fan_out:{i}": 1 for i in range(3)}
    event = store.get_event(f"{run_id}:fan_out:1")
    assert (event.name, event.data) == ("person/due", {"who": "bob", "n": 1, "issue": run_id})


def test_item_data_is_never_evaluated_again(store: Store, tmp_path: Path) -> None:
    world = harness(store, tmp_path)
    (run_id,) = world.engine.ingest("go", {"people": ["${ run.id }"]}).started
    world.run_until()
    assert store.get_event(f"{run_id}:fan_out:0").data == {
        "who": "${ run.id }",
        "n": 0,
        "issue": run_id,
    }


def test_chunks_move_the_cursor_and_a_resumed_fan_out_starts_from_it(
    store: Store, tmp_path: Path
) -> None:
    world = harness(store, tmp_path)
    people = [f"p{i}" for i in range(2500)]
    (run_id,) = world.engine.ingest("go", {"people": people}).started
    # A worker that died after committing the first two chunks left this cursor
    # (and those chunks' events, here re-sent by hand for the first one only).
    with store.transaction() as tx:
        tx.save_fan_out_progress(
            FanOutProgress(run_id, "fan_out", 1, 2000, 2500, world.clock.now())
        )
    world.engine.ingest("person/due", {"who": "p0"}, event_id=f"{run_id}:fan_out:0")
    world.run_until()
    assert world.detail(run_id).run.state["steps"]["fan_out"]["output"] == {"count": 2500}
    started = children(store)
    # Items 1..1999 were the dead worker's to write; the resumed one wrote 2000 on.
    assert len(started) == 501 and all(n == 1 for n in started.values())
    assert f"{run_id}:fan_out:2000" in started and f"{run_id}:fan_out:2499" in started
    with store.reading() as tx:
        (progress,) = tx.fan_out_progress(run_id)
    assert (progress.done, progress.total) == (2500, 2500)


def test_bad_items_fail_the_step_at_its_line(store: Store, tmp_path: Path) -> None:
    world = harness(store, tmp_path)
    (run_id,) = world.engine.ingest("go", {"people": {"ada": 1}}).started
    world.run_until()
    run = world.detail(run_id).run
    assert run.status == "failed"
    error = run.state["error"]
    assert error["step"] == "fan_out"
    assert error["message"] == "for_each step 'fan_out': items must be a list, got a map"
    assert error["location"] == f"{tmp_path / 'broadcast.yaml'}:5:5"
    assert children(store) == {}


def test_an_empty_audience_counts_zero(store: Store, tmp_path: Path) -> None:
    world = harness(store, tmp_path)
    (run_id,) = world.engine.ingest("go", {"people": []}).started
    world.run_until()
    run = world.detail(run_id)
    assert run.run.status == "completed"
    assert run.run.state["steps"]["fan_out"]["output"] == {"count": 0}
    assert [step.output for step in run.steps] == [{"count": 0}]


QUERY = """
id: broadcast
on: {event: go}
steps:
  - id: fan_out
    for_each:
      query:
        url: ${ event.data.url }
        query: ${ event.data.query }
        params: {plan: pro}
      event: person/due
      data: {who: "${ item.email }"}
"""


def app_db(tmp_path: Path, users: int) -> str:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, plan TEXT)")
        connection.executemany(
            "INSERT INTO users VALUES (?, ?, ?)",
            [(i, f"u{i}@example.com", "pro" if i % 2 else "free") for i in range(users)],
        )
    return f"sqlite:///{path}"


def test_a_query_is_streamed_into_one_child_per_row(store: Store, tmp_path: Path) -> None:
    world = harness(store, tmp_path, QUERY)
    url = app_db(tmp_path, 3000)
    query = "SELECT id, email FROM users WHERE plan = :plan ORDER BY id"
    (run_id,) = world.engine.ingest("go", {"url": url, "query": query}).started
    world.run_until()
    assert world.detail(run_id).run.state["steps"]["fan_out"]["output"] == {"count": 1500}
    assert sum(children(store).values()) == 1500
    assert store.get_event(f"{run_id}:fan_out:0").data == {"who": "u1@example.com"}
    with store.reading() as tx:
        (progress,) = tx.fan_out_progress(run_id)
    assert (progress.done, progress.total) == (1500, 1500)


def test_a_query_error_fails_the_step_with_the_database_message(
    store: Store, tmp_path: Path
) -> None:
    world = harness(store, tmp_path, QUERY)
    url = app_db(tmp_path, 3)
    query = "SELECT id, email FROM nobody WHERE plan = :plan"
    (run_id,) = world.engine.ingest("go", {"url": url, "query": query}).started
    world.run_until()
    run = world.detail(run_id)
    assert run.run.status == "failed"
    assert "no such table: nobody" in run.run.state["error"]["message"]
    assert run.run.state["error"]["retryable"] is False


def test_a_write_is_refused_before_it_reaches_the_database(store: Store, tmp_path: Path) -> None:
    world = harness(store, tmp_path, QUERY)
    url = app_db(tmp_path, 3)
    (run_id,) = world.engine.ingest("go", {"url": url, "query": "DELETE FROM users"}).started
    world.run_until()
    assert "DELETE is not a read" in world.detail(run_id).run.state["error"]["message"]
    assert sqlite3.connect(tmp_path / "app.db").execute(
        "SELECT count(*) FROM users"
    ).fetchone() == (3,)


def test_the_weekly_newsletter_starts_one_issue_per_opted_in_user(
    store: Store, tmp_path: Path
) -> None:
    """The example in workflows/, both campaigns together on the demo app database:
    259 of its 303 users are opted in, each gets one run and one copy."""
    folder = ROOT / "workflows"
    workflows = []
    for name in ("weekly-newsletter.yaml", "newsletter-issue.yaml"):
        workflow, problems = load_workflow(folder / name)
        assert workflow is not None, problems
        workflows.append(workflow)
    world = Harness(store, workflows, tmp_path / ".flow")
    (run_id,) = world.engine.ingest("newsletter/issue.requested", {}).started
    world.run_until()
    assert world.detail(run_id).run.state["steps"]["fan_out"]["output"] == {"count": 259}
    issues = [r for r in store.list_runs(limit=1000) if r.workflow_id == "newsletter-issue"]
    assert len(issues) == 259 and {r.status for r in issues} == {"completed"}
    assert len({r.trigger_event_id for r in issues}) == 259
    recipients = [str(sent.message["To"]) for sent in world.mail.sent]
    assert len(recipients) == 259 and len(set(recipients)) == 259
    assert "linus@example.com" not in recipients  # opted out
