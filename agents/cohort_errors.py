"""Error events aimed at this server: logged, counted, kept for REST.

An error event (REGISTRATION_ERROR_EVENT, TYPEDEF_ERROR_EVENT, INSTANCE_ERROR_EVENT) names
the member at fault in `errorSection.targetMetadataCollectionId`. The ones aimed at this
server are kept in the replica's cohort state (every replica reads every cohort event, so
every replica keeps the same list) for `GET /api/v1/cohort/errors`, the newest `KEPT`,
and each is logged at WARNING and counted in `lineage_cohort_error_events{cohort, code}`
by the replica that owns its partition.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import orjson
from prometheus_client import Counter

from agents.cohort_identity import CohortIdentity
from agents.cohort_publisher import is_local
from runtime.kv import KeyValue, get_json, put_json, scan_json
from runtime.metrics import Metrics
from schemas.omrs import OMRSEventErrorCode, OMRSEventV1, dump_omrs_event, event_type_of

log = logging.getLogger(__name__)

KEPT = 1000
"""How many error events are kept for REST (the newest)."""

_ERRORS = b"cohort/error/"
_COUNT = b"cohort/error-count"


_NAMES_THE_OTHER = frozenset(
    {OMRSEventErrorCode.CONFLICTING_TYPEDEFS, OMRSEventErrorCode.CONFLICTING_ATTRIBUTE_TYPEDEFS}
)
"""Error codes whose event names the member at fault as the *other* collection: Egeria's
TypeDef conflict answers have no target (`OMRSRepositoryContentManager.processNewTypeDefEvent`)."""


def member_at_fault(event: OMRSEventV1) -> str | None:
    """The collection id an error event is aimed at."""
    error = event.error_section
    if error is None:
        return None
    if error.target_metadata_collection_id is None and error.error_code in _NAMES_THE_OTHER:
        return error.other_metadata_collection_id
    return error.target_metadata_collection_id


def aimed_at_us(identity: CohortIdentity, event: OMRSEventV1) -> bool:
    return member_at_fault(event) == identity.collection_id and not is_local(identity, event.originator)


def error_record(cohort: str, event: OMRSEventV1) -> dict[str, Any]:
    """What the REST view shows for one error event (JSON names as on the wire)."""
    full = orjson.loads(dump_omrs_event(event))
    kind = event_type_of(event)
    return {
        "cohort": cohort,
        "timestamp": full.get("timestamp"),
        "eventCategory": full.get("eventCategory"),
        "eventType": kind.value if kind is not None else None,
        "originator": full.get("originator"),
        "errorSection": full.get("errorSection"),
    }


class ErrorLog:
    """The error events aimed at this server, in the cohort state, newest `KEPT`."""

    def __init__(self, identity: CohortIdentity, metrics: Metrics) -> None:
        self.identity = identity
        self.counter = Counter(
            "lineage_cohort_error_events",
            "Error events aimed at this server, by cohort and error code",
            ["cohort", "code"],
            registry=metrics.registry,
        )

    def record(self, kv: KeyValue, cohort: str, event: OMRSEventV1, sequence: str, acting: bool) -> None:
        """Keep an error event (`sequence` orders them: the record's topic position); log and
        count it where this replica acts on it."""
        error = event.error_section
        assert error is not None
        if acting:
            self.counter.labels(cohort=cohort, code=error.error_code.value).inc()
            log.warning(
                "Cohort %s: %s aimed at this server from %s (%s): %s",
                cohort,
                error.error_code.value,
                event.originator.server_name,
                event.originator.metadata_collection_id,
                error.error_message,
            )
        digest = hashlib.sha256(dump_omrs_event(event)).hexdigest()[:16]
        key = _ERRORS + f"{event.timestamp or 0:015d}/{sequence}/{digest}".encode()
        if kv.get(key) is not None:
            return
        put_json(kv, key, error_record(cohort, event))
        count = (get_json(kv, _COUNT) or 0) + 1
        for old, _ in kv.scan(_ERRORS):
            if count <= KEPT:
                break
            kv.delete(old)
            count -= 1
        put_json(kv, _COUNT, count)


def recent_errors(kv: KeyValue, cohort: str | None = None) -> list[dict[str, Any]]:
    """The kept error events, oldest first (of one cohort when given)."""
    return [value for _, value in scan_json(kv, _ERRORS) if cohort is None or value.get("cohort") == cohort]
