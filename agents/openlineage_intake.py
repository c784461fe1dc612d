"""OpenLineage intake from Kafka: validate each record, republish it on the internal topic.

Valid events are republished byte for byte, keyed as the official client keys them
(`run:{ns}/{job}`), so all runs of one job stay on one partition and in order for every
connector agent downstream. Invalid ones go to the dead-letter topic with every error and
its JSON path; the worker never stops on them. The event receiver connector's extra
topics go through `handle_record` too, under their own stream name.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from agents.dead_letters import SourceRecord, send_dead_letter
from agents.openlineage_publish import check_event, publish

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
    install_intake_agent(service, names, STREAM)


def install_intake_agent(
    service: LineageService, topics: tuple[str, ...] | list[str], stream_name: str
) -> None:
    """One agent validating the records of `topics` onto the internal topic."""
    service.add_record_agent(
        service.topic(*topics), stream_name, partial(handle_record, service, stream=stream_name)
    )


async def handle_record(
    service: LineageService,
    message: Any,
    key: bytes | None,
    value: bytes | None,
    *,
    stream: str = STREAM,
) -> None:
    """Validate one record and route it: internal topic when valid, dead letters when not."""
    service.metrics.events_in.labels(stream=stream).inc()
    raw = value if value is not None else b""
    accepted, errors = check_event(raw, service.settings.max_event_bytes)
    if accepted is None:
        reason = "not a valid OpenLineage event: " + "; ".join(str(e) for e in errors[:5])
        await send_dead_letter(
            service,
            stream=stream,
            source=SourceRecord.of(message),
            key=key,
            value=value,
            reason=reason,
            errors=errors,
        )
        return
    # No wait: the batch stream checks this send was stored before committing the offset.
    await publish(service, accepted, origin=f"kafka:{message.topic}", wait=False)
