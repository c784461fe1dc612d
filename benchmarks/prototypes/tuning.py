"""Transport-level tuning of a Faust app, through Faust's own extension point (`app.transport`).

Two things a Faust setting cannot reach:

- **fetch wait**: Faust builds its aiokafka consumer with `fetch_max_wait_ms=1500`
  hardcoded. The embedded broker (tansu) answers a fetch only after a good part of that wait
  even when data arrives, so an idle-ish agent sees ~0.4-1.4 s of latency. `fetch_wait_ms`
  sets it.
- **fast drain**: Faust's fetcher (`Consumer._drain_messages`) hands each message to the
  conductor through `Service.wait_first(callback(message), suspend_flow.wait())`, which
  creates four tasks and an `asyncio.wait` per message, and so always suspends. `FastConsumer`
  runs the callback inline and only falls back to that race when the callback really
  blocks (a full stream buffer, flow control), so the fetcher hands over up to
  `yield_every` messages before the agent runs. Everything else (read offsets, gaps,
  `broker_commit_every`, the stop-flow handling on rebalance) is Faust's code, unchanged.

`install(app, options)` swaps the transport before the consumer exists (the `app.transport`
setter); options: `fetch_wait_ms=N`, `fast_drain=1`, `yield_every=N`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any, cast

from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as driver


class _Resume:
    """Continue, inside a task, a coroutine that already ran up to its first suspension."""

    __slots__ = ("_coro", "_first")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any) -> None:
        self._coro = coro
        self._first = first

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self._coro, self._first
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


class TunedConsumerThread(driver.AIOKafkaConsumerThread):
    fetch_wait_ms: int | None = None

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        if self.fetch_wait_ms is not None:
            consumer._fetch_max_wait_ms = self.fetch_wait_ms  # read when the consumer starts
        return consumer


class FastConsumer(driver.Consumer):
    """Faust's aiokafka consumer with an inline hand-over in the fetcher loop."""

    fetch_wait_ms: int | None = None
    fast_drain: bool = False
    yield_every: int = 500

    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        thread = TunedConsumerThread(self, loop=self.loop, beacon=self.beacon)
        thread.fetch_wait_ms = self.fetch_wait_ms
        return thread

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - the fetcher loop
        if not self.fast_drain:
            await super()._drain_messages(fetcher)
            return
        # Faust's loop (faust/transport/consumer.py), with the per-message wait_first replaced.
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        set_flag, unset_flag = self.diag.set_flag, self.diag.unset_flag
        commit_every = self._commit_every
        acks_enabled_for = self.app.topics.acks_enabled_for
        suspend_flow = self.suspend_flow
        yield_every = self.yield_every
        since_yield = 0
        sleep = asyncio.sleep
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(CONSUMER_FETCHING)
                ait = getmany(timeout=1.0)
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in ait:
                        since_yield += 1
                        if since_yield >= yield_every:
                            await sleep(0)
                            since_yield = 0
                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is None or offset >= r_offset:
                            gap = offset - (r_offset or 0)
                            if gap > 1 and r_offset and acks_enabled_for(message.topic):
                                await self._add_gap(tp, r_offset + 1, offset)
                            if commit_every is not None and self._n_acked >= commit_every:
                                self._n_acked = 0
                                await self.commit()
                            coro = cast(Coroutine[Any, Any, Any], callback(message))
                            try:
                                first = coro.send(None)
                            except StopIteration:
                                pass  # delivered without blocking: the common case
                            else:
                                # The callback blocks (full buffer, flow control): race it
                                # with suspend_flow exactly as Faust does.
                                await self.wait_first(_Resume(coro, first), suspend_flow.wait())
                            set_read_offset(tp, offset)
                    unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise
        finally:
            unset_flag(CONSUMER_FETCHING)


def install(app: Any, options: dict[str, str]) -> None:
    """Swap in a transport whose consumer has the requested tuning (before it is created)."""
    fetch_wait = options.get("fetch_wait_ms")
    fast = options.get("fast_drain", "0") not in ("0", "", "false")
    if fetch_wait is None and not fast:
        return
    consumer_class = type(
        "BenchConsumer",
        (FastConsumer,),
        {
            "fetch_wait_ms": int(fetch_wait) if fetch_wait is not None else None,
            "fast_drain": fast,
            "yield_every": int(options.get("yield_every", "500")),
        },
    )
    transport_class = type("BenchTransport", (driver.Transport,), {"Consumer": consumer_class})
    app.transport = cast(Any, transport_class)(app.conf.broker_consumer, app)
