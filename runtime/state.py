"""State on disk: RocksDB stores under LINEAGE_DATA_DIR, written once per checkpoint.

Two kinds of store, both read and written by handlers through `runtime.kv.KeyValue`:

- `PartitionedStore`: the state of one stream, one RocksDB per partition of the stream's
  topic, backed by a compacted changelog topic co-partitioned with it. Only the replica
  that owns partition p writes partition p. On assignment, the partition is brought up to
  date from the changelog, starting at the changelog offset checkpointed beside the data,
  so a restart reads only the tail; the stream holds back that partition's records until
  it is. A checkpoint that is ahead of the changelog (the broker is new, or the topic was
  recreated) makes the partition rebuild from the changelog's start, with a log line.
- `ReplicaStore`: state every replica builds for itself from whole topics (a `Follower`),
  one RocksDB with the position reached in each source partition checkpointed beside the
  data. The source topics are its log; it has no changelog.

Writes go into a `Transaction` (pending writes over the database, read back by the same
handler) and reach RocksDB in one atomic write batch together with the checkpoint, at the
end of the stream's checkpoint sequence: after everything the batch sent was acknowledged
and its offsets were committed. So the data and its checkpoint always agree. RocksDB's own
write-ahead log is off: a crash loses at most the writes since the last memtable flush,
data and checkpoint together, and they are read again from Kafka.

Keys are bytes; keys starting with 0x00 are the store's own (checkpoints) and are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import shutil
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import OffsetOutOfRangeError
from rocksdict import BlockBasedOptions, Cache, Options, Rdict, WriteBatch, WriteOptions
from sortedcontainers import SortedDict

from runtime.clients import KafkaClients, stop_consumer
from runtime.failures import retrying
from runtime.producer import Producer, SourceRecord, current_sends

log = logging.getLogger(__name__)

_META = b"\x00"
_CHANGELOG_OFFSET = _META + b"changelog-offset"
_POSITION = _META + b"position/"
_FETCH_RECORDS = 5000

BLOCK_CACHE_BYTES = 128 * 2**20
"""One block cache for every store of the process: the blocks read, and the index and
bloom-filter blocks of every table file, so a store's memory stays bounded as it grows."""
WRITE_BUFFER_BYTES = 64 * 2**20
"""Size of a store's memtable; at most two per store before a flush."""
_block_cache: Cache | None = None


def _shared_block_cache() -> Cache:
    global _block_cache
    if _block_cache is None:
        _block_cache = Cache(BLOCK_CACHE_BYTES)
    return _block_cache


def _options() -> Options:
    """RocksDB options of every store: a bounded memory (the shared block cache holds the
    table files' index and filter blocks too, and each store keeps at most two memtables),
    and a bloom filter so a read of a key that is not there seldom touches a table file."""
    options = Options(raw_mode=True)
    options.create_if_missing(True)
    table = BlockBasedOptions()
    table.set_block_cache(_shared_block_cache())
    table.set_bloom_filter(10, False)
    table.set_cache_index_and_filter_blocks(True)
    table.set_pin_l0_filter_and_index_blocks_in_cache(True)
    options.set_block_based_table_factory(table)
    options.set_write_buffer_size(WRITE_BUFFER_BYTES)
    options.set_max_write_buffer_number(2)
    return options


class StateDirInUse(RuntimeError):
    """Another worker process holds this state directory."""


class StateDir:
    """The directory of a worker's stores, held by one process at a time (a lock file)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock: Any = None

    def acquire(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / "LOCK", "a+")  # noqa: SIM115  # held for the worker's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StateDirInUse(
                f"{self.root} is used by another worker: give each replica its own LINEAGE_DATA_DIR"
            ) from None
        self._lock = handle

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class LocalDB:
    """One RocksDB: user keys, plus the store's own keys under 0x00."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._db: Rdict | None = Rdict(str(path), _options())
        write = WriteOptions()
        setattr(write, "disable_wal", True)  # noqa: B010  # a property; the type stubs call it a method
        self._db.set_write_options(write)
        self.generation = 0
        """Counts the writes to this database (what a reader remembered may be out of date)."""
        self._idle: list[Any] = []
        """Iterators no scan is using, made since the last write: creating one costs more
        than the seek, and a scan usually reads one or two keys."""

    @property
    def db(self) -> Rdict:
        if self._db is None:
            raise RuntimeError(f"the store at {self.path} is closed")
        return self._db

    def get(self, key: bytes) -> bytes | None:
        value: bytes | None = self.db.get(key)
        return value

    def scan(self, prefix: bytes, start: bytes | None, reverse: bool) -> Iterator[tuple[bytes, bytes]]:
        """User keys starting with `prefix` in key order (descending with `reverse`), from
        `start` when given."""
        generation = self.generation
        it = self._idle.pop() if self._idle else self.db.iter()
        try:
            if reverse:
                it.seek_for_prev(start if start is not None else _after_prefix(prefix))
                while it.valid():
                    key = it.key()
                    if key < prefix or key.startswith(_META):
                        break
                    if key.startswith(prefix):
                        yield key, it.value()
                    it.prev()
                return
            it.seek(max(prefix, start) if start is not None else prefix)
            while it.valid():
                key = it.key()
                if not key.startswith(prefix):
                    break
                if not key.startswith(_META):
                    yield key, it.value()
                it.next()
        finally:
            if generation == self.generation and self._db is not None:
                self._idle.append(it)

    def write(self, batch: WriteBatch) -> None:
        self.db.write(batch)
        self.generation += 1
        self._idle.clear()

    def meta(self, key: bytes) -> bytes | None:
        return self.get(key)

    def clear(self) -> None:
        """Remove everything, the store's own keys included."""
        generation = self.generation
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)
        self.__init__(self.path)  # type: ignore[misc]
        self.generation = generation + 1

    def close(self) -> None:
        self._idle.clear()
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.flush()
            self._db.close()
            self._db = None


@lru_cache(maxsize=1 << 12)
def _after_prefix(prefix: bytes) -> bytes:
    """A key after every key that starts with `prefix` (remembered: scans of one entity's
    index repeat)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return b"\xff" * (len(prefix) + 8)
    return stripped[:-1] + bytes([stripped[-1] + 1])


class Transaction:
    """Writes of one checkpoint over a `LocalDB`: a `KeyValue` that reads its own writes.

    The writes are kept sorted (handlers scan while they write, thousands of keys per
    checkpoint), so a scan merges the range of them it needs with the database's. What the
    database answered is remembered until the database is written: handlers read the same
    keys again and again within a checkpoint (a record, then to compare before writing it)."""

    def __init__(self, db: LocalDB) -> None:
        self.db = db
        self.pending: SortedDict = SortedDict()
        """Key -> value, or None for a delete."""
        self.sources: dict[bytes, SourceRecord | None] = {}
        """The record whose handling wrote each key last (a refused changelog record is
        counted against it)."""
        self._added: list[bytes] = []
        """The keys of `pending` in the order they were first written: those added after a
        scan began are not part of it."""
        self._stored: dict[bytes, bytes | None] = {}
        """The database's value of each key read so far (None: absent), as of `_generation`."""
        self._generation = db.generation

    def get(self, key: bytes) -> bytes | None:
        pending = self.pending
        if key in pending:
            value: bytes | None = pending[key]
            return value
        if self._generation != self.db.generation:
            self._stored.clear()
            self._generation = self.db.generation
        try:
            return self._stored[key]
        except KeyError:
            found = self._stored[key] = self.db.get(key)
            return found

    def put(self, key: bytes, value: bytes) -> None:
        _check_key(key)
        self._write(key, value)

    def delete(self, key: bytes) -> None:
        _check_key(key)
        self._write(key, None)

    def _write(self, key: bytes, value: bytes | None) -> None:
        if key not in self.pending:
            self._added.append(key)
        self.pending[key] = value
        self.sources[key] = _handled_now()

    def scan(
        self, prefix: bytes, *, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """The database's keys merged with this transaction's writes, in key order."""
        return self._merged(prefix, start, reverse)

    def _merged(self, prefix: bytes, start: bytes | None, reverse: bool) -> Iterator[tuple[bytes, bytes]]:
        """`scan`: the pending keys and the database's merged, from the first step on."""
        pending = self.pending
        mine = self._pending_keys(prefix, start, reverse)
        own = next(mine, None)
        for key, value in self.db.scan(prefix, start, reverse):
            while own is not None and (own > key if reverse else own < key):
                written = pending[own]
                if written is not None:
                    yield own, written
                own = next(mine, None)
            if own == key:
                written = pending[key]
                own = next(mine, None)
                if written is not None:
                    yield key, written
                continue
            yield key, value
        while own is not None:
            written = pending[own]
            if written is not None:
                yield own, written
            own = next(mine, None)

    def _pending_keys(self, prefix: bytes, start: bytes | None, reverse: bool) -> Iterator[bytes]:
        """This transaction's keys under `prefix` from `start`, in scan order, as they were
        when the scan began: the caller may write while it scans, and a scan that stops at
        its first key reads only that far."""
        low, high = prefix, _after_prefix(prefix)
        if start is not None:
            if reverse:
                high = min(high, start)
            else:
                low = max(low, start)
        inclusive_high = reverse and start is not None and high == start
        written = len(self._added)
        keys = self.pending.irange(low, high, inclusive=(True, inclusive_high), reverse=reverse)
        last = None
        while written == len(self._added):  # a write reshapes the sorted list under `keys`
            key = next(keys, None)
            if key is None:
                return
            yield key
            last = key
        yield from self._keys_left(low, high, inclusive_high, reverse, last, set(self._added[written:]))

    def _keys_left(
        self,
        low: bytes,
        high: bytes,
        inclusive_high: bool,
        reverse: bool,
        last: bytes | None,
        added: set[bytes],
    ) -> list[bytes]:
        """The rest of a scan's pending keys after `last`, without the keys `added` since it began."""
        inclusive = (True, inclusive_high)
        if last is not None and reverse:
            high, inclusive = last, (True, False)
        elif last is not None:
            low, inclusive = last, (False, inclusive_high)
        keys = self.pending.irange(low, high, inclusive=inclusive, reverse=reverse)
        return [k for k in keys if k not in added]

    def write_batch(self, meta: Iterable[tuple[bytes, bytes]] = ()) -> WriteBatch:
        batch = WriteBatch(raw_mode=True)
        pending = self.pending
        for key in pending:
            value = pending[key]
            if value is None:
                batch.delete(key)
            else:
                batch.put(key, value)
        for key, value in meta:
            batch.put(key, value)
        return batch


def _handled_now() -> SourceRecord | None:
    sends = current_sends()
    return sends.source if sends is not None else None


def _check_key(key: bytes) -> None:
    if key.startswith(_META):
        raise ValueError("keys starting with 0x00 are reserved for the store's own records")


class ReadView:
    """A read-only `KeyValue` on what a store has written (for views and readiness checks)."""

    def __init__(self, db: LocalDB) -> None:
        self.db = db

    def get(self, key: bytes) -> bytes | None:
        return self.db.get(key)

    def put(self, key: bytes, value: bytes) -> None:
        raise TypeError("a read view cannot write")

    def delete(self, key: bytes) -> None:
        raise TypeError("a read view cannot write")

    def scan(
        self, prefix: bytes, *, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        return self.db.scan(prefix, start, reverse)


class ReplicaStore:
    """One replica's own state, built from whole topics, with the position in each source
    partition checkpointed beside the data (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.db = LocalDB(path)
        self.tx = Transaction(self.db)
        self.view = ReadView(self.db)
        """What the store holds as of its last checkpoint."""

    def positions(self) -> dict[TopicPartition, int]:
        """The next offset to read in each source partition, as last checkpointed."""
        found: dict[TopicPartition, int] = {}
        for key, value in _meta_items(self.db, _POSITION):
            topic, _, partition = key[len(_POSITION) :].decode().rpartition("/")
            found[TopicPartition(topic, int(partition))] = int(value)
        return found

    def commit(self, positions: dict[TopicPartition, int]) -> None:
        """Write the transaction and the positions reached, in one write batch."""
        meta = [
            (_POSITION + f"{tp.topic}/{tp.partition}".encode(), str(o).encode())
            for tp, o in positions.items()
        ]
        self.db.write(self.tx.write_batch(meta))
        self.tx = Transaction(self.db)

    def abort(self) -> None:
        self.tx = Transaction(self.db)

    def reset(self) -> None:
        """Forget everything (the source topics are read again from their start)."""
        self.db.clear()
        self.tx = Transaction(self.db)

    def close(self) -> None:
        self.db.close()


def _meta_items(db: LocalDB, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
    it = db.db.iter()
    it.seek(prefix)
    while it.valid() and it.key().startswith(prefix):
        yield it.key(), it.value()
        it.next()


class PartitionedStore:
    """One stream's state, a RocksDB per partition, backed by a changelog (module docstring)."""

    def __init__(
        self, name: str, root: Path, source_topic: str, changelog: str, clients: KafkaClients
    ) -> None:
        self.name = name
        self.root = root
        self.source_topic = source_topic
        """The stream topic this store is co-partitioned with."""
        self.changelog = changelog
        self.clients = clients
        self._dbs: dict[int, LocalDB] = {}
        self._ready: dict[int, asyncio.Event] = {}
        self._recoveries: dict[int, asyncio.Task[None]] = {}
        self._tx: dict[int, Transaction] = {}
        self._sent: dict[int, list[asyncio.Future[Any]]] = {}

    # -- assignment --------------------------------------------------------------------
    def assign(self, partitions: Iterable[int]) -> None:
        """Start bringing these partitions up to date from the changelog."""
        for p in partitions:
            self._ready.setdefault(p, asyncio.Event()).clear()
            if p not in self._dbs:
                self._dbs[p] = LocalDB(self.root / str(p))
            self._recoveries[p] = asyncio.ensure_future(self._recover(p))

    def revoke(self, partitions: Iterable[int]) -> None:
        """Another replica writes these now: forget pending writes; recover before reuse."""
        for p in partitions:
            self._tx.pop(p, None)
            self._sent.pop(p, None)
            self._ready.setdefault(p, asyncio.Event()).clear()
            task = self._recoveries.pop(p, None)
            if task is not None:
                task.cancel()

    def ready(self, p: int) -> bool:
        event = self._ready.get(p)
        return event is not None and event.is_set()

    async def wait_ready(self, p: int) -> None:
        await self._ready.setdefault(p, asyncio.Event()).wait()

    # -- handlers' view ----------------------------------------------------------------
    def partition(self, p: int) -> Transaction:
        """Partition p in the current checkpoint (it must be assigned and recovered)."""
        tx = self._tx.get(p)
        if tx is None:
            if not self.ready(p):
                raise RuntimeError(f"store {self.name}: partition {p} is not recovered")
            tx = self._tx[p] = Transaction(self._dbs[p])
        return tx

    # -- the checkpoint sequence -------------------------------------------------------
    async def prepare(self, producer: Producer) -> None:
        """Send each pending write to the changelog (the checkpoint then flushes and checks),
        each counted against the record that wrote it."""
        sends = current_sends()
        for p, tx in self._tx.items():
            sent = self._sent.setdefault(p, [])
            for key, value in tx.pending.items():
                if sends is not None:
                    sends.source = tx.sources.get(key)
                sent.append(await producer.send(self.changelog, value, key=key, partition=p))
        if sends is not None:
            sends.source = None

    def commit(self) -> None:
        """After the changelog acknowledged: write each partition with its changelog offset."""
        for p, tx in self._tx.items():
            sent = self._sent.get(p) or []
            if not sent:
                continue
            offset = max(f.result().offset for f in sent) + 1
            tx.db.write(tx.write_batch([(_CHANGELOG_OFFSET, str(offset).encode())]))
        self._tx.clear()
        self._sent.clear()

    def abort(self) -> None:
        self._tx.clear()
        self._sent.clear()

    # -- recovery ----------------------------------------------------------------------
    async def _recover(self, p: int) -> None:
        async for attempt in retrying():
            with attempt:
                await self._replay(p)
        self._ready[p].set()

    async def _replay(self, p: int) -> None:
        db = self._dbs[p]
        start = int(db.meta(_CHANGELOG_OFFSET) or b"0")
        consumer = self.clients.consumer(f"restore-{self.name}", auto_offset_reset="none")
        tp = TopicPartition(self.changelog, p)
        await consumer.start()
        try:
            consumer.assign([tp])
            applied = await _read_to_end(consumer, tp, start, db)
            if applied is None:
                log.warning(
                    "Store %s partition %d: its checkpoint (changelog offset %d) is past the end of %s "
                    "(a new broker, or the topic was recreated): rebuilding it from the changelog",
                    self.name, p, start, self.changelog,
                )  # fmt: skip
                db.clear()
                start = 0
                applied = await _read_to_end(consumer, tp, 0, db)
                assert applied is not None
        finally:
            await stop_consumer(consumer)
        if applied or start:
            log.info(
                "Store %s partition %d: %d changelog records read from offset %d",
                self.name,
                p,
                applied,
                start,
            )

    def close(self) -> None:
        for task in self._recoveries.values():
            task.cancel()
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()


async def past_the_end(consumer: Any, tp: TopicPartition, offset: int) -> bool:
    """Whether `offset` lies beyond the end of `tp` (the topic was recreated, or the broker is
    new), judged by a fetch: Kafka refuses it (`OffsetOutOfRange`, with the consumer's
    auto_offset_reset "none"); a broker that answers with no records tells by its high watermark.
    `tp` must be assigned to `consumer`; its position is left where it was found."""
    if offset <= 0:
        return False
    consumer.seek(tp, offset - 1)
    try:
        while True:
            await consumer.getmany(tp, timeout_ms=200, max_records=1)
            highwater = consumer.highwater(tp)
            if highwater is not None:
                return highwater < offset
    except OffsetOutOfRangeError:
        return True
    finally:
        consumer.seek(tp, offset)


async def _read_to_end(consumer: Any, tp: TopicPartition, start: int, db: LocalDB) -> int | None:
    """Apply the changelog from `start` to the fetch high watermark; the count applied, or
    None when `start` is past the end (the offset checkpointed does not exist there)."""
    if await past_the_end(consumer, tp, start):
        return None
    consumer.seek(tp, start)
    applied = 0
    while True:
        try:
            batches = await consumer.getmany(tp, timeout_ms=200, max_records=_FETCH_RECORDS)
        except OffsetOutOfRangeError:
            return None
        records = batches.get(tp, [])
        if records:
            batch = WriteBatch(raw_mode=True)
            for record in records:
                if record.key is None:
                    continue
                if record.value is None:
                    batch.delete(record.key)
                else:
                    batch.put(record.key, record.value)
            batch.put(_CHANGELOG_OFFSET, str(records[-1].offset + 1).encode())
            db.write(batch)
            applied += len(records)
        highwater = consumer.highwater(tp)
        if highwater is None:
            continue
        if start > highwater:
            return None
        if await consumer.position(tp) >= highwater:
            return applied
