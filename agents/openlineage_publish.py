"""Validate, key and publish one OpenLineage event on the internal topic.

REST, the Kafka intake, the event receiver and connectors publishing events all take
this one path, so an event means the same thing whichever door it came in by:

- it is validated by `schemas.openlineage` (every error with its JSON path);
- it is keyed as the official client keys it (`run:{ns}/{job}` of the root job), so all
  runs of one job land on one partition, in order, for every connector agent;
- its bytes travel unchanged (what the producer sent is what connectors get);
- a header says where it came from (`rest`, `kafka:<topic>`, `connector:<name>`), so a
  connector never receives the events it published itself.

`publish(..., wait=True)` returns only once the broker has acknowledged the record
(acks=all), which is what lets REST answer 2xx only for events that are durably stored.
Agents pass `wait=False`: their batch stream flushes the producer and checks every send's
acknowledgement before it commits the offsets of the records it handled, which gives the
same guarantee without a round trip per event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.parsed_cache import ParsedCache, worker_cache
from app.lineage_input import event_bytes
from schemas.errors import EventValidationError, FieldError
from schemas.openlineage import OpenLineageEvent, kafka_key, validate_event

if TYPE_CHECKING:
    from app.service import LineageService

HEADER_ORIGIN = "lineage.origin"
"""Where an event on the internal topic came from: `rest`, `kafka:<topic>`, `connector:<name>`."""
HEADER_USER = "lineage.user"
"""The user named in an Egeria REST path, kept for audit."""

PUBLISH_TIMEOUT_S = 30.0
"""How long a caller waits for the broker's acknowledgement before giving up (REST answers 503)."""


class EventTooLarge(ValueError):
    """The event is bigger than `settings.max_event_bytes`; topics are sized for that limit."""


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


def _parse_or_none(raw: bytes) -> OpenLineageEvent | None:
    """The event these bytes hold; None when they are not a valid event."""
    return validate_event(raw)[0]


def parsed_events(service: LineageService) -> ParsedCache[OpenLineageEvent | None]:
    """The worker's cache of parsed events (shared by the intake doors and the connectors).

    The doors validate an event and publish its bytes unchanged; the connector streams of the
    same worker read those bytes back from the internal topic and take the parsed event from
    here (`take_or_parse` parses on a miss; None when the bytes are not a valid event). The
    connector host sets how many streams read each event back (`ParsedCache.readers`).
    """
    return worker_cache(service, "openlineage", _parse_or_none)


def origin_headers(origin: str, user: str | None = None) -> list[tuple[str, bytes]]:
    headers = [(HEADER_ORIGIN, origin.encode())]
    if user:
        headers.append((HEADER_USER, user.encode()))
    return headers


async def send_event(
    service: LineageService, accepted: AcceptedEvent, *, origin: str, user: str | None = None
) -> Awaitable[Any]:
    """Hand one accepted event to the producer; returns the future of its acknowledgement
    (so a batch can send every event first and wait for all of them together)."""
    sent = await service.produce(
        service.names.openlineage_internal, accepted.key, accepted.raw, headers=origin_headers(origin, user)
    )
    service.metrics.events_out.labels(role="openlineage-internal").inc()
    parsed_events(service).remember(accepted.raw, accepted.event)
    return sent


async def publish(
    service: LineageService,
    accepted: AcceptedEvent,
    *,
    origin: str,
    user: str | None = None,
    wait: bool = True,
) -> None:
    """Put one accepted event on the internal topic; with `wait`, return once it is stored.

    Raises PublishFailed when the broker does not acknowledge within PUBLISH_TIMEOUT_S.
    """
    sent = await send_event(service, accepted, origin=origin, user=user)
    if wait:
        await wait_stored(sent)


async def wait_all_stored(sent: list[Any]) -> list[PublishFailed | None]:
    """Wait once for many sends' futures (a REST batch): for each, None when stored, else why not.

    One wait for the whole batch instead of a timeout and a shield per event; the futures are
    never cancelled (the records may still arrive; connectors are idempotent).
    """
    futures = [asyncio.ensure_future(f) for f in sent]
    if not futures:
        return []
    _, pending = await asyncio.wait(futures, timeout=PUBLISH_TIMEOUT_S)
    results: list[PublishFailed | None] = []
    for future in futures:
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


async def wait_stored(sent: Any) -> None:
    """Wait for a Faust send's future (RecordMetadata); PublishFailed when it fails or times out."""
    try:
        await asyncio.wait_for(asyncio.shield(sent), PUBLISH_TIMEOUT_S)
    except TimeoutError:
        raise PublishFailed(
            f"the broker did not acknowledge the event within {PUBLISH_TIMEOUT_S:.0f}s"
        ) from None
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise PublishFailed(f"the broker refused the event: {type(exc).__name__}: {exc}") from exc
