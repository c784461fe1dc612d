"""Every Kafka client the worker makes, made in one place with one connection and one tuning.

The connection (brokers, and whatever security they require) is a
`runtime.kafka_config.KafkaConnection`. The tuning (`ClientTuning`) says how large a record may be and how consumer groups behave, so
the consumers of every stream, the store recoveries and the followers agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.conn import create_conn
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import (
    AuthenticationFailedError,
    IllegalSaslStateError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)

from runtime.kafka_config import KafkaConnection

RECORD_OVERHEAD_BYTES = 64 * 1024
"""Room above the largest accepted event for headers and record-batch framing."""

ACCESS_CHECK_TIMEOUT_MS = 10_000
"""How long the start-up access check waits for one broker's answer."""

_REFUSALS: tuple[type[BaseException], ...] = (
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
    IllegalSaslStateError,
    AuthenticationFailedError,
    ssl.SSLCertVerificationError,
)


class BrokerAccessRefused(RuntimeError):
    """A broker answered and refused this client (its credentials, its SASL mechanism, or the
    broker's certificate failed the check): trying again with the same settings cannot help."""


def _refusal(exc: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _REFUSALS):
            return current
        current = current.__cause__ or current.__context__
    return None


async def check_access(connection: KafkaConnection, timeout_ms: int = ACCESS_CHECK_TIMEOUT_MS) -> None:
    """Connect to each bootstrap server the way every client will (TLS, then SASL) and
    disconnect. `BrokerAccessRefused` when one refuses the credentials or fails the TLS
    check: aiokafka's own clients log that and retry until their deadline, which would keep
    a worker with a wrong password starting for a minute. A broker that does not answer
    (yet) is not an error here: start-up's retries wait for it."""
    kwargs = connection.aiokafka_kwargs()
    kwargs.pop("bootstrap_servers")
    for server in connection.bootstrap_servers:
        host, _, port = server.rpartition(":")
        try:
            conn = await create_conn(
                host.strip("[]"),
                int(port),
                client_id="lineage-integrator-access-check",
                request_timeout_ms=timeout_ms,
                **kwargs,
            )
        except Exception as exc:
            refusal = _refusal(exc)
            if refusal is None:
                continue
            name = type(refusal).__name__
            detail = str(refusal).splitlines()[0] if str(refusal) else ""
            reason = detail if name in detail else f"{name}: {detail}" if detail else name
            raise BrokerAccessRefused(
                f"the broker refused the connection ({connection.describe()}): {reason}"
                " (check LINEAGE_KAFKA_* and LINEAGE_BROKER)"
            ) from None
        with contextlib.suppress(Exception):
            conn.close()


@dataclass(frozen=True)
class ClientTuning:
    """How the worker's clients behave; one value per worker, from its settings."""

    client_id: str
    max_event_bytes: int
    session_timeout_s: float = 10.0
    rebalance_timeout_s: float = 10.0
    heartbeat_interval_s: float = 1.0
    fetch_wait_ms: int = 25
    batch_records: int = 2000
    linger_ms: int = 5

    @property
    def max_record_bytes(self) -> int:
        return self.max_event_bytes + RECORD_OVERHEAD_BYTES


class KafkaClients:
    """Makes consumers, producers and admin clients on one connection with one tuning."""

    def __init__(self, connection: KafkaConnection, tuning: ClientTuning) -> None:
        self.connection = connection
        self.tuning = tuning

    def _common(self, client_suffix: str) -> dict[str, Any]:
        return {**self.connection.aiokafka_kwargs(), "client_id": f"{self.tuning.client_id}-{client_suffix}"}

    def consumer(
        self, client_suffix: str, *, group_id: str | None = None, **overrides: Any
    ) -> AIOKafkaConsumer:
        """A consumer that commits only when told; in a group when `group_id` is given.

        Partitions of several topics are assigned by range, so partition p of topics with
        equal partition counts goes to the same member (co-partitioning).
        """
        t = self.tuning
        fetch_bytes = max(t.max_record_bytes, 16 * 1024 * 1024)
        options: dict[str, Any] = {
            **self._common(client_suffix),
            "group_id": group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": t.batch_records,
            "fetch_max_wait_ms": t.fetch_wait_ms,
            "max_partition_fetch_bytes": fetch_bytes,
            "fetch_max_bytes": fetch_bytes,
            "session_timeout_ms": int(t.session_timeout_s * 1000),
            "rebalance_timeout_ms": int(t.rebalance_timeout_s * 1000),
            "heartbeat_interval_ms": int(t.heartbeat_interval_s * 1000),
            "partition_assignment_strategy": (RangePartitionAssignor,),
        }
        options.update(overrides)
        return AIOKafkaConsumer(**options)

    def producer(self, **overrides: Any) -> AIOKafkaProducer:
        """The worker's producer: every record acknowledged by all in-sync replicas."""
        options: dict[str, Any] = {
            **self._common("producer"),
            "acks": "all",
            "linger_ms": self.tuning.linger_ms,
            "max_batch_size": 256 * 1024,
            "max_request_size": self.tuning.max_record_bytes,
        }
        options.update(overrides)
        return AIOKafkaProducer(**options)

    def admin(self) -> AIOKafkaAdminClient:
        return AIOKafkaAdminClient(**self._common("admin"))


async def partitions_of(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    """Every partition of `topics`, waiting for topics whose metadata the broker has not given yet."""
    found: list[TopicPartition] = []
    for topic in topics:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                await asyncio.sleep(0.2)
        found += [TopicPartition(topic, p) for p in sorted(partitions)]
    return found


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer, even one stopped at once after it started: aiokafka's group-less
    consumer cancels a routine of its own on stop and awaits it, which raises
    CancelledError when that routine never got to run; one turn of the loop lets it run."""
    await asyncio.sleep(0)
    await consumer.stop()


def partition_of(record: Any) -> TopicPartition:
    """The topic partition a consumed record came from."""
    return TopicPartition(record.topic, record.partition)


def first_offsets(records: list[Any]) -> dict[TopicPartition, int]:
    """Per partition, the offset of the first of `records` (where to read a batch again)."""
    first: dict[TopicPartition, int] = {}
    for record in records:
        first.setdefault(partition_of(record), record.offset)
    return first
