"""A batch stream inside the Faust app: a `mode.Service` started with the app (`app.service`).

It owns one aiokafka consumer for the hot topics (group `<app id>.<name>`, so replicas of
one server share its partitions), runs on the app's event loop, produces through the app's
producer (`app.producer.send`: aiokafka futures, gathered once per batch) and commits what
it read only after the whole batch is delivered. Per-key order: one loop, partitions
handled in fetch order, the next batch read only after this one is delivered and committed.
A rebalance waits for the batch in flight (`on_partitions_revoked` takes the batch lock),
so nothing is committed for a partition this replica no longer holds.

No Faust `Message`/`Event`, no conductor, no stream queue, no per-record task switch: the
Faust per-event path is the thing this removes. Everything else (lifecycle, web, metrics,
the producer, other agents and tables) stays Faust's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from mode import Service

from benchmarks.faust_bare import run_faust_design
from benchmarks.harness import FETCH_MAX_WAIT_MS, RunContext, ScenarioResult, scenario

Records = dict[Any, list[Any]]  # TopicPartition -> [ConsumerRecord]
BatchHandler = Callable[[Records], Awaitable[None]]


class BatchStream(Service):
    """Consume `topics` in batches, `await handler(batch)`, then commit; a Faust app service."""

    def __init__(
        self,
        app: Any,
        topics: Sequence[str],
        name: str,
        handler: BatchHandler,
        *,
        max_records: int = 2000,
        fetch_wait_ms: int = FETCH_MAX_WAIT_MS,
        **kwargs: Any,
    ) -> None:
        self.app = app
        self.topics = list(topics)
        self.group_id = f"{app.conf.id}.{name}"
        self.handler = handler
        self.max_records = max_records
        self.fetch_wait_ms = fetch_wait_ms
        self._consumer: Any = None
        self._batch_lock = asyncio.Lock()
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.abc import ConsumerRebalanceListener

        conf = self.app.conf
        stream = self

        class _Listener(ConsumerRebalanceListener):
            async def on_partitions_revoked(self, revoked: Any) -> None:
                # The batch in flight finishes and commits before the partitions go.
                async with stream._batch_lock:
                    pass

            async def on_partitions_assigned(self, assigned: Any) -> None:
                return None

        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=[f"{url.host}:{url.port or 9092}" for url in conf.broker],
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset=conf.consumer_auto_offset_reset,
            max_poll_records=self.max_records,
            fetch_max_wait_ms=self.fetch_wait_ms,
            max_partition_fetch_bytes=conf.consumer_max_fetch_size,
            session_timeout_ms=int(conf.broker_session_timeout * 1000),
            rebalance_timeout_ms=int(conf.broker_rebalance_timeout * 1000),
            heartbeat_interval_ms=int(conf.broker_heartbeat_interval * 1000),
        )
        self._consumer.subscribe(self.topics, listener=_Listener())
        await self._consumer.start()

    @Service.task
    async def _consume(self) -> None:
        from aiokafka.errors import CommitFailedError

        consumer, handler, lock = self._consumer, self.handler, self._batch_lock
        while not self.should_stop:
            batch = await consumer.getmany(timeout_ms=200, max_records=self.max_records)
            if not batch:
                continue
            async with lock:
                await handler(batch)
                try:
                    await consumer.commit()  # what getmany returned: handled and delivered
                except CommitFailedError:
                    # The group rebalanced meanwhile: the new owner gets these records again
                    # (handlers are idempotent); never commit for partitions we lost.
                    self.log.warning("Commit failed after a rebalance; the batch will be redelivered")

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()


def forward(app: Any, source: Any, out: Any, options: dict[str, str]) -> None:
    """The design: loads each value, forward it through app.producer, gather once per batch."""
    import orjson

    loads = orjson.loads
    topic = out.get_topic_name()

    async def handle(batch: Records) -> None:
        send = app.producer.send
        futures = []
        for records in batch.values():
            for record in records:
                loads(record.value)
                futures.append(await send(topic, record.key, record.value, None, None, None))
        await asyncio.gather(*futures)

    max_records = int(options.get("max_records", "2000"))
    app.service(BatchStream(app, [source.get_topic_name()], "bench-forward", handle, max_records=max_records))


@scenario(
    "proto_app_batch_stream", "Faust app service: batch stream + app.producer", group="prototypes", order=40
)
async def proto_app_batch_stream(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    settings = {"producer_linger": 0.005, "producer_max_batch_size": 262144}
    return await run_faust_design(
        ctx, result, "benchmarks.prototypes.app_consumer:forward", settings=settings
    )


@scenario(
    "proto_app_batch_stream_uv", "Faust app service: batch stream, uvloop", group="prototypes", order=41
)
async def proto_app_batch_stream_uv(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    settings = {"producer_linger": 0.005, "producer_max_batch_size": 262144}
    design = "benchmarks.prototypes.app_consumer:forward"
    return await run_faust_design(ctx, result, design, settings=settings, uvloop=True)


@scenario(
    "proto_app_batch_stream_500",
    "Faust app service: batch stream, 500/batch, linger 1ms",
    group="prototypes",
    order=42,
)
async def proto_app_batch_stream_500(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    settings = {"producer_linger": 0.001, "producer_max_batch_size": 262144}
    design = "benchmarks.prototypes.app_consumer:forward"
    return await run_faust_design(ctx, result, design, options={"max_records": "500"}, settings=settings)
