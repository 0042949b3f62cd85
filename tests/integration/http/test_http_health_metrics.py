"""GET /healthz and /metrics; the settings the server refuses; errors never leak."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from interpreter.errors import StoreError, UsageError
from interpreter.http import HttpSettings, check_settings
from interpreter.store import Store
from interpreter.store.memory import MemoryStore
from tests.integration.http._live_server import Serve, live_app


class BrokenStore(MemoryStore):
    """A database that stopped answering."""

    def next_wake_at(self) -> datetime | None:
        raise StoreError("connection refused")

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        raise StoreError("connection refused")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_healthz_says_ok_when_the_database_answers(serve: Serve) -> None:
    live = serve()
    response = httpx.get(f"{live.url}/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_and_metrics_when_the_database_does_not_answer(tmp_path: Path) -> None:
    store: Store = BrokenStore()
    with live_app(store, tmp_path) as live:
        health = httpx.get(f"{live.url}/healthz")
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        scraped = samples(httpx.get(f"{live.url}/metrics").text)
        assert scraped[("flow_database_up", ())] == 0


def test_metrics_parse_and_count(serve: Serve) -> None:
    live = serve()
    users = [{"id": n, "email": f"u{n}@example.com"} for n in range(3)]
    events = [{"name": "app/signup.completed", "data": {"user": user}} for user in users]
    assert httpx.post(f"{live.url}/e/k", json=events).status_code == 200
    live.metrics.step_executed(failed=False)
    live.metrics.step_executed(failed=True)
    live.metrics.run_woken(0.03)
    response = httpx.get(f"{live.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    scraped = samples(response.text)
    assert scraped[("flow_events_received_total", (("source", "api"),))] == 3
    assert scraped[("flow_runs", (("status", "running"),))] == 3
    assert scraped[("flow_runs_due", ())] == 3
    assert scraped[("flow_steps_executed_total", ())] == 2
    assert scraped[("flow_steps_failed_total", ())] == 1
    assert scraped[("flow_wake_latency_seconds_count", ())] == 1
    assert scraped[("flow_database_up", ())] == 1


def test_an_internal_error_is_a_json_500_without_a_traceback(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = serve()

    def explode(events: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(live.engine, "ingest_many", explode)
    response = httpx.post(f"{live.url}/e/k", json={"name": "app/x"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}


def test_a_store_error_is_a_503(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    live = serve()

    def down(events: object) -> object:
        raise StoreError("postgresql://flow@db/flow: connection refused")

    monkeypatch.setattr(live.engine, "ingest_many", down)
    response = httpx.post(f"{live.url}/e/k", json={"name": "app/x"})
    assert response.status_code == 503 and "postgresql" not in response.text


def test_settings_the_server_refuses_or_warns_about(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(UsageError, match="FLOW_EVENT_KEYS"):
        check_settings(HttpSettings(host="0.0.0.0"))
    check_settings(HttpSettings(host="0.0.0.0", event_keys=("k",)))
    with caplog.at_level(logging.WARNING, logger="flow.http"):
        check_settings(HttpSettings(host="::1"))
    assert "FLOW_EVENT_KEYS is not set" in caplog.text
    with pytest.raises(UsageError, match="whsec_"):
        check_settings(HttpSettings(resend_webhook_secret="whsec_not base64!"))


def test_settings_from_the_environment() -> None:
    settings = HttpSettings.from_environ(
        "10.0.0.5",
        {
            "FLOW_EVENT_KEYS": " one, two ,,",
            "FLOW_MAX_EVENTS_PER_REQUEST": "10",
            "FLOW_MAX_EVENT_BYTES": "2048",
            "FLOW_MAX_BODY_BYTES": "4096",
            "FLOW_RESEND_WEBHOOK_SECRET": "whsec_c2VjcmV0",
        },
    )
    assert settings.event_keys == ("one", "two") and settings.host == "10.0.0.5"
    assert (settings.max_events_per_request, settings.max_event_bytes, settings.max_body_bytes) == (
        10,
        2048,
        4096,
    )
    assert settings.webhook_key == b"secret" and not settings.on_loopback
    defaults = HttpSettings.from_environ(environ={})
    assert defaults.max_events_per_request == 5000 and defaults.max_event_bytes == 3 * 1024 * 1024
    with pytest.raises(UsageError, match="FLOW_MAX_EVENT_BYTES"):
        HttpSettings.from_environ(environ={"FLOW_MAX_EVENT_BYTES": "lots"})
