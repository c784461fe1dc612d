"""The checkpoint's flush sends at once, on a real broker (runtime/producer.py)."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer

from runtime.clients import ClientTuning, KafkaClients
from runtime.kafka_config import KafkaConnection
from runtime.producer import Producer
from tests.support.kafka import Broker, create_topic, unique

_LINGER_MS = 120_000


def test_flush_now_does_not_wait_out_the_linger(broker: Broker) -> None:
    """aiokafka's flush() waits for lingering batches; a stream about to commit must not
    (it would add the linger to every hop of every event). With a two-minute linger, the
    records are stored and readable long before it ends."""
    topic = unique("flush-now")
    create_topic(broker.bootstrap, topic, partitions=2)

    async def run() -> list[bytes]:
        clients = KafkaClients(
            KafkaConnection(bootstrap_servers=(broker.bootstrap,)),
            ClientTuning("flush-test", 1024 * 1024, linger_ms=_LINGER_MS),
        )
        producer = Producer(clients)
        await producer.start()
        try:
            sent = [await producer.send(topic, f"v{i}".encode(), key=f"k{i}".encode()) for i in range(5)]
            await asyncio.wait_for(producer.flush_now(), timeout=30)
            assert all(future.done() and future.exception() is None for future in sent)
        finally:
            await asyncio.wait_for(producer.stop(), timeout=_LINGER_MS / 1000)
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest")
        await consumer.start()
        try:
            values: list[bytes] = []
            async with asyncio.timeout(30):
                while len(values) < 5:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        values.extend(r.value for r in records if r.value is not None)
            return values
        finally:
            await consumer.stop()

    assert sorted(asyncio.run(run())) == [f"v{i}".encode() for i in range(5)]
