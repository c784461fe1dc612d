"""Prometheus metrics of one worker, served as text on `GET /metrics`.

One registry per service (not the process-global default) so tests that build several
services in one process do not collide.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    """The counters every stream reports; labels say which stream or connector."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events_in = Counter(
            "lineage_events_in", "Records consumed, by stream", ["stream"], registry=self.registry
        )
        self.events_out = Counter(
            "lineage_events_out", "Records published, by topic role", ["role"], registry=self.registry
        )
        self.dead_letters = Counter(
            "lineage_dead_letters",
            "Records sent to the dead-letter topic, by stream",
            ["stream"],
            registry=self.registry,
        )
        self.ignored_events = Counter(
            "lineage_ignored_events",
            "Events explicitly ignored, by stream and reason",
            ["stream", "reason"],
            registry=self.registry,
        )
        self.connector_failures = Counter(
            "lineage_connector_failures",
            "Connector listener failures, by connector",
            ["connector"],
            registry=self.registry,
        )
        self.rest_requests = Counter(
            "lineage_rest_requests",
            "REST intake requests, by path and status",
            ["path", "status"],
            registry=self.registry,
        )
        self.assigned_partitions = Gauge(
            "lineage_assigned_partitions", "Partitions assigned to this worker", registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
