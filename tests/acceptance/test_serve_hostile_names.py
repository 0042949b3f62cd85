"""Event data is never template code, through `flow serve` and its HTTP API.

A signup's name is printed as it was typed, in the subject and both bodies; a
name that is Jinja code runs nothing; and the author's own template cannot pin
a worker either: its render stops at its budget, other runs go on, and SIGTERM
still stops the daemon."""

from __future__ import annotations

import os
import signal
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from interpreter.store.database import open_store
from tests._loopback import flow_serve, wait_for
from tests.integration.email._email_servers import smtp_server

WELCOME = """
id: welcome
on: {event: app/signup}
steps:
  - id: hello
    action: email.send
    with:
      to: ${ event.data.email }
      subject: "Welcome, ${ event.data.name } ({{ run.workflow }})"
      html: "<p>Hi ${ event.data.name }</p>{% if ${ event.data.vip } %}<b>VIP</b>{% endif %}"
      text: "Hi ${ event.data.name }, run {{ run.workflow }}"
"""
# The author's own template: two nested loops over the sandbox's largest range.
SPIN = """
id: spin
on: {event: app/spin}
steps:
  - id: spin
    action: email.send
    retry: {attempts: 1}
    with:
      to: spin@example.com
      subject: spin
      text: "{% for a in range(100000) %}{% for b in range(100000) %}.{% endfor %}{% endfor %}"
"""
TEMPLATE_NAME = "{{ run.id }} {{ 7*7 }}"
# Ten billion iterations if it were ever rendered as a template.
LOOP_NAME = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}"


def post(base: str, name: str, data: dict[str, Any]) -> None:
    answer = httpx.post(f"{base}/e/test-key", json={"name": name, "data": data}, timeout=10)
    assert answer.status_code == 200, answer.text


def by_recipient(messages: list[EmailMessage], address: str) -> EmailMessage | None:
    return next((m for m in messages if m["To"] == address), None)


def test_names_are_data_and_templates_are_bounded_through_flow_serve(tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "welcome.yaml").write_text(WELCOME)
    (workflows / "spin.yaml").write_text(SPIN)
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    with smtp_server() as (smtp_url, mailbox):
        env = {**os.environ, "FLOW_SMTP_URL": smtp_url}
        log = tmp_path / "serve.log"
        arguments = ("--db", db, "--workflows", "workflows", "--concurrency", "1")
        with flow_serve(*arguments, cwd=tmp_path, env=env, log=log) as served:
            base = served.url
            # One worker thread: the spinning template goes first, then the names.
            post(base, "app/spin", {})
            post(base, "app/signup", {"email": "t@example.com", "name": TEMPLATE_NAME, "vip": True})
            post(base, "app/signup", {"email": "l@example.com", "name": LOOP_NAME, "vip": False})
            post(
                base,
                "app/signup",
                {"email": "h@example.com", "name": "<script>x</script>", "vip": False},
            )

            wait_for(lambda: len(mailbox.messages) == 3, "the three welcome emails", 30)
            named = by_recipient(mailbox.messages, "t@example.com")
            assert named is not None
            assert named["Subject"] == f"Welcome, {TEMPLATE_NAME} (welcome)"
            html = named.get_body(preferencelist=("html",))
            text = named.get_body(preferencelist=("plain",))
            assert html is not None and text is not None
            assert html.get_content() == f"<p>Hi {TEMPLATE_NAME}</p><b>VIP</b>"
            assert text.get_content().rstrip("\n") == f"Hi {TEMPLATE_NAME}, run welcome"

            looped = by_recipient(mailbox.messages, "l@example.com")
            assert looped is not None
            assert looped["Subject"] == f"Welcome, {LOOP_NAME} (welcome)"

            escaped = by_recipient(mailbox.messages, "h@example.com")
            assert escaped is not None
            body = escaped.get_body(preferencelist=("html",))
            assert body is not None
            assert body.get_content() == "<p>Hi &lt;script&gt;x&lt;/script&gt;</p>"

            with open_store(db) as store:
                [spin] = [r for r in store.list_runs(limit=10) if r.workflow_id == "spin"]
                run = store.get_run(spin.id)
            assert run.run.status == "failed"
            [step] = run.steps
            assert "stopped" in step.error["message"], step.error
            assert (
                "loop iterations" in step.error["message"] or "longer than" in step.error["message"]
            )
            started = time.monotonic()
            served.process.send_signal(signal.SIGTERM)
            assert served.process.wait(timeout=30) == 0, log.read_text()[-3000:]
            assert time.monotonic() - started < 15
