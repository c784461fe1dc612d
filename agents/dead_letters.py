"""The dead-letter topic: where a record that cannot be handled goes, byte for byte.

Nothing is dropped: the raw key and value are kept as they came, and headers say where the
record came from and why it was set aside, so an operator can fix and replay it with
`lineage-integrator send`. The consumer's offset moves past the record only after the
dead letter is written (Faust commits after the agent has handled the event).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from schemas.errors import FieldError

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

HEADER_SOURCE_TOPIC = "lineage.source.topic"
HEADER_SOURCE_PARTITION = "lineage.source.partition"
HEADER_SOURCE_OFFSET = "lineage.source.offset"
HEADER_REASON = "lineage.error.reason"
HEADER_ERRORS = "lineage.error.errors"
HEADER_STREAM = "lineage.error.stream"

# Header values are bounded: a record with thousands of errors must not grow past the
# topic's message limit because of its own diagnosis.
_MAX_ERRORS_IN_HEADER = 50


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """Where a record was read: enough to find it again."""

    topic: str
    partition: int
    offset: int

    @classmethod
    def of(cls, message: Any) -> SourceRecord:
        """From a Faust Message (or anything with topic, partition and offset)."""
        return cls(topic=message.topic, partition=message.partition, offset=message.offset)


def dead_letter_headers(
    source: SourceRecord, stream: str, reason: str, errors: list[FieldError]
) -> list[tuple[str, bytes]]:
    """The headers a dead letter carries (pure, so tests and tools can read them back)."""
    shown = [e.as_dict() for e in errors[:_MAX_ERRORS_IN_HEADER]]
    return [
        (HEADER_SOURCE_TOPIC, source.topic.encode()),
        (HEADER_SOURCE_PARTITION, str(source.partition).encode()),
        (HEADER_SOURCE_OFFSET, str(source.offset).encode()),
        (HEADER_STREAM, stream.encode()),
        (HEADER_REASON, reason.encode()[:4096]),
        (HEADER_ERRORS, orjson.dumps(shown)),
    ]


async def send_dead_letter(
    service: LineageService,
    *,
    stream: str,
    source: SourceRecord,
    key: bytes | None,
    value: bytes | None,
    reason: str,
    errors: list[FieldError] | None = None,
    extra_headers: Sequence[tuple[str, bytes]] = (),
) -> None:
    """Publish the record unchanged on the dead-letter topic, with why and whence in headers.

    `extra_headers` lets a stream say more (the connector runner names the connector).
    """
    errors = errors or []
    log.warning(
        "Dead-lettering %s[%d]@%d from %s: %s", source.topic, source.partition, source.offset, stream, reason
    )
    await service.dead_letter_topic.send(
        key=key,
        value=value if value is not None else b"",
        headers=[*dead_letter_headers(source, stream, reason, errors), *extra_headers],
    )
    service.metrics.dead_letters.labels(stream=stream).inc()
