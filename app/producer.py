"""The worker's producer: Faust's aiokafka producer, answerable to the batch that used it.

Two things a batch stream needs from the producer and Faust's does not give:

- **Every send of a batch is checked before its offsets move on.** The hot paths produce
  without waiting for each acknowledgement (one round trip per record would cap a worker at
  a few hundred events/s), then flush before they commit. But a flush only waits: a record
  the broker refused (too large for the topic's `max.message.bytes`, not authorised, timed
  out) fails its own future and the flush returns all the same, so the batch would be
  committed and the event lost. `BatchSends` collects the futures of every send made while
  a batch is handled, whichever path made it (`LineageService.produce`, a Faust
  `topic.send`, a dead letter, an error event), and `check` raises the first failure, so
  the batch is handled again instead.
- **A flush that sends at once.** aiokafka's `flush()` waits for lingering batches to
  reach their linger (5 ms here) before they are sent, where the Java client's `flush()`
  sends them immediately. A batch stream has nothing more to add to them (it is about to
  commit), so `send_buffered_now` closes them and wakes the sender, as aiokafka itself does
  before committing a transaction.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

import aiokafka
from faust.transport.drivers.aiokafka import Producer as FaustAIOKafkaProducer

_current_batch: ContextVar[BatchSends | None] = ContextVar("lineage_batch_sends", default=None)


class SendFailed(RuntimeError):
    """A record produced while handling a batch was not stored: the batch must not be committed."""


class BatchSends:
    """The acknowledgements a batch waits for: every send made in this task while it is open.

    Use as a context manager around the handling of one batch. The futures are collected in
    the current task's context, so two batch streams of one worker never see each other's
    sends, and REST handlers (not in a batch) are not collected at all. A task a handler
    spawns inherits the collection; what it sends after the batch closed is not collected.
    """

    __slots__ = ("_futures", "_open", "_token")

    def __init__(self) -> None:
        self._futures: list[asyncio.Future[Any]] = []
        self._open = False
        self._token: Any = None

    def __enter__(self) -> BatchSends:
        self._open = True
        self._token = _current_batch.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._open = False
        _current_batch.reset(self._token)

    def __len__(self) -> int:
        return len(self._futures)

    def add(self, future: asyncio.Future[Any]) -> None:
        if self._open:
            self._futures.append(future)

    async def check(self) -> None:
        """Wait for every send collected so far; raise SendFailed for the first that failed."""
        futures, self._futures = self._futures, []
        pending = [f for f in futures if not f.done()]
        if pending:
            await asyncio.wait(pending)
        for future in futures:
            if future.cancelled():
                raise SendFailed("a record sent while handling the batch was cancelled before it was stored")
            error = future.exception()
            if error is not None:
                raise SendFailed(
                    f"a record sent while handling the batch was not stored: {error!r}"
                ) from error


def track_send(future: Any) -> None:
    """Count `future` (a send's acknowledgement) in the batch being handled, if any."""
    batch = _current_batch.get()
    if batch is not None and isinstance(future, asyncio.Future):
        batch.add(future)


async def send_buffered_now(client: aiokafka.AIOKafkaProducer) -> None:
    """Send every record `client` holds without waiting out the linger, and wait until each
    is acknowledged or failed (like `flush()`, it raises nothing: the futures tell).

    aiokafka's own way to finish a batch now is the accumulator's `flush_for_commit` (used
    before committing a transaction). Should a future aiokafka lose it, this falls back to
    the plain `flush()`: correct, one linger slower.
    """
    accumulator = getattr(client, "_message_accumulator", None)
    flush_now = getattr(accumulator, "flush_for_commit", None)
    if flush_now is None:
        await client.flush()
    else:
        await flush_now()


class WorkerProducer(FaustAIOKafkaProducer):
    """Faust's aiokafka producer, with each send counted in the batch being handled."""

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        sent = await super().send(*args, **kwargs)
        track_send(sent)
        return sent

    async def flush_now(self) -> None:
        """`flush()` without the linger: what Faust buffered, then what aiokafka holds."""
        await self.buffer.flush()
        if self._producer is not None:
            await send_buffered_now(self._producer)
