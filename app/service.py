"""The service: one Faust app per server name, its topics, its agents and its web views.

`create_service(settings)` is the single place that wires things together. Each agent
module exposes `install(service)`; the web views do the same. Tests and the CLI build the
service the same way, so what runs in a test is what runs in production.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import faust
from faust.types import ProducerT

from app.batch_stream import BatchStream, BeforeCommit, RecordHandler
from app.metrics import Metrics
from app.partitioner import KeyPartitioner
from app.producer import WorkerProducer
from app.readiness import Readiness
from app.settings import Settings
from app.topics import TopicNames

log = logging.getLogger(__name__)

# Room above the largest accepted event for headers and record-batch framing.
_FRAME_OVERHEAD = 64 * 1024

PartitionsCallback = Callable[[set[int]], None]


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
    streams: list[BatchStream] = field(default_factory=list)
    _partition_watchers: list[tuple[str, PartitionsCallback, PartitionsCallback]] = field(
        default_factory=list
    )

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

    async def produce(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
    ) -> Awaitable[Any]:
        """Hand one record to the app's producer; returns the future of its acknowledgement.

        The hot paths' way to produce: the app's producer directly, without a Faust topic's
        per-message wrapping. Batch streams flush the producer before they commit.
        """
        return await self.producer.send(topic, key, value, partition, None, headers)

    @property
    def producer(self) -> WorkerProducer:
        """The app's producer: always a `WorkerProducer`, which `LineageApp` makes."""
        return cast(WorkerProducer, self.app.producer)

    def add_record_agent(
        self,
        source: faust.TopicT,
        name: str,
        handle: RecordHandler,
        before_commit: BeforeCommit | None = None,
    ) -> None:
        """Hand each record of `source` to `handle`, one at a time, in a batch stream named `name`.

        A `BatchStream` (app/batch_stream.py), not a Faust agent: the same guarantees
        (commit after handling, order per key, replicas share partitions) without Faust's
        per-record cost. The topic is still declared through Faust, so it is created.
        `before_commit` runs after each batch, before its offsets are committed.
        """
        stream = BatchStream(self, source, name, handle, before_commit)
        self.streams.append(stream)
        # Faust starts registered services (instances too) once the app has started.
        self.app.service(stream)  # type: ignore[arg-type]

    def declared_topics(self) -> list[faust.TopicT]:
        """The topics this service owns (made with `declare=True`)."""
        return [topic for topic in self._topics.values() if topic.internal]

    def on_partitions(self, topic: str, *, assigned: PartitionsCallback, revoked: PartitionsCallback) -> None:
        """Be told which partitions of `topic` this replica gains and loses, whoever consumes it."""
        self._partition_watchers.append((topic, assigned, revoked))

    def partitions_assigned(self, tps: set[Any]) -> None:
        for topic, assigned, _ in self._partition_watchers:
            partitions = {tp.partition for tp in tps if tp.topic == topic}
            if partitions:
                assigned(partitions)

    def partitions_revoked(self, tps: set[Any]) -> None:
        for topic, _, revoked in self._partition_watchers:
            partitions = {tp.partition for tp in tps if tp.topic == topic}
            if partitions:
                revoked(partitions)

    def assigned_partitions(self) -> list[Any]:
        """Every partition this replica holds: Faust's consumer's and the batch streams'."""
        try:
            assignment = set(self.app.consumer.assignment())
        except Exception:  # the consumer is not started yet
            assignment = set()
        for stream in self.streams:
            assignment |= stream.assignment
        return sorted(assignment)

    @property
    def internal_topic(self) -> faust.TopicT:
        """Valid OpenLineage events, keyed `run:{ns}/{job}`, read by every connector agent."""
        return self.topic(
            self.names.openlineage_internal, partitions=self.settings.topic_partitions, declare=True
        )

    @property
    def dead_letter_topic(self) -> faust.TopicT:
        return self.topic(self.names.dead_letter, partitions=self.settings.topic_partitions, declare=True)


class LineageApp(faust.App):
    """The Faust app with the worker's producer (`app/producer.py`): batch streams check that
    everything they sent was stored before they commit."""

    def _new_producer(self) -> ProducerT:
        return WorkerProducer(self.transport, loop=self.loop, beacon=self.beacon)


def build_faust_app(settings: Settings) -> faust.App:
    """The Faust app: its id is the server name, so replicas form one consumer group."""
    replica_dir = settings.data_dir / f"worker-{settings.web_port}"
    replica_dir.mkdir(parents=True, exist_ok=True)
    max_bytes = settings.max_event_bytes + _FRAME_OVERHEAD
    return LineageApp(
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
        # Batch produce requests: Faust's default (no linger, 16 KB) sends one small request
        # per record, measured at 8% of a worker's CPU (benchmarks/README.md).
        producer_linger=settings.producer_linger_s,
        producer_max_batch_size=256 * 1024,
        producer_partitioner=KeyPartitioner(),
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
    # Declared up front so the worker creates them before anything produces to them.
    service.internal_topic, service.dead_letter_topic  # noqa: B018
    for install in installers if installers is not None else default_installers():
        install(service)
    return service


def _track_assignment(service: LineageService) -> None:
    """Keep readiness, the partition gauge and partition watchers in step with Faust's rebalances."""
    app = service.app

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode types its signals loosely
    async def _revoked(sender: Any, revoked: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        service.readiness.set("partitions_assigned", False)
        service.partitions_revoked(set(revoked))

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def _assigned(sender: Any, assigned: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        service.partitions_assigned(set(assigned))

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]
    async def _complete(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        service.metrics.assigned_partitions.set(len(service.assigned_partitions()))
        service.readiness.set("partitions_assigned", True)
        log.info("Rebalance complete: %d partitions assigned", len(app.consumer.assignment()))
