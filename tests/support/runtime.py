"""The stream runtime in the test's own process, on the session's real broker.

`RuntimeKit` builds what a worker builds (clients, producer, dead letters, metrics, a stream
factory), with short group timings so joins are quick on the embedded broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from runtime.clients import ClientTuning, KafkaClients
from runtime.dead_letters import DeadLetters
from runtime.kafka_config import KafkaConnection
from runtime.metrics import Metrics
from runtime.producer import Producer
from runtime.stream import Stream, StreamFactory
from tests.support.kafka import Broker, create_topic, unique


@dataclass
class RuntimeKit:
    broker: Broker
    max_event_bytes: int = 64 * 1024
    name: str = field(default_factory=lambda: unique("rt"))

    def __post_init__(self) -> None:
        tuning = ClientTuning(
            client_id=self.name,
            max_event_bytes=self.max_event_bytes,
            session_timeout_s=6,
            rebalance_timeout_s=6,
            heartbeat_interval_s=0.5,
        )
        self.clients = KafkaClients(KafkaConnection(bootstrap_servers=(self.broker.bootstrap,)), tuning)
        self.metrics = Metrics()
        self.producer = Producer(self.clients)
        self.dead_letter_topic = f"{self.name}.deadletter"
        self.dead_letters = DeadLetters(
            self.producer, self.dead_letter_topic, tuning.max_record_bytes, self.metrics
        )
        self.streams = StreamFactory(
            clients=self.clients,
            producer=self.producer,
            dead_letters=self.dead_letters,
            metrics=self.metrics,
            group_prefix=self.name,
        )
        create_topic(self.broker.bootstrap, self.dead_letter_topic, partitions=1)

    def topic(self, suffix: str, partitions: int = 2) -> str:
        name = f"{self.name}.{suffix}"
        create_topic(self.broker.bootstrap, name, partitions=partitions)
        return name

    @asynccontextmanager
    async def running(self, *streams: Stream) -> AsyncIterator[None]:
        await self.producer.start()
        try:
            await asyncio.gather(*(s.start() for s in streams))
            await asyncio.gather(*(asyncio.wait_for(s.joined.wait(), 30) for s in streams))
            yield
        finally:
            await asyncio.gather(*(s.stop() for s in streams), return_exceptions=True)
            await self.producer.stop()


async def read_all(bootstrap: str, topic: str, expect: int, within_s: float = 30.0) -> list[Any]:
    """Every record of `topic` from its start, once `expect` have arrived (fails after `within_s`)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        async with asyncio.timeout(within_s):
            while len(records) < expect:
                for batch in (await consumer.getmany(timeout_ms=300)).values():
                    records.extend(batch)
    finally:
        await consumer.stop()
    return records
