"""Validate, key and publish one OpenLineage event on the internal topic.

REST, the Kafka intake, the event receiver and connectors publishing events all take this
one path, so an event means the same thing whichever door it came in by:

- it is validated by `schemas.openlineage` (every error with its JSON path);
- it is keyed as the official client keys it (`run:{ns}/{job}` of the root job), so all
  runs of one job land on one partition, in order, for every connector;
- its bytes travel unchanged (what the producer sent is what connectors get);
- a header says where it came from (`rest`, `kafka:<topic>`, `connector:<name>`), so a
  connector never receives the events it published itself.

`OpenLineagePublisher.publish` returns only once the broker acknowledged the record
(acks=all): REST answers 2xx only for events durably stored. Streams use `send`: their
checkpoint flushes the producer and checks every send before it commits the offsets of
the records that produced them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from runtime.metrics import Metrics
from runtime.producer import Headers, Producer
from schemas.errors import EventValidationError, FieldError
from schemas.event_bytes import event_bytes
from schemas.openlineage import OpenLineageEvent, kafka_key, validate_event

HEADER_ORIGIN = "lineage.origin"
"""Where an event on the internal topic came from: `rest`, `kafka:<topic>`, `connector:<name>`."""
HEADER_USER = "lineage.user"
"""The user named in an Egeria REST path, kept for audit."""

PUBLISH_TIMEOUT_S = 30.0
"""How long a caller waits for the broker's acknowledgement before giving up (REST answers 503)."""


class EventTooLarge(ValueError):
    """The event is bigger than LINEAGE_MAX_EVENT_BYTES; topics are sized for that limit."""


class PublishFailed(RuntimeError):
    """The broker did not acknowledge the record in time; the caller may retry (the record may
    still arrive, and every connector is idempotent, so a retry is safe)."""


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    """A valid event, its exact bytes and the key it is published under."""

    event: OpenLineageEvent
    raw: bytes
    key: bytes


def check_event(raw: bytes, max_bytes: int | None = None) -> tuple[AcceptedEvent | None, list[FieldError]]:
    """Validate the JSON bytes of one event: (accepted, []) or (None, every error)."""
    if max_bytes is not None and len(raw) > max_bytes:
        return None, [FieldError("$", f"the event is {len(raw)} bytes, above the limit of {max_bytes} bytes")]
    parsed, errors = validate_event(raw)
    if parsed is None or errors:
        return None, errors
    return AcceptedEvent(event=parsed, raw=raw, key=kafka_key(parsed).encode()), []


def accept_event(event: Any, max_bytes: int | None = None) -> AcceptedEvent:
    """Any form of one event (dict, text, bytes, official-client object) made ready to publish.

    Raises EventValidationError with every problem, EventTooLarge above `max_bytes`.
    """
    raw = event_bytes(event)
    if max_bytes is not None and len(raw) > max_bytes:
        raise EventTooLarge(f"the event is {len(raw)} bytes, above the limit of {max_bytes} bytes")
    accepted, errors = check_event(raw)
    if accepted is None:
        raise EventValidationError(errors)
    return accepted


def origin_headers(origin: str, user: str | None = None) -> Headers:
    headers = [(HEADER_ORIGIN, origin.encode())]
    if user:
        headers.append((HEADER_USER, user.encode()))
    return headers


def origin_of(headers: Sequence[tuple[str, bytes]] | None) -> bytes | None:
    """The origin header of a consumed record, if any."""
    for name, value in headers or ():
        if name == HEADER_ORIGIN:
            return value
    return None


class OpenLineagePublisher:
    """Puts accepted events on the internal topic."""

    def __init__(
        self, producer: Producer, internal_topic: str, metrics: Metrics, max_event_bytes: int
    ) -> None:
        self.producer = producer
        self.internal_topic = internal_topic
        self.metrics = metrics
        self.max_event_bytes = max_event_bytes

    async def send(
        self, accepted: AcceptedEvent, *, origin: str, user: str | None = None
    ) -> asyncio.Future[Any]:
        """Hand one event to the producer; returns the future of its acknowledgement (a
        stream's checkpoint checks it; a REST batch waits for all of them at once)."""
        sent = await self.producer.send(
            self.internal_topic, accepted.raw, key=accepted.key, headers=origin_headers(origin, user)
        )
        self.metrics.events_out.labels(role="openlineage-internal").inc()
        return sent

    async def publish(self, accepted: AcceptedEvent, *, origin: str, user: str | None = None) -> None:
        """Put one event on the internal topic and return once it is stored (PublishFailed
        when the broker does not acknowledge it within PUBLISH_TIMEOUT_S)."""
        results = await wait_all_stored([await self.send(accepted, origin=origin, user=user)])
        if results[0] is not None:
            raise results[0]


async def wait_all_stored(sent: list[asyncio.Future[Any]]) -> list[PublishFailed | None]:
    """Wait once for many sends' futures: for each, None when stored, else why not.

    The futures are never cancelled (the records may still arrive; connectors are idempotent).
    """
    if not sent:
        return []
    _, pending = await asyncio.wait(sent, timeout=PUBLISH_TIMEOUT_S)
    results: list[PublishFailed | None] = []
    for future in sent:
        if future in pending:
            results.append(
                PublishFailed(f"the broker did not acknowledge the event within {PUBLISH_TIMEOUT_S:.0f}s")
            )
        elif future.cancelled():
            results.append(PublishFailed("the broker refused the event: cancelled"))
        elif (exc := future.exception()) is not None:
            results.append(PublishFailed(f"the broker refused the event: {type(exc).__name__}: {exc}"))
        else:
            results.append(None)
    return results
