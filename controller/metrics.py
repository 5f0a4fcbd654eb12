"""Prometheus metrics: request counts and latencies by route, and the fleet by state.

One registry per app (not the process-global one), so two controllers in one test process
keep their own counts. Requests are labelled by their route template (`/api/v1/heartbeat`,
`/kiosks/{kiosk_id}`), never by the raw path: a path holding a kiosk id or a transaction
number would make one series per kiosk and number. The fleet gauges are read from the
database when Prometheus scrapes (kiosks by state, unresolved alerts by severity), so they
are never stale and cost nothing between scrapes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Seconds: a heartbeat or a transaction is answered in milliseconds; a slow disk in tens.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The controller's metrics in their own registry."""

    def __init__(
        self,
        fleet_states: Callable[[], dict[str, int]],
        open_alerts: Callable[[], dict[str, int]] = dict,
    ) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "estation_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "estation_http_request_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(
            _ScrapeTimeGauge(
                "estation_kiosks",
                "Kiosks by the state the fleet page shows.",
                "state",
                fleet_states,
            )
        )
        self.registry.register(
            _ScrapeTimeGauge(
                "estation_open_alerts",
                "Alerts not yet cleared (open or acknowledged), by severity.",
                "severity",
                open_alerts,
            )
        )


class _ScrapeTimeGauge(Collector):
    """A gauge with one label, its values read from the database when Prometheus scrapes."""

    def __init__(
        self, name: str, documentation: str, label: str, read: Callable[[], dict[str, int]]
    ) -> None:
        self._name, self._documentation, self._label, self._read = name, documentation, label, read

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(self._name, self._documentation, labels=[self._label])
        for value, count in sorted(self._read().items()):
            gauge.add_metric([value], count)
        yield gauge


class MetricsMiddleware:
    """Counts and times every HTTP request by the route that answered it (pure ASGI)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = _route_of(scope)
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)


def _route_of(scope: Scope) -> str:
    """The template of the route that matched; one label for everything that matched none."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
