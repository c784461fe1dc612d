"""A stream: one consumer group over some topics, each record handed to a handler, in order.

Every stream of the worker (the OpenLineage intake, each connector, each connector's retry
topic, the catalogue, the Asset Manager events) is a `Stream`, so there is one commit model.
Records are taken in batches and each batch goes through one checkpoint sequence:

1. each record is handed to the handler, one at a time, in partition order (order per key);
2. the stores' pending writes are sent to their changelogs;
3. the producer sends what it holds at once and `before_commit` finishes what handlers left
   in progress (a connector's buffered writes);
4. every send made while handling the batch is checked: all were stored, or the batch is
   not committed;
5. the batch's offsets are committed;
6. the stores write the batch's state to disk with the changelog offsets reached.

What a failure does (decided by `runtime.failures.classify`):
- transient (the broker down or slow): the batch is handled again after a back-off, with
  jitter, without a limit, until it works or the stream loses the partitions;
- a record the handler rejects (`Rejected`): dead-lettered at once;
- a record whose handling (or whose output) fails for a reason of its own: handled again up
  to `POISON_ATTEMPTS` times, then dead-lettered, and the stream moves on.

Handlers are idempotent: a batch handled again, or redelivered to another replica after a
crash or a rebalance, changes nothing that was already done. A rebalance waits for the
batch in flight (a back-off in progress is cut short), so nothing is committed for a
partition this replica lost. A store's partition is recovered before its records are handed over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import OffsetAndMetadata

from runtime.clients import KafkaClients, first_offsets
from runtime.dead_letters import DeadLetters
from runtime.failures import (
    POISON_ATTEMPTS,
    Failure,
    Interrupted,
    Rejected,
    Throttled,
    classify,
    retrying,
    sleep_unless,
)
from runtime.metrics import Metrics
from runtime.producer import Producer, SendFailed, Sends, SourceRecord
from runtime.state import PartitionedStore

log = logging.getLogger(__name__)

RecordHandler = Callable[[Any], Awaitable[None]]
"""Handles one consumed record (aiokafka's ConsumerRecord: topic, partition, offset, key,
value, headers)."""

BeforeCommit = Callable[[], Awaitable[None]]

_interrupt: ContextVar[asyncio.Event | None] = ContextVar("lineage_stream_interrupt", default=None)


def current_interrupt() -> asyncio.Event | None:
    """Set when the stream handling the current record must let go of it (it is losing its
    partitions, or stopping); a handler's own retry loop passes it to `retrying(interrupt=...)`."""
    return _interrupt.get()


class _RedoBatch(Exception):
    """A record's output was refused: handle the batch again (that record counted once more)."""


class _Listener(ConsumerRebalanceListener):
    def __init__(self, stream: Stream) -> None:
        self.stream = stream

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.stream.revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.stream.assigned(set(assigned))


class Stream:
    """One consumer group's records through a handler, checkpointed batch by batch."""

    def __init__(
        self,
        name: str,
        topics: Sequence[str],
        group_id: str,
        handle: RecordHandler,
        *,
        clients: KafkaClients,
        producer: Producer,
        dead_letters: DeadLetters,
        metrics: Metrics,
        stores: Sequence[PartitionedStore] = (),
        before_commit: BeforeCommit | None = None,
        on_assigned: Callable[[set[TopicPartition]], None] | None = None,
        on_revoked: Callable[[set[TopicPartition]], None] | None = None,
    ) -> None:
        self.name = name
        self.topics = list(topics)
        self.group_id = group_id
        self.handle = handle
        self.clients = clients
        self.producer = producer
        self.dead_letters = dead_letters
        self.metrics = metrics
        self.stores = list(stores)
        self.before_commit = before_commit
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked
        self.assignment: set[TopicPartition] = set()
        self.joined = asyncio.Event()
        """Set once the group gave this replica its first assignment (possibly empty)."""
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._interrupt = asyncio.Event()
        self._stopping = False
        self._failures: dict[SourceRecord, tuple[int, BaseException]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._throttled = Throttled(log)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Join the group and start handling records (returns once the consumer started)."""
        self._consumer = self.clients.consumer(self.name, group_id=self.group_id)
        self._consumer.subscribe(self.topics, listener=_Listener(self))
        await self._consumer.start()
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        self._stopping = True
        self._interrupt.set()
        async with self._lock:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        for task in list(self._tasks):
            task.cancel()
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    def status(self) -> dict[str, Any]:
        return {
            "group": self.group_id,
            "topics": self.topics,
            "partitions": sorted(f"{tp.topic}[{tp.partition}]" for tp in self.assignment),
        }

    # -- rebalances --------------------------------------------------------------------
    def assigned(self, assigned: set[TopicPartition]) -> None:
        self.assignment = assigned
        for store in self.stores:
            mine = {tp for tp in assigned if tp.topic == store.source_topic}
            if mine:
                assert self._consumer is not None
                self._consumer.pause(*mine)  # held back until the store has caught up
                store.assign(tp.partition for tp in mine)
                for tp in mine:
                    self._background(self._resume_when_ready(store, tp))
        if self._on_assigned is not None:
            self._on_assigned(assigned)
        self.joined.set()

    def _background(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resume_when_ready(self, store: PartitionedStore, tp: TopicPartition) -> None:
        await store.wait_ready(tp.partition)
        if self._consumer is not None and tp in self.assignment:
            self._consumer.resume(tp)

    async def revoked(self, revoked: set[TopicPartition]) -> None:
        """Wait for the batch in flight (cutting a back-off short), then let go."""
        self._interrupt.set()
        async with self._lock:
            if not self._stopping:
                self._interrupt.clear()
            self.assignment -= revoked
            for store in self.stores:
                store.revoke(tp.partition for tp in revoked if tp.topic == store.source_topic)
            if self._on_revoked is not None:
                self._on_revoked(revoked)

    # -- the loop ----------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while not self._stopping:
            try:
                batch = await consumer.getmany(timeout_ms=200)
            except KafkaError as exc:
                self._throttled.warning("%s: reading failed (%r); trying again", self.name, exc)
                await sleep_unless(self._interrupt, 1.0)
                continue
            if not batch:
                continue
            async with self._lock:
                records = [r for tp, rs in batch.items() if tp in self.assignment for r in rs]
                self.metrics.events_in.labels(stream=self.name).inc(len(records))
                if records:
                    await self._checkpoint(records)

    async def _checkpoint(self, records: list[Any]) -> None:
        token = _interrupt.set(self._interrupt)
        try:
            async for attempt in retrying(_batch_again, interrupt=self._interrupt):
                with attempt:
                    await self._attempt(records)
        except Interrupted:
            for store in self.stores:
                store.abort()
            self._rewind(records)
        finally:
            _interrupt.reset(token)

    async def _attempt(self, records: list[Any]) -> None:
        """The checkpoint sequence (module docstring), once."""
        try:
            with Sends() as sends:
                for record in records:
                    sends.source = SourceRecord.of(record)
                    await self._handle_record(record)
                sends.source = None
                for store in self.stores:
                    await store.prepare(self.producer)
                await self.producer.flush_now()
                if self.before_commit is not None:
                    await self.before_commit()
                await sends.check()
        except BaseException as exc:
            for store in self.stores:
                store.abort()
            if not isinstance(exc, Exception) or isinstance(exc, Interrupted):
                raise
            self._throttled.warning(
                "%s: a batch of %d records failed (%r); handling it again", self.name, len(records), exc
            )
            raise self._attribute(exc) from exc
        await self._commit(records)
        for store in self.stores:
            store.commit()
        for record in records:
            self._failures.pop(SourceRecord.of(record), None)

    async def _handle_record(self, record: Any) -> None:
        source = SourceRecord.of(record)
        failed = self._failures.get(source)
        if failed is not None and failed[0] >= POISON_ATTEMPTS:
            await self.dead_letters.send_record(
                self.name, record, f"failed {failed[0]} times: {_describe(failed[1])}"
            )
            return
        try:
            await self.handle(record)
        except Interrupted:
            raise
        except Rejected as rejected:
            await self.dead_letters.send_record(self.name, record, rejected.reason, rejected)
        except Exception as exc:
            if classify(exc) is not Failure.RECORD:
                raise
            count = (failed[0] if failed else 0) + 1
            self._failures[source] = (count, exc)
            log.warning(
                "%s: handling %s failed (attempt %d of %d): %r",
                self.name,
                source,
                count,
                POISON_ATTEMPTS,
                exc,
            )
            raise _RedoBatch(f"{source} failed") from exc

    def _attribute(self, exc: Exception) -> Exception:
        """Count a refused output against the record that produced it."""
        if isinstance(exc, SendFailed) and exc.source is not None and classify(exc) is Failure.RECORD:
            count, _ = self._failures.get(exc.source, (0, exc))
            self._failures[exc.source] = (count + 1, exc)
            return _RedoBatch(str(exc))
        return exc

    async def _commit(self, records: list[Any]) -> None:
        assert self._consumer is not None
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in records:
            offsets[TopicPartition(record.topic, record.partition)] = OffsetAndMetadata(record.offset + 1, "")
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The group rebalanced meanwhile: the new owner handles these records again.
            log.warning("%s: commit failed (%r); the batch will be redelivered", self.name, exc)

    def _rewind(self, records: list[Any]) -> None:
        """Read a batch given up on again (partitions still held, the stream not stopping)."""
        if self._consumer is None or self._stopping:
            return
        for tp, offset in first_offsets(records).items():
            if tp in self.assignment:
                self._consumer.seek(tp, offset)


def _batch_again(exc: BaseException) -> bool:
    """A batch is handled again for anything but a cut-short wait."""
    return not isinstance(exc, Interrupted)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


class StreamFactory:
    """Makes the worker's streams with its shared clients, producer, dead letters and metrics;
    the one thing an agent needs to run a stream. Group ids are `<group_prefix>.<group>`."""

    def __init__(
        self,
        *,
        clients: KafkaClients,
        producer: Producer,
        dead_letters: DeadLetters,
        metrics: Metrics,
        group_prefix: str,
    ) -> None:
        self.clients = clients
        self.producer = producer
        self.dead_letters = dead_letters
        self.metrics = metrics
        self.group_prefix = group_prefix
        self.made: list[Stream] = []

    def stream(
        self,
        name: str,
        topics: Sequence[str],
        handle: RecordHandler,
        *,
        group: str | None = None,
        stores: Sequence[PartitionedStore] = (),
        before_commit: BeforeCommit | None = None,
        on_assigned: Callable[[set[TopicPartition]], None] | None = None,
        on_revoked: Callable[[set[TopicPartition]], None] | None = None,
    ) -> Stream:
        """A stream named `name` (logs, metrics, dead letters), in group `<prefix>.<group or name>`."""
        stream = Stream(
            name,
            topics,
            f"{self.group_prefix}.{group or name}",
            handle,
            clients=self.clients,
            producer=self.producer,
            dead_letters=self.dead_letters,
            metrics=self.metrics,
            stores=stores,
            before_commit=before_commit,
            on_assigned=on_assigned,
            on_revoked=on_revoked,
        )
        self.made.append(stream)
        return stream
