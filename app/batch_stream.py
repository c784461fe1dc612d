"""A batch stream: the hot-path consumer, a service inside the Faust app.

Why not a Faust agent: measured here (benchmarks/README.md), every record through a Faust
agent costs 150-400 µs of CPU in Faust's own machinery (message wrapping, the conductor,
the stream queue, one `wait_first` per message, sensors, acks), which caps a worker at a
few thousand events per second whatever the handler does. This service keeps everything
else Faust gives (the app's lifecycle, its producer, web server, other agents) and replaces
only that per-record path: one aiokafka consumer, `getmany` in batches, each record handed
to the same `handle(record, key, value)` the agents used, then one producer flush and one
commit per batch.

Guarantees, the same as the agents had:
- commit after handling: a batch's offsets are committed only after every record was
  handled, everything the handlers produced was stored by the broker (each send's
  acknowledgement is checked, `app/producer.py`: a refused record fails the batch), and
  `before_commit` finished what the handlers left in progress (a connector's buffered
  writes, in the spirit of Kafka Connect's `SinkTask.flush` before a commit);
- order per key: one loop, records handed over one at a time in partition order;
- replicas share the work: the consumer group is `<server>.<stream name>`;
- rebalance: partitions are revoked only between batches (the listener waits for the
  batch in flight), so nothing is committed for a partition this replica lost;
- a handler that raises does not lose the batch: the consumer seeks back to the batch's
  first offsets and the batch is handled again after a pause (handlers are idempotent).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError
from mode import Service

from app.producer import BatchSends

if TYPE_CHECKING:
    import faust

    from app.service import LineageService

log = logging.getLogger(__name__)

RecordHandler = Callable[[Any, bytes | None, bytes | None], Awaitable[None]]
"""Handles one consumed record: (record with topic/partition/offset/headers, key, value)."""

BeforeCommit = Callable[[], Awaitable[None]]
"""Finishes what the handlers of a batch left in progress (a connector's buffered writes);
raising fails the batch, which is then handled again."""

_RETRY_PAUSE_S = 1.0
_RETRY_PAUSE_MAX_S = 30.0


class _Rebalance(ConsumerRebalanceListener):
    """Revocation waits for the batch in flight; both ends are reported to the service."""

    def __init__(self, stream: BatchStream) -> None:
        self.stream = stream

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self.stream.batch_lock:
            self.stream.assignment = set()
            self.stream.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.stream.assignment = set(assigned)
        self.stream.on_assigned(set(assigned))


class BatchStream(Service):
    """Consume `topics` in batches, hand each record to `handle`, flush, then commit."""

    def __init__(
        self,
        service: LineageService,
        source: faust.TopicT,
        name: str,
        handle: RecordHandler,
        before_commit: BeforeCommit | None = None,
        **kwargs: Any,
    ) -> None:
        self.lineage = service
        self.source = source
        self.topics = sorted(source.topics)
        self.stream_name = name
        self.handle = handle
        self.before_commit = before_commit
        self.batch_lock = asyncio.Lock()
        self.assignment: set[TopicPartition] = set()
        self.consumer: AIOKafkaConsumer | None = None
        # Required from the start: /ready must not answer 200 before this stream has joined.
        service.readiness.require(f"stream:{name}")
        super().__init__(**kwargs)

    @property
    def group_id(self) -> str:
        return f"{self.lineage.settings.server_name}.{self.stream_name}"

    def on_assigned(self, assigned: set[TopicPartition]) -> None:
        self.lineage.readiness.set(f"stream:{self.stream_name}", True)
        self.lineage.partitions_assigned(assigned)

    def on_revoked(self, revoked: set[TopicPartition]) -> None:
        self.lineage.partitions_revoked(revoked)

    def _new_consumer(self) -> AIOKafkaConsumer:
        settings = self.lineage.settings
        return AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            group_id=self.group_id,
            client_id=f"{settings.server_name}-{self.stream_name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=settings.stream_batch_records,
            fetch_max_wait_ms=settings.stream_fetch_wait_ms,
            max_partition_fetch_bytes=max(settings.max_event_bytes + 65536, 1024 * 1024),
            fetch_max_bytes=max(settings.max_event_bytes + 65536, 16 * 1024 * 1024),
            session_timeout_ms=int(settings.session_timeout_s * 1000),
            rebalance_timeout_ms=int(settings.rebalance_timeout_s * 1000),
            heartbeat_interval_ms=int(settings.heartbeat_interval_s * 1000),
        )

    async def on_start(self) -> None:
        if self.source.internal:
            # Topics this service owns are created as declared (partitions, compaction);
            # subscribing alone would have the broker auto-create them with its defaults.
            await self.source.maybe_declare()
        self.consumer = self._new_consumer()
        self.consumer.subscribe(self.topics, listener=_Rebalance(self))
        await self.consumer.start()

    async def on_stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()

    @Service.task
    async def _consume(self) -> None:
        assert self.consumer is not None
        consumer = self.consumer
        pause = _RETRY_PAUSE_S
        while not self.should_stop:
            batch = await consumer.getmany(timeout_ms=200)
            if not batch:
                continue
            async with self.batch_lock:
                try:
                    await self._handle_batch(batch)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception(
                        "%s: a batch failed; it will be handled again in %.0fs", self.stream_name, pause
                    )
                    self._rewind(batch)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, _RETRY_PAUSE_MAX_S)
                    continue
                pause = _RETRY_PAUSE_S
                await self._commit()

    async def _handle_batch(self, batch: dict[TopicPartition, list[Any]]) -> None:
        handle = self.handle
        with BatchSends() as sends:
            for records in batch.values():
                for record in records:
                    await handle(record, record.key, record.value)
            # Whatever the handlers produced or left in progress is done before the offsets
            # move on: sent at once (nothing more will join it), stored, not just attempted.
            await self.lineage.producer.flush_now()
            if self.before_commit is not None:
                await self.before_commit()
        await sends.check()

    def _rewind(self, batch: dict[TopicPartition, list[Any]]) -> None:
        assert self.consumer is not None
        for tp, records in batch.items():
            if records and tp in self.assignment:
                self.consumer.seek(tp, records[0].offset)

    async def _commit(self) -> None:
        assert self.consumer is not None
        try:
            await self.consumer.commit()
        except (CommitFailedError, KafkaError) as exc:
            # The group rebalanced meanwhile: the new owner handles these records again
            # (handlers are idempotent); nothing is committed for a partition we lost.
            log.warning("%s: commit failed (%s); the batch will be redelivered", self.stream_name, exc)

    def assigned_partitions(self) -> list[TopicPartition]:
        return sorted(self.assignment)
