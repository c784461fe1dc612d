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


def column_transformations(namespace: str, source_table: str) -> Any:
    """A columnLineage facet (official client's model) that uses every kind of
    transformation the spec names: a masked DIRECT TRANSFORMATION, an INDIRECT FILTER, an
    IDENTITY field and a dataset-wide INDIRECT GROUP_BY, all from columns of `source_table`."""
    from openlineage.client.facet_v2 import column_lineage_dataset as cl

    def source(field: str, *transformations: cl.Transformation) -> cl.InputField:
        return cl.InputField(
            namespace=namespace, name=source_table, field=field, transformations=list(transformations)
        )

    return cl.ColumnLineageDatasetFacet(
        fields={
            "email_hash": cl.Fields(
                inputFields=[
                    source(
                        "email",
                        cl.Transformation(
                            type="DIRECT", subtype="TRANSFORMATION", description="sha256(email)", masking=True
                        ),
                    ),
                    source(
                        "active",
                        cl.Transformation(type="INDIRECT", subtype="FILTER", description="where active"),
                    ),
                ]
            ),
            "id": cl.Fields(inputFields=[source("id")], transformationType="IDENTITY"),
        },
        dataset=[source("region", cl.Transformation(type="INDIRECT", subtype="GROUP_BY"))],
    )
