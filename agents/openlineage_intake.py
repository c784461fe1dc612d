"""OpenLineage intake from Kafka: validate each record, republish it on the internal topic.

Valid events are republished byte for byte, keyed as the official client keys them
(`run:{ns}/{job}`), so all runs of one job stay on one partition and in order for every
connector downstream. An invalid one is rejected with every error and its JSON path, and
the stream dead-letters it; the worker never stops on it. The event receiver connector's
topics go through the same handler in a stream of their own.
"""

from __future__ import annotations

from typing import Any

from agents.openlineage_publish import OpenLineagePublisher, check_event
from runtime.failures import Rejected


class OpenLineageIntake:
    """The handler of an intake stream."""

    def __init__(self, publisher: OpenLineagePublisher) -> None:
        self.publisher = publisher

    async def handle(self, record: Any) -> None:
        accepted, errors = check_event(record.value or b"", self.publisher.max_event_bytes)
        if accepted is None:
            raise Rejected("not a valid OpenLineage event: " + "; ".join(str(e) for e in errors[:5]), errors)
        await self.publisher.send(accepted, origin=f"kafka:{record.topic}")
