"""A follower: every replica reads every partition of some topics into its own store.

State a replica must hold whole (the cohort's members, TypeDefs and reference copies,
the lineage read models) is built this way: each replica reads each record once,
in partition order, and applies it to its `ReplicaStore`, with the position reached in
each partition written beside the state. A restart reads only what came after.

Some records also call for a side effect that must happen once for the whole service (an
answer to a cohort member, an error event, a dead letter). For those, the follower joins a
consumer group on the same topics (`ownership_group`) that it never reads through: the
group only says which replica owns which partition, and keeps, as its committed offsets,
how far the side effects of each partition are done. The handler is told, per record,
whether this replica acts on it:

    acting = the replica owns the record's partition and the record is at or after the
             offset where side effects were done up to when it gained the partition.

A replica that gains a partition it had read further than the committed offset reads that
part again (state changes are idempotent) so that the side effects in it are done; one
that is behind reads up to the committed offset without them. With no committed offset
yet, side effects start at the partition's end when the group first assigns it: a new
service does not answer the history it finds. After each batch: sends flushed and checked,
the owned partitions' offsets committed, then the state written with the positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import OffsetAndMetadata

from runtime.clients import KafkaClients, first_offsets, partition_of, partitions_of, stop_consumer
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
from runtime.kv import KeyValue
from runtime.metrics import Metrics
from runtime.producer import Producer, SendFailed, Sends, SourceRecord
from runtime.state import ReplicaStore, past_the_end

log = logging.getLogger(__name__)

FollowHandler = Callable[[Any, KeyValue, bool], Awaitable[None]]
"""Applies one record to the store (record, state, acting): with `acting`, it also does the
record's side effects (sends)."""

GainedHandler = Callable[[set[TopicPartition], KeyValue], Awaitable[None]]
"""Runs once this replica gained partitions and has read them to where the group was: the
side effects tied to ownership itself (the cohort registration)."""

GAIN_SETTLE_S = 0.5
"""After gaining partitions, how long the reader fetches before `on_gained` may run: fetches
sent after the gain report high watermarks that include what the previous owner stored."""


class _Ownership(ConsumerRebalanceListener):
    def __init__(self, follower: Follower) -> None:
        self.follower = follower

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.follower.lose(set(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self.follower.gain(set(assigned))


class Follower:
    """Reads whole topics into a ReplicaStore on every replica (module docstring)."""

    def __init__(
        self,
        name: str,
        topics: Sequence[str],
        handle: FollowHandler,
        *,
        store: ReplicaStore,
        clients: KafkaClients,
        producer: Producer,
        dead_letters: DeadLetters,
        metrics: Metrics,
        ownership_group: str | None = None,
        on_gained: GainedHandler | None = None,
    ) -> None:
        self.name = name
        self.topics = list(topics)
        self.handle = handle
        self.store = store
        self.clients = clients
        self.producer = producer
        self.dead_letters = dead_letters
        self.metrics = metrics
        self.ownership_group = ownership_group
        self.on_gained = on_gained
        self.caught_up = asyncio.Event()
        """Set once every partition was read to the end it had when the follower started."""
        self.joined = asyncio.Event()
        """Set once the ownership group gave this replica its first assignment (at once without a group)."""
        self.owned: set[TopicPartition] = set()
        self._act_from: dict[TopicPartition, int] = {}
        self._gained: set[TopicPartition] = set()
        self._gained_at = 0.0
        self._reader: AIOKafkaConsumer | None = None
        self._owner: AIOKafkaConsumer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._interrupt = asyncio.Event()
        """Set when a batch in flight must be let go: stopping, or ownership being revoked."""
        self._failures: dict[SourceRecord, int] = {}
        self._targets: dict[TopicPartition, int] | None = None
        self.behind: int | None = None
        """Records of its topics not yet read into the state, as of the high watermarks of the
        last fetches (None until every partition has been fetched once)."""
        self._throttled = Throttled(log)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        partitions, positions = await self._checked_positions()
        self._reader = self.clients.consumer(f"{self.name}-reader")
        await self._reader.start()
        self._reader.assign(partitions)
        for tp in partitions:
            if tp in positions:
                self._reader.seek(tp, positions[tp])
            else:
                await self._reader.seek_to_beginning(tp)
        if self.ownership_group is not None:
            self._owner = self.clients.consumer(f"{self.name}-owner", group_id=self.ownership_group)
            self._owner.subscribe(self.topics, listener=_Ownership(self))
            await self._owner.start()
            self._tasks.append(asyncio.ensure_future(self._keep_membership()))
        else:
            self.joined.set()
        self._tasks.append(asyncio.ensure_future(self._run()))

    async def stop(self) -> None:
        self._stop.set()
        self._interrupt.set()
        async with self._lock:
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for consumer in (self._owner, self._reader):
            if consumer is not None:
                await stop_consumer(consumer)
        self._owner = self._reader = None

    async def _checked_positions(self) -> tuple[list[TopicPartition], dict[TopicPartition, int]]:
        """The partitions to read, and where to start: the positions checkpointed with the
        state, or nothing when one of them is past its partition's end (the broker is new or
        the topics were recreated): then the state is rebuilt from the topics' start."""
        probe = self.clients.consumer(f"{self.name}-probe", auto_offset_reset="none")
        await probe.start()
        try:
            partitions = await partitions_of(probe, self.topics)
            probe.assign(partitions)
            positions = self.store.positions()
            for tp, offset in positions.items():
                if tp in partitions and await past_the_end(probe, tp, offset):
                    log.warning(
                        "%s: the state on disk has read %s up to offset %d, past its end (a new broker, or "
                        "the topics were recreated): rebuilding it from the topics",
                        self.name, tp, offset,
                    )  # fmt: skip
                    self.store.reset()
                    return partitions, {}
            return partitions, positions
        finally:
            await stop_consumer(probe)

    def status(self) -> dict[str, Any]:
        return {
            "topics": self.topics,
            "caughtUp": self.caught_up.is_set(),
            "behind": self.behind,
            "ownershipGroup": self.ownership_group,
            "owned": sorted(f"{tp.topic}[{tp.partition}]" for tp in self.owned),
        }

    # -- ownership ---------------------------------------------------------------------
    async def _keep_membership(self) -> None:
        """Poll the (fully paused) ownership consumer, so the group sees it alive."""
        assert self._owner is not None
        while not self._stop.is_set():
            try:
                await self._owner.getmany(timeout_ms=1000)
            except KafkaError as exc:
                log.debug("%s: ownership poll failed: %r", self.name, exc)
                await sleep_unless(self._stop, 1.0)

    async def gain(self, assigned: set[TopicPartition]) -> None:
        assert self._owner is not None and self._reader is not None
        self._owner.pause(*assigned)
        async with self._lock:
            for tp in assigned:
                committed = await self._owner.committed(tp)
                if committed is None:
                    committed = (await self._owner.end_offsets([tp]))[tp]
                    await self._owner.commit({tp: OffsetAndMetadata(committed, "")})
                self._act_from[tp] = committed
                if await self._reader.position(tp) > committed:
                    self._reader.seek(tp, committed)  # redo the side effects from there
            self._gained |= assigned - self.owned
            self._gained_at = time.monotonic()
            self.owned = set(assigned)
        self.joined.set()

    async def lose(self, revoked: set[TopicPartition]) -> None:
        self._interrupt.set()  # a batch retrying a transient failure is read again later
        async with self._lock:
            if not self._stop.is_set():
                self._interrupt.clear()
            self.owned -= revoked
            self._gained -= revoked
            for tp in revoked:
                self._act_from.pop(tp, None)

    def acting(self, record: Any) -> bool:
        tp = TopicPartition(record.topic, record.partition)
        start = self._act_from.get(tp)
        return start is not None and record.offset >= start

    # -- the loop ----------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._reader is not None
        reader = self._reader
        while not self._stop.is_set():
            try:
                batch = await reader.getmany(timeout_ms=200)
            except KafkaError as exc:
                self._throttled.warning("%s: reading failed (%r); trying again", self.name, exc)
                await sleep_unless(self._stop, 1.0)
                continue
            async with self._lock:
                records = [r for rs in batch.values() for r in rs]
                if records:
                    self.metrics.events_in.labels(stream=self.name).inc(len(records))
                    await self._checkpoint(records)
                await self._check_caught_up(reader)
                self.behind = await self._records_behind(reader)
                if (
                    self._gained
                    and self.on_gained is not None
                    and await self._read_since_gained(reader)
                    and await self._checkpoint([], gained=self._gained)
                ):
                    self._gained = set()

    async def _read_since_gained(self, reader: AIOKafkaConsumer) -> bool:
        """Whether everything stored before this replica gained its partitions has been read:
        the previous owner did its side effects before it let go of them, and the reader has
        since fetched (`GAIN_SETTLE_S`) up to the high watermarks those fetches reported."""
        if not self.caught_up.is_set() or time.monotonic() - self._gained_at < GAIN_SETTLE_S:
            return False
        for tp in reader.assignment():
            highwater = reader.highwater(tp)
            if highwater is None or await reader.position(tp) < highwater:
                return False
        return True

    async def _records_behind(self, reader: AIOKafkaConsumer) -> int | None:
        behind = 0
        for tp in reader.assignment():
            highwater = reader.highwater(tp)
            if highwater is None:
                return None
            behind += max(0, highwater - await reader.position(tp))
        return behind

    async def _check_caught_up(self, reader: AIOKafkaConsumer) -> None:
        if self.caught_up.is_set():
            return
        if self._targets is None:
            marks = {tp: reader.highwater(tp) for tp in reader.assignment()}
            if any(mark is None for mark in marks.values()):
                return
            self._targets = {tp: mark for tp, mark in marks.items() if mark is not None}
        for tp, target in self._targets.items():
            if await reader.position(tp) < target:
                return
        self.caught_up.set()
        log.info("%s: read up to date (%d partitions)", self.name, len(self._targets))

    async def _checkpoint(self, records: list[Any], gained: set[TopicPartition] | None = None) -> bool:
        """The checkpoint sequence until it completes (True), or is cut short (False)."""
        try:
            async for attempt in retrying(
                lambda exc: not isinstance(exc, Interrupted), interrupt=self._interrupt
            ):
                with attempt:
                    await self._attempt(records, gained)
        except Interrupted:
            self.store.abort()
            self._read_again(records)
            return False
        return True

    def _read_again(self, records: list[Any]) -> None:
        """A batch given up on (its state not written) is read again from its first records."""
        if self._reader is None or self._stop.is_set():
            return
        for tp, offset in first_offsets(records).items():
            self._reader.seek(tp, offset)

    async def _attempt(self, records: list[Any], gained: set[TopicPartition] | None) -> None:
        try:
            with Sends() as sends:
                for record in records:
                    sends.source = SourceRecord.of(record)
                    await self._apply(record)
                sends.source = None
                if gained and self.on_gained is not None:
                    await self.on_gained(gained, self.store.tx)
                await self.producer.flush_now()
                await sends.check()
        except Exception as exc:
            self.store.abort()
            self._throttled.warning(
                "%s: a batch of %d records failed (%r); handling it again", self.name, len(records), exc
            )
            if isinstance(exc, SendFailed) and exc.source is not None and classify(exc) is Failure.RECORD:
                self._failures[exc.source] = self._failures.get(exc.source, 0) + 1
            raise
        await self._commit_owned(records)
        assert self._reader is not None
        positions = {tp: await self._reader.position(tp) for tp in {partition_of(r) for r in records}}
        self.store.commit(positions)
        for record in records:
            self._failures.pop(SourceRecord.of(record), None)

    async def _apply(self, record: Any) -> None:
        source = SourceRecord.of(record)
        acting = self.acting(record)
        failures = self._failures.get(source, 0)
        if failures >= POISON_ATTEMPTS:
            await self._give_up(record, acting, f"failed {failures} times")
            return
        try:
            await self.handle(record, self.store.tx, acting)
        except Interrupted:
            raise
        except Rejected as rejected:
            if acting:
                await self.dead_letters.send_record(self.name, record, rejected.reason, rejected)
        except Exception as exc:
            if classify(exc) is not Failure.RECORD:
                raise
            self._failures[source] = failures + 1
            log.warning(
                "%s: handling %s failed (attempt %d of %d): %r",
                self.name,
                source,
                failures + 1,
                POISON_ATTEMPTS,
                exc,
            )
            raise

    async def _give_up(self, record: Any, acting: bool, reason: str) -> None:
        if acting:
            await self.dead_letters.send_record(self.name, record, reason)
        else:
            log.warning(
                "%s: skipping %s, which fails on every attempt (its owner dead-letters it)",
                self.name,
                SourceRecord.of(record),
            )

    async def _commit_owned(self, records: list[Any]) -> None:
        if self._owner is None:
            return
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in records:
            tp = partition_of(record)
            if tp in self.owned:
                reached = max(record.offset + 1, self._act_from.get(tp, 0))
                offsets[tp] = OffsetAndMetadata(reached, "")
        if not offsets:
            return
        try:
            await self._owner.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            log.warning(
                "%s: committing side effects failed (%r); the next owner does them again", self.name, exc
            )
