"""Prometheus metrics of one worker, served as text on `GET /metrics`.

One registry per service (not the process-global default) so tests that build several
services in one process do not collide.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client import Counter as _PrometheusCounter
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Counter", "Metrics"]


class Counter(_PrometheusCounter):
    """A labelled counter whose children are looked up once per label set.

    The hot paths count every record (`events_in.labels(stream=...).inc()`); prometheus'
    own `labels()` validates the names, takes a lock and builds a tuple each time, which
    the profiles showed per event. Children are never removed here, so caching them is safe.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._children_by_key: dict[Any, Any] = {}

    def labels(self, *labelvalues: Any, **labelkwargs: Any) -> Any:
        key = (labelvalues, tuple(labelkwargs.items()))
        try:
            child = self._children_by_key.get(key)
        except TypeError:  # an unhashable label value: prometheus turns it into text
            return super().labels(*labelvalues, **labelkwargs)
        if child is None:
            child = super().labels(*labelvalues, **labelkwargs)
            self._children_by_key[key] = child
        return child


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
