"""The dead-letter topic: where a record that cannot be handled goes, so nothing is lost.

The record's key and value travel byte for byte, with headers saying where it came from
and why it was set aside, so an operator can fix and replay it (`lineage-integrator send`).
A record too large for the dead-letter topic (or refused by it) is dead-lettered as a
*reference* instead: a small JSON record naming its topic, partition, offset and size,
with the first bytes of its value and the reason, and the header
`lineage.deadletter.kind: reference`. The stream moves past the record only once its dead
letter, of either kind, is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson

from runtime.failures import Rejected, is_transient
from runtime.metrics import Metrics
from runtime.producer import Headers, Producer, SourceRecord
from schemas.errors import FieldError

log = logging.getLogger(__name__)

HEADER_SOURCE_TOPIC = "lineage.source.topic"
HEADER_SOURCE_PARTITION = "lineage.source.partition"
HEADER_SOURCE_OFFSET = "lineage.source.offset"
HEADER_REASON = "lineage.error.reason"
HEADER_ERRORS = "lineage.error.errors"
HEADER_STREAM = "lineage.error.stream"
HEADER_KIND = "lineage.deadletter.kind"

MAX_ERRORS_IN_HEADER = 50
"""Errors listed in a dead letter's header: a record with thousands of errors must not
outgrow the topic's record limit because of its own diagnosis."""
MAX_REASON_BYTES = 4096
REFERENCE_PREFIX_BYTES = 1024
"""How much of a record's value a reference keeps, to recognise it by."""


def dead_letter_headers(
    source: SourceRecord, stream: str, reason: str, errors: Sequence[FieldError]
) -> Headers:
    """The headers every dead letter carries (pure, so tests and tools can read them back)."""
    shown = [e.as_dict() for e in errors[:MAX_ERRORS_IN_HEADER]]
    return [
        (HEADER_SOURCE_TOPIC, source.topic.encode()),
        (HEADER_SOURCE_PARTITION, str(source.partition).encode()),
        (HEADER_SOURCE_OFFSET, str(source.offset).encode()),
        (HEADER_STREAM, stream.encode()),
        (HEADER_REASON, reason.encode(errors="replace")[:MAX_REASON_BYTES]),
        (HEADER_ERRORS, orjson.dumps(shown)),
    ]


def reference_value(source: SourceRecord, value: bytes | None, reason: str) -> bytes:
    """The value of a dead letter by reference (the record itself did not fit)."""
    size = len(value or b"")
    return orjson.dumps(
        {
            "deadLetter": "reference",
            "source": {"topic": source.topic, "partition": source.partition, "offset": source.offset},
            "size": size,
            "prefix": (value or b"")[:REFERENCE_PREFIX_BYTES].decode("utf-8", errors="replace"),
            "reason": reason,
        }
    )


class DeadLetters:
    """Writes dead letters to one topic; records above `max_record_bytes` go by reference."""

    def __init__(self, producer: Producer, topic: str, max_record_bytes: int, metrics: Metrics) -> None:
        self.producer = producer
        self.topic = topic
        self.max_record_bytes = max_record_bytes
        self.metrics = metrics

    async def send(
        self,
        *,
        stream: str,
        source: SourceRecord,
        key: bytes | None,
        value: bytes | None,
        reason: str,
        errors: Sequence[FieldError] = (),
        extra_headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Store the record (or its reference) on the dead-letter topic and wait until it is.

        Raises only what is transient (the broker down): the caller retries."""
        headers = [*dead_letter_headers(source, stream, reason, errors), *extra_headers]
        log.warning("Dead-lettering %s from %s: %s", source, stream, reason[:500])
        size = len(value or b"") + len(key or b"") + sum(len(k) + len(v) for k, v in headers)
        if size <= self.max_record_bytes:
            try:
                await self.producer.send_and_wait(self.topic, value or b"", key=key, headers=headers)
            except Exception as exc:
                if is_transient(exc):
                    raise
                reason = f"{reason}; the record itself was refused by the dead-letter topic: {exc!r}"
            else:
                self.metrics.dead_letters.labels(stream=stream).inc()
                return
        headers = [*dead_letter_headers(source, stream, reason, errors), *extra_headers]
        await self.producer.send_and_wait(
            self.topic,
            reference_value(source, value, reason),
            key=(key or b"")[:REFERENCE_PREFIX_BYTES] or None,
            headers=[*headers, (HEADER_KIND, b"reference")],
        )
        self.metrics.dead_letters.labels(stream=stream).inc()

    async def send_record(
        self, stream: str, record: Any, reason: str, rejected: Rejected | None = None
    ) -> None:
        """Dead-letter a consumed record, with what its handler said when it rejected it."""
        await self.send(
            stream=stream,
            source=SourceRecord.of(record),
            key=record.key,
            value=record.value,
            reason=reason,
            errors=rejected.errors if rejected else (),
            extra_headers=rejected.headers if rejected else (),
        )
