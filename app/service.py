"""The service: one Faust app per server name, its topics, its agents and its web views.

`create_service(settings)` is the single place that wires things together. Each agent
module exposes `install(service)`; the web views do the same. Tests and the CLI build the
service the same way, so what runs in a test is what runs in production.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import faust

from app.metrics import Metrics
from app.readiness import Readiness
from app.settings import Settings
from app.topics import TopicNames

log = logging.getLogger(__name__)

# Room above the largest accepted event for headers and record-batch framing.
_FRAME_OVERHEAD = 64 * 1024

RecordHandler = Callable[[Any, bytes | None, bytes | None], Awaitable[None]]
"""Handles one consumed record: (Faust message, key, value)."""


@dataclass
class LineageService:
    """Everything one worker replica holds; passed to every `install` function."""

    settings: Settings
    app: faust.App
    names: TopicNames
    metrics: Metrics = field(default_factory=Metrics)
    readiness: Readiness = field(default_factory=Readiness)
    _topics: dict[str, faust.TopicT] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)

    def topic(
        self, *names: str, partitions: int | None = None, declare: bool = False, compacted: bool = False
    ) -> faust.TopicT:
        """A raw-bytes Faust topic over one or more names (cached, so agents and stores share it).

        `declare` has Faust create it (with `partitions`, compacted when `compacted`) when it
        subscribes; the first caller of a name decides how it is made.
        """
        key = ",".join(names)
        if key not in self._topics:
            self._topics[key] = self.app.topic(
                *names,
                key_type=bytes,
                value_type=bytes,
                key_serializer="raw",
                value_serializer="raw",
                partitions=partitions,
                internal=declare,
                compacting=True if compacted else None,
                config={"max.message.bytes": str(self.settings.max_event_bytes + _FRAME_OVERHEAD)},
            )
        return self._topics[key]

    def add_record_agent(self, source: faust.TopicT, name: str, handle: RecordHandler) -> None:
        """A Faust agent named `name` giving each record of `source` to `handle`, one at a time."""

        @self.app.agent(source, name=name)
        async def record_agent(stream: Any) -> None:
            async for event in stream.events():
                await handle(event.message, event.key, event.value)

    @property
    def internal_topic(self) -> faust.TopicT:
        """Valid OpenLineage events, keyed `run:{ns}/{job}`, read by every connector agent."""
        return self.topic(self.names.openlineage_internal, partitions=self.settings.topic_partitions)

    @property
    def dead_letter_topic(self) -> faust.TopicT:
        return self.topic(self.names.dead_letter, partitions=self.settings.topic_partitions)


def build_faust_app(settings: Settings) -> faust.App:
    """The Faust app: its id is the server name, so replicas form one consumer group."""
    replica_dir = settings.data_dir / f"worker-{settings.web_port}"
    replica_dir.mkdir(parents=True, exist_ok=True)
    max_bytes = settings.max_event_bytes + _FRAME_OVERHEAD
    return faust.App(
        settings.server_name,
        broker=settings.faust_broker_url(),
        store="memory://",
        datadir=str(replica_dir),
        autodiscover=False,
        web_enabled=True,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        web_application_options={"client_max_size": max_bytes},
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        broker_session_timeout=settings.session_timeout_s,
        broker_rebalance_timeout=settings.rebalance_timeout_s,
        broker_heartbeat_interval=settings.heartbeat_interval_s,
        producer_max_request_size=max_bytes,
        producer_acks=-1,
        consumer_max_fetch_size=max(max_bytes, 8 * 1024 * 1024),
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
    )


Installer = Callable[[LineageService], None]


def default_installers() -> list[Installer]:
    """The agents and views every worker runs, in the order they are installed."""
    from agents import asset_manager, cohort_member, openlineage_intake
    from agents.connectors import runner as connector_runner
    from app.web import install_views

    return [
        openlineage_intake.install,
        connector_runner.install,
        asset_manager.install,
        cohort_member.install,
        install_views,
    ]


def create_service(settings: Settings, installers: list[Installer] | None = None) -> LineageService:
    """Build the Faust app and install every agent and view into it."""
    if not settings.broker:
        raise ValueError("create_service needs settings.broker; the CLI resolves the embedded broker first")
    app = build_faust_app(settings)
    service = LineageService(settings=settings, app=app, names=TopicNames.from_settings(settings))
    _track_assignment(service)
    for install in installers if installers is not None else default_installers():
        install(service)
    return service


def _track_assignment(service: LineageService) -> None:
    """Keep readiness and the partition gauge in step with Faust's rebalances."""
    app = service.app

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode types its signals loosely
    async def _revoked(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        service.readiness.set("partitions_assigned", False)

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]
    async def _complete(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        assignment = app.consumer.assignment()
        service.metrics.assigned_partitions.set(len(assignment))
        service.readiness.set("partitions_assigned", True)
        log.info("Rebalance complete: %d partitions assigned", len(assignment))
