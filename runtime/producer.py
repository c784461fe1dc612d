"""The worker's producer, answerable to the checkpoint that used it.

Streams produce without waiting for each acknowledgement (a round trip per record would
cap a worker at a few hundred events a second) and flush before they commit. A flush only
waits, though: a record the broker refused (too large, not authorised, timed out) fails
its own future and the flush returns all the same. So every send made while a stream
handles a batch is collected (`Sends`, found through a context variable, so concurrent
streams never see each other's sends), with the source record being handled when it was
made, and `Sends.check` raises `SendFailed` naming that record: the batch is not
committed, and the runtime knows which record's output was refused.

`flush_now` sends what the producer holds without waiting out the linger (aiokafka's
`flush()` waits for lingering batches to reach it; the Java client's does not): a stream
about to commit has nothing more to add to them.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from runtime.clients import KafkaClients
from runtime.partitioner import KeyPartitioner

Headers = list[tuple[str, bytes]]

_current: ContextVar[Sends | None] = ContextVar("lineage_sends", default=None)


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """Where a consumed record was read: enough to find it again."""

    topic: str
    partition: int
    offset: int

    @classmethod
    def of(cls, record: Any) -> SourceRecord:
        return cls(record.topic, record.partition, record.offset)

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


class SendFailed(RuntimeError):
    """A record produced while handling a batch was not stored; `source` is the consumed
    record whose handling produced it (None when it was produced outside any record)."""

    def __init__(self, message: str, source: SourceRecord | None) -> None:
        super().__init__(message)
        self.source = source


class Sends:
    """The acknowledgements one checkpoint waits for: every send made in this task while open.

    A task a handler spawns inherits the collection; what it sends after the collection
    closed is not counted. `source` is set by the stream to the record being handled.
    """

    __slots__ = ("_futures", "_open", "_token", "source")

    def __init__(self) -> None:
        self._futures: list[tuple[asyncio.Future[RecordMetadata], SourceRecord | None]] = []
        self._open = False
        self._token: Any = None
        self.source: SourceRecord | None = None

    def __enter__(self) -> Sends:
        self._open = True
        self._token = _current.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._open = False
        _current.reset(self._token)

    def __len__(self) -> int:
        return len(self._futures)

    def add(self, future: asyncio.Future[RecordMetadata]) -> None:
        if self._open:
            self._futures.append((future, self.source))

    async def check(self) -> None:
        """Wait for every send collected so far; raise SendFailed for the first that failed."""
        futures, self._futures = self._futures, []
        pending = [f for f, _ in futures if not f.done()]
        if pending:
            await asyncio.wait(pending)
        for future, source in futures:
            if future.cancelled():
                raise SendFailed(
                    "a record sent while handling the batch was cancelled before it was stored", source
                )
            error = future.exception()
            if error is not None:
                raise SendFailed(
                    f"a record sent while handling the batch was not stored: {error!r}", source
                ) from error


def current_sends() -> Sends | None:
    return _current.get()


class Producer:
    """One aiokafka producer per worker, shared by every stream and view."""

    def __init__(self, clients: KafkaClients) -> None:
        self._clients = clients
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = self._clients.producer(partitioner=KeyPartitioner())
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    @property
    def client(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the producer is not started")
        return self._producer

    async def send(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
        partition: int | None = None,
    ) -> asyncio.Future[RecordMetadata]:
        """Queue one record; returns the future of its acknowledgement, counted in the open
        checkpoint (if any)."""
        future: asyncio.Future[RecordMetadata] = await self.client.send(
            topic, value, key=key, partition=partition, headers=headers
        )
        sends = _current.get()
        if sends is not None:
            sends.add(future)
        return future

    async def send_and_wait(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers | None = None,
        timeout_s: float = 30.0,
    ) -> RecordMetadata:
        """Send one record and wait for its acknowledgement, outside any checkpoint's count
        (its caller handles the failure: a REST answer, a dead letter's fallback)."""
        future = await self.client.send(topic, value, key=key, headers=headers)
        return await asyncio.wait_for(asyncio.shield(future), timeout_s)

    async def flush_now(self) -> None:
        """Send everything held now and wait until each record is acknowledged or failed (like
        `flush()`, this raises nothing: the futures tell). Uses aiokafka's own way to close
        open batches at once (`flush_for_commit`), falling back to `flush()` without it."""
        client = self.client
        accumulator = getattr(client, "_message_accumulator", None)
        flush_for_commit = getattr(accumulator, "flush_for_commit", None)
        if flush_for_commit is None:
            await client.flush()
        else:
            await flush_for_commit()
