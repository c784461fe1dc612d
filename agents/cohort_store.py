"""Changelog-backed state: a store owned by the replica that owns a partition, and a reader any replica can run.

Why not a Faust Table: Faust recovers a table's changelog up to the *end offset* the broker
reports (ListOffsets "latest"). The embedded broker reports the base offset of the last
record batch there, too low when that batch holds several records, so a Faust table
recovered after a crash silently misses its newest writes. These classes replay a
changelog partition until the consumer's position reaches the *fetch high watermark*
(the one every fetch response carries, which is right on every broker), so they recover
exactly on Kafka and on the embedded broker alike.

`ChangelogStore` (writer side, one per stream):
- holds a map per partition of the stream topic it is co-partitioned with; the agent that
  owns partition p is the only writer of changelog partition p;
- keeps each value as the JSON bytes of its changelog record (`JsonValues`), decoded when
  read: a reference copy held as nested dicts takes ~8 KB against its ~2.4 KB of JSON
  (measured on the benchmark's instances), and bytes are one object the garbage collector
  never scans, where a dict tree is dozens of objects every full collection walks. A cohort
  member holds a copy of every instance it is told about, so this is most of its memory;
- on assignment it replays the changelog partition (incrementally when it held it before)
  before the agent may touch it: `await store.partition(p)` waits for that;
- a write updates the map and sends the changelog record through the app's producer,
  which the batch stream flushes, and whose acknowledgement it checks, before it commits
  the source offset: a write is durable before the event that caused it is acknowledged,
  and an event redelivered after a crash finds its own write already there (handlers are
  idempotent).

`ChangelogReader` (read side, any replica): tails every partition of a changelog topic and
keeps the latest value per key, for REST views, readiness and the lineage graph. It is
eventually consistent; `caught_up` says it has reached the high watermark once.

Records are ``key: utf-8 string``, ``value: JSON`` (``None``/tombstone deletes the key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.json_text import dump_json

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

_FETCH_WAIT_MS = 200
_FETCH_BYTES = 16 * 1024 * 1024


class JsonValues(Mapping[str, Any]):
    """Key -> value, each held as its JSON bytes and decoded on every read (a fresh copy).

    A read-only view for the agents (`ChangelogStore.partition`); the store writes the bytes
    (`raw`), in the order of its writes: the oldest key first (`move_to_end` on write).
    """

    __slots__ = ("raw",)

    def __init__(self) -> None:
        self.raw: OrderedDict[str, bytes] = OrderedDict()

    def __getitem__(self, key: str) -> Any:
        return orjson.loads(self.raw[key])

    def get(self, key: str, default: Any = None) -> Any:
        found = self.raw.get(key)
        return default if found is None else orjson.loads(found)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def set_raw(self, key: str, value: bytes) -> None:
        """Write `key` (the JSON bytes of its value), now the newest."""
        raw = self.raw
        raw[key] = value
        raw.move_to_end(key)

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Apply one changelog record: the last value of a key wins, a tombstone deletes it."""
        if key is None:
            return
        if value is None:
            self.raw.pop(key.decode(), None)
        else:
            self.set_raw(key.decode(), value)


def new_consumer(service: LineageService) -> AIOKafkaConsumer:
    """A group-less consumer for replaying or tailing a changelog."""
    return AIOKafkaConsumer(
        bootstrap_servers=service.settings.bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=_FETCH_WAIT_MS,
        max_partition_fetch_bytes=_FETCH_BYTES,
        fetch_max_bytes=_FETCH_BYTES,
        client_id=f"{service.settings.server_name}-changelog",
    )


async def replay_to_high_watermark(
    consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, apply: Callable[[Any], None]
) -> int:
    """Read `tp` from `start` until the position reaches the fetch high watermark; return the position.

    The consumer must already have `tp` assigned. The high watermark is taken from fetch
    responses, never from ListOffsets.
    """
    if start <= 0:
        await consumer.seek_to_beginning(tp)
    else:
        consumer.seek(tp, start)
    while True:
        batches = await consumer.getmany(tp, timeout_ms=_FETCH_WAIT_MS, max_records=5000)
        for record in batches.get(tp, []):
            apply(record)
        highwater = consumer.highwater(tp)
        position = await consumer.position(tp)
        if highwater is not None and position >= highwater:
            return position


class ChangelogStore:
    """Key -> JSON per partition, durable in a compacted changelog co-partitioned with `source_topic`."""

    def __init__(
        self, service: LineageService, *, name: str, source_topic: str, changelog: str, partitions: int
    ):
        self.service = service
        self.name = name
        self.source_topic = source_topic
        self.changelog_name = changelog
        self.partitions = partitions
        self.topic = service.topic(changelog, partitions=partitions, declare=True, compacted=True)
        self._data: dict[int, JsonValues] = {}
        self._positions: dict[int, int] = {}
        self._ready: dict[int, asyncio.Event] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._declared = False

    # -- assignment -------------------------------------------------------------------
    def on_assigned(self, partitions: Iterable[int]) -> None:
        """Start recovering newly assigned partitions (called from the rebalance signal)."""
        for p in partitions:
            self._event(p).clear()
            self._start_recovery(p)

    def on_revoked(self, partitions: Iterable[int]) -> None:
        """Another replica may write these partitions now: they must be replayed before reuse."""
        for p in partitions:
            self._event(p).clear()

    async def partition(self, p: int) -> JsonValues:
        """The values of partition p, once it is recovered (recovers it now if nobody started to)."""
        event = self._event(p)
        if not event.is_set():
            if p not in self._tasks or self._tasks[p].done():
                self._start_recovery(p)
            await event.wait()
        return self._data[p]

    def ready(self, p: int) -> bool:
        return self._event(p).is_set()

    # -- writes -----------------------------------------------------------------------
    async def put(self, p: int, key: str, value: Any) -> asyncio.Future[Any]:
        """Set key in partition p and send the changelog record; returns the delivery future."""
        encoded = dump_json(value)  # kept: sized to fit, where orjson's own bytes hold ~10x
        self._data[p].set_raw(key, encoded)
        sent = await self.service.produce(self.changelog_name, key.encode(), encoded, partition=p)
        return cast("asyncio.Future[Any]", sent)

    async def delete(self, p: int, key: str) -> asyncio.Future[Any] | None:
        if self._data[p].raw.pop(key, None) is None:
            return None
        sent = await self.service.produce(self.changelog_name, key.encode(), None, partition=p)
        return cast("asyncio.Future[Any]", sent)

    # -- recovery ---------------------------------------------------------------------
    def _event(self, p: int) -> asyncio.Event:
        if p not in self._ready:
            self._ready[p] = asyncio.Event()
            self._locks[p] = asyncio.Lock()
        return self._ready[p]

    def _start_recovery(self, p: int) -> None:
        self._tasks[p] = asyncio.ensure_future(self._recover(p))

    async def _recover(self, p: int) -> None:
        async with self._locks[p]:
            while True:
                try:
                    await self._replay(p)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker hiccup: retry, the agent waits meanwhile
                    log.warning("Recovering %s[%d] failed (%s); retrying", self.changelog_name, p, exc)
                    await asyncio.sleep(1.0)
            self._event(p).set()

    async def _replay(self, p: int) -> None:
        if not self._declared:
            await self.topic.maybe_declare()
            self._declared = True
        data = self._data.setdefault(p, JsonValues())
        start = self._positions.get(p, 0)
        consumer = new_consumer(self.service)
        await consumer.start()
        replayed = 0
        try:
            tp = TopicPartition(self.changelog_name, p)
            consumer.assign([tp])

            def apply(record: Any) -> None:
                nonlocal replayed
                data.apply(record.key, record.value)
                replayed += 1

            self._positions[p] = await replay_to_high_watermark(consumer, tp, start, apply)
        finally:
            await consumer.stop()
        log.info(
            "Recovered %s[%d]: %d changelog records replayed from offset %d, %d keys",
            self.name,
            p,
            replayed,
            start,
            len(data),
        )


class ChangelogReader:
    """Latest value per key of a whole changelog topic, tailed continuously (read-only, any replica)."""

    def __init__(self, service: LineageService, *, name: str, topic: str, max_keys: int | None = None):
        self.service = service
        self.name = name
        self.topic_name = topic
        self.max_keys = max_keys
        self.data: OrderedDict[str, Any] = OrderedDict()
        self.caught_up = asyncio.Event()
        self.listeners: list[Callable[[str, Any], None]] = []

    def install(self) -> None:
        """Run the tail as a Faust task, stopped with the app."""
        self.service.app.task(self._run)

    async def _run(self) -> None:
        while True:
            try:
                await self._tail()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Reading %s failed (%s); retrying", self.topic_name, exc)
                await asyncio.sleep(1.0)

    async def _tail(self) -> None:
        consumer = new_consumer(self.service)
        await consumer.start()
        try:
            partitions = await self._partitions(consumer)
            tps = [TopicPartition(self.topic_name, p) for p in partitions]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            self.data.clear()
            while True:
                batches = await consumer.getmany(*tps, timeout_ms=500, max_records=5000)
                for records in batches.values():
                    for record in records:
                        self._apply(record.key, record.value)
                if not self.caught_up.is_set() and await self._at_high_watermark(consumer, tps):
                    self.caught_up.set()
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[int]:
        """The topic's partitions, waiting for a topic that does not exist yet."""
        while True:
            cluster = await consumer._client.fetch_all_metadata()
            partitions = cluster.partitions_for_topic(self.topic_name)
            if partitions:
                return sorted(partitions)
            await asyncio.sleep(0.5)

    @staticmethod
    async def _at_high_watermark(consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> bool:
        for tp in tps:
            highwater = consumer.highwater(tp)
            if highwater is None or await consumer.position(tp) < highwater:
                return False
        return True

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        name = key.decode()
        if value is None:
            self.data.pop(name, None)
            decoded = None
        else:
            decoded = orjson.loads(value)
            self.data[name] = decoded
            self.data.move_to_end(name)
            if self.max_keys is not None:
                while len(self.data) > self.max_keys:
                    self.data.popitem(last=False)
        for listener in self.listeners:
            listener(name, decoded)
