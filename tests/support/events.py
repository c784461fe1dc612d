"""Small, valid OpenLineage events for tests that need traffic, not schema coverage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

PRODUCER = "https://github.com/lineage-integrator/tests"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def run_event(
    job: str, event_type: str = "START", namespace: str = "tests", run_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": event_type,
        "eventTime": datetime.now(UTC).isoformat(),
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id or str(uuid.uuid4()), "facets": {}},
        "job": {"namespace": namespace, "name": job, "facets": {}},
        "inputs": [],
        "outputs": [],
    }
    event.update(extra)
    return event


def encoded(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)
