"""What ``GET /metrics`` shows, as prometheus-client objects in a registry of
their own (never the global one: tests build several apps in one process).

The daemon and the HTTP app share one ``Metrics``. The HTTP edge counts the
events it receives; the worker loop counts the steps it executes and observes
wake latency (how late a due run was claimed); runs by status and the due
backlog are read from the store at scrape time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Literal, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from interpreter.daemon.clock import Clock
from interpreter.errors import StoreError

log = logging.getLogger("flow.metrics")

EventSource = Literal["api", "webhook"]

# Wake latency: from a run's wake_at to its claim. Sub-second with LISTEN/NOTIFY,
# up to the poll interval without, minutes when the workers fall behind.
_WAKE_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    float("inf"),
)


class RunCounts(Protocol):
    """The one store read the scrape needs (``Store`` and ``MemoryStore`` have it)."""

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]: ...


class Metrics:
    """flow's metrics in their own ``registry``; pass one instance to the app and the worker."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events_received = Counter(
            "flow_events_received",
            "Events accepted and committed, by where they came from.",
            ["source"],
            registry=self.registry,
        )
        self.steps_executed = Counter(
            "flow_steps_executed",
            "Step attempts executed (actions run), whatever the outcome.",
            registry=self.registry,
        )
        self.steps_failed = Counter(
            "flow_steps_failed", "Step attempts that ended in an error.", registry=self.registry
        )
        self.wake_latency = Histogram(
            "flow_wake_latency_seconds",
            "How long after it became due a run was claimed.",
            buckets=_WAKE_BUCKETS,
            registry=self.registry,
        )
        self._watching = False

    # Plain functions for the daemon, so it need not know prometheus-client.

    def event_received(self, source: EventSource, count: int = 1) -> None:
        self.events_received.labels(source=source).inc(count)

    def step_executed(self, *, failed: bool) -> None:
        self.steps_executed.inc()
        if failed:
            self.steps_failed.inc()

    def run_woken(self, latency_seconds: float) -> None:
        self.wake_latency.observe(max(0.0, latency_seconds))

    def watch_runs(self, store: RunCounts, clock: Clock) -> None:
        """Report runs by status and the due backlog, read from ``store`` at each scrape."""
        if not self._watching:
            self.registry.register(_RunsCollector(store, clock))
            self._watching = True


class _RunsCollector(Collector):
    def __init__(self, store: RunCounts, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("flow_database_up", "1 when the database answered this scrape.")
        try:
            counts = self._store.count_runs_by_status(self._clock.now())
        except StoreError as error:
            log.warning("metrics: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        runs = GaugeMetricFamily("flow_runs", "Runs in the database, by status.", labels=["status"])
        for status, (count, _) in sorted(counts.items()):
            runs.add_metric([status], count)
        yield runs
        yield GaugeMetricFamily(
            "flow_runs_due",
            "Runs due now and not yet claimed: the backlog of work.",
            value=sum(due for _, due in counts.values()),
        )
