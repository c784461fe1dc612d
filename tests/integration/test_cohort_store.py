"""Changelog replay against the real broker: it reaches the fetch high watermark, whatever end offsets say."""

from __future__ import annotations

import asyncio

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from agents.cohort_store import JsonValues, replay_to_high_watermark
from tests.support.kafka import Broker, create_topic, produce, unique


def test_replay_reads_every_record_written_in_multi_record_batches(broker: Broker) -> None:
    topic = unique("changelog")
    create_topic(broker.bootstrap, topic, partitions=1)
    # Several records per batch: where the embedded broker's ListOffsets "latest" falls short.
    produce(
        broker.bootstrap,
        topic,
        [orjson.dumps({"n": i}) for i in range(500)],
        keys=[f"k{i % 120}".encode() for i in range(500)],
    )

    async def replay() -> tuple[JsonValues, int, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            data = JsonValues()
            position = await replay_to_high_watermark(
                consumer, tp, 0, lambda record: data.apply(record.key, record.value)
            )
            end = (await consumer.end_offsets([tp]))[tp]
            return data, position, end
        finally:
            await consumer.stop()

    data, position, end_offset = asyncio.run(replay())
    assert position == 500
    assert len(data) == 120
    assert data["k19"] == {"n": 499}  # the last write of each key wins, the newest batch included
    assert end_offset <= position  # what a recovery bounded by end offsets would have stopped at
