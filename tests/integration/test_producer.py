"""The batch streams' flush sends at once, on a real broker (app/producer.py)."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from app.producer import send_buffered_now
from tests.support.kafka import Broker, create_topic, unique

_LINGER_MS = 120_000


def test_send_buffered_now_does_not_wait_out_the_linger(broker: Broker) -> None:
    """aiokafka's flush() waits for lingering batches; a batch stream about to commit must not
    (it would add the linger to every hop of every event). With a two-minute linger, the
    records are stored and readable long before it ends."""
    topic = unique("flush-now")
    create_topic(broker.bootstrap, topic, partitions=2)

    async def run() -> list[bytes]:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=_LINGER_MS, acks=-1)
        await producer.start()
        try:
            sent = [
                await producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode()) for i in range(5)
            ]
            await asyncio.wait_for(send_buffered_now(producer), timeout=30)
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
