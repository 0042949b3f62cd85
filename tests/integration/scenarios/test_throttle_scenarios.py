"""Throttles and the shared send rate played as scenarios on the real engine and
a SQLite store, on the virtual clock: queues wait like any timer, a scenario
may load several campaigns with their folder's policies.yaml, and an
expectation may name the campaign of its step."""

from __future__ import annotations

import io
from pathlib import Path

from interpreter.cli.test_command import run_tests

WELCOME = """
id: welcome
on: {event: app/signup}
steps:
  - id: hello
    action: email.send
    with: {to: "${ event.data.email }", subject: Welcome, text: hi}
"""
DIGEST = """
id: digest
on: {event: app/digest}
steps:
  - id: hello
    action: email.send
    with: {to: "${ event.data.email }", subject: Digest, text: news}
  - id: pause
    sleep: 1s
  - id: again
    action: email.send
    throttle: {limit: 1, period: 1h}
    with: {to: "${ event.data.email }", subject: Again, text: more}
"""
SCENARIO = """
workflows: [welcome.yaml, digest.yaml]
events:
  - {at: 0s, name: app/signup, data: {email: a@example.com}}
  - {at: 0s, name: app/digest, data: {email: b@example.com}}
  - {at: 0s, name: app/signup, data: {email: c@example.com}}
  - {at: 0s, name: app/digest, data: {email: d@example.com}}
expect:
  actions:
    - {campaign: welcome, step: hello, at: 0s, with: {to: a@example.com}}
    - {campaign: digest, step: hello, at: 0s, with: {to: b@example.com}}
    - {campaign: welcome, step: hello, at: 2s, with: {to: c@example.com}}
    - {campaign: digest, step: hello, at: 2s, with: {to: d@example.com}}
    - {campaign: digest, step: again, at: 4s, with: {to: b@example.com}}
    - {campaign: digest, step: again, at: 1h4s, with: {to: d@example.com}}
  runs: {completed: 4}
"""


def _play(folder: Path, scenario: str, policies: str | None) -> tuple[int, str]:
    (folder / "welcome.yaml").write_text(WELCOME)
    (folder / "digest.yaml").write_text(DIGEST)
    if policies is not None:
        (folder / "policies.yaml").write_text(policies)
    (folder / "both.test.yaml").write_text(scenario)
    out, err = io.StringIO(), io.StringIO()
    code = run_tests([folder / "both.test.yaml"], None, out, err)
    return code, out.getvalue() + err.getvalue()


def test_the_send_rate_is_shared_by_every_campaign_and_a_throttle_adds_to_it(
    tmp_path: Path,
) -> None:
    # Two sends every 2s across both campaigns; `again` also waits an hour for its
    # own throttle, and its sends still queue on the send rate (4s, not 3s: the
    # turns at 2s are taken).
    code, output = _play(tmp_path, SCENARIO, "send_rate: {limit: 2, period: 2s}\n")
    assert code == 0, output
    assert "PASS both" in output


def test_without_policies_the_same_sends_go_at_once(tmp_path: Path) -> None:
    code, output = _play(tmp_path, SCENARIO, None)
    assert code == 1, output
    assert "at: expected +2s, happened +0s" in output


def test_an_expectation_naming_a_campaign_not_loaded_is_refused(tmp_path: Path) -> None:
    scenario = SCENARIO.replace(
        "{campaign: welcome, step: hello, at: 0s", "{campaign: welcom, step: hello, at: 0s"
    )
    code, output = _play(tmp_path, scenario, None)
    assert code == 2, output
    assert "both.test.yaml:10:7: error unknown-campaign" in output
    assert "did you mean 'welcome'" in output
