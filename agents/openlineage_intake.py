"""OpenLineage intake from Kafka: validate each record, republish it on the internal topic.

Valid events are republished byte for byte, keyed as the official client keys them
(`run:{ns}/{job}`), so all runs of one job stay on one partition and in order for every
connector agent downstream. Invalid ones go to the dead-letter topic with every error and
its JSON path; the worker never stops on them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from agents.dead_letters import SourceRecord, send_dead_letter
from schemas.openlineage import kafka_key, validate_event

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

STREAM = "openlineage-intake"


def install(service: LineageService) -> None:
    """Add the intake agent over `LINEAGE_OPENLINEAGE_TOPICS` (none when the list is empty)."""
    names = service.names.openlineage_inbound
    if not names:
        log.info("No OpenLineage topics configured: Kafka intake is off")
        return
    source = service.topic(*names)

    @service.app.agent(source, name=STREAM)
    async def openlineage_intake(stream: Any) -> None:
        async for event in stream.events():
            await handle_record(service, event.message, event.key, event.value)


async def handle_record(service: LineageService, message: Any, key: bytes | None, value: bytes | None) -> None:
    """Validate one record and route it: internal topic when valid, dead letters when not."""
    service.metrics.events_in.labels(stream=STREAM).inc()
    parsed, errors = validate_event(value if value is not None else b"")
    if parsed is None or errors:
        reason = "not a valid OpenLineage event: " + "; ".join(str(e) for e in errors[:5])
        await send_dead_letter(
            service, stream=STREAM, source=SourceRecord.of(message), key=key, value=value, reason=reason,
            errors=errors,
        )
        return
    await service.internal_topic.send(key=kafka_key(parsed).encode(), value=value)
    service.metrics.events_out.labels(role="openlineage-internal").inc()
