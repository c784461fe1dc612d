"""Error events aimed at this server: logged, counted, kept for REST.

An error event (REGISTRATION_ERROR_EVENT, TYPEDEF_ERROR_EVENT, INSTANCE_ERROR_EVENT) names
the member at fault in ``errorSection.targetMetadataCollectionId``. The agent of each
category passes the ones aimed at this server here (not the ones we sent ourselves, which
come back on the same topics). Each is logged at WARNING, counted in
``lineage_cohort_error_events{cohort, code}``, and written to the ``cohort.errors`` topic,
which every replica tails (`ErrorLog`) so ``GET /api/v1/cohort/errors`` shows the same list
wherever it is asked. Records are keyed by event digest, so a redelivered event is listed once.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

import orjson
from prometheus_client import Counter

from agents.cohort_publisher import is_local
from agents.cohort_store import ChangelogReader
from schemas.omrs import OMRSEventV1, dump_omrs_event, event_type_of, now_ms

if TYPE_CHECKING:
    from app.service import LineageService
    from app.settings import Settings

log = logging.getLogger(__name__)

KEPT = 1000
"""How many error events each replica keeps for REST (the newest)."""


def aimed_at_us(settings: Settings, event: OMRSEventV1) -> bool:
    error = event.error_section
    return (
        error is not None
        and error.target_metadata_collection_id == settings.collection_id
        and not is_local(settings, event.originator)
    )


def error_record(cohort: str, event: OMRSEventV1, received_ms: int) -> dict[str, Any]:
    """What the REST view shows for one error event (JSON names as on the wire)."""
    full = orjson.loads(dump_omrs_event(event))
    kind = event_type_of(event)
    return {
        "cohort": cohort,
        "receivedTime": received_ms,
        "timestamp": full.get("timestamp"),
        "eventCategory": full.get("eventCategory"),
        "eventType": kind.value if kind is not None else None,
        "originator": full.get("originator"),
        "errorSection": full.get("errorSection"),
    }


def _counter(service: LineageService) -> Counter:
    counter: Counter | None = service.extensions.get("cohort_error_counter")
    if counter is None:
        counter = Counter(
            "lineage_cohort_error_events",
            "Error events aimed at this server, by cohort and error code",
            ["cohort", "code"],
            registry=service.metrics.registry,
        )
        service.extensions["cohort_error_counter"] = counter
    return counter


class ErrorLog:
    """Writes error events aimed at us to the errors topic; reads them back on every replica."""

    def __init__(self, service: LineageService, topic: str):
        self.service = service
        self.topic_name = topic
        self.topic = service.topic(topic, partitions=1, declare=True)
        self.reader = ChangelogReader(service, name="cohort errors", topic=topic, max_keys=KEPT)
        self._declared = False

    def install(self) -> None:
        self.reader.install()

        @self.service.app.task
        async def declare_errors_topic() -> None:
            await self._declare()

    async def _declare(self) -> None:
        if not self._declared:
            await self.topic.maybe_declare()
            self._declared = True

    async def record(self, cohort: str, event: OMRSEventV1, event_digest: str | None = None) -> None:
        error = event.error_section
        assert error is not None
        code = error.error_code.value
        _counter(self.service).labels(cohort=cohort, code=code).inc()
        log.warning(
            "Cohort %s: %s aimed at this server from %s (%s): %s",
            cohort,
            code,
            event.originator.server_name,
            event.originator.metadata_collection_id,
            error.error_message,
        )
        key = event_digest or hashlib.sha256(cohort.encode() + dump_omrs_event(event)).hexdigest()[:32]
        await self._declare()
        value = orjson.dumps(error_record(cohort, event, now_ms()))
        await self.topic.send(key=key.encode(), value=value)

    def recent(self) -> list[dict[str, Any]]:
        """Newest last."""
        return list(self.reader.data.values())
