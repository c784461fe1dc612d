"""The governance-action publisher: engine actions seen on the Asset Manager topic, as
OpenLineage run events (Egeria's GovernanceActionOpenLineageIntegrationConnector).

When an EngineAction (GovernanceAction before Egeria 4) is created or updated and its
`actionStatus` changed, a run event is published to every other connector:
IN_PROGRESS -> START, ACTIONED -> COMPLETE, FAILED -> FAIL, INVALID -> ABORT (other
statuses publish nothing). As in Egeria: the run is the engine action (its guid is the
runId), the job is its governance action type (else `<engine>:<requestType>`), the
namespace its process name (the last `:` part when longer than 64 characters, Marquez's
limit), the parent run its anchor; received guards and request parameters are inputs,
completion guards outputs once it completed; a nominalTime facet carries its start and
completion times.

Unlike Egeria, which reads the engine action back from the server, this works from the
event's own element properties, and its `eventTime` is the Asset Manager event's time
(never "now"), so a redelivered Asset Manager event makes the very same OpenLineage event.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from agents.connectors.base import Connector
from schemas.asset_manager import (
    OPENLINEAGE_RUN_STATE,
    AssetManagerEventType,
    AssetManagerOutTopicEvent,
    engine_action_status_change,
    epoch_ms_to_datetime,
    is_engine_action,
)
from schemas.openlineage import SCHEMA_BASE

PRODUCER = "https://egeria-project.org/"
_FACETS = "https://openlineage.io/spec/facets/1-0-1"
_GUID_NAMESPACE = uuid.UUID("0b6f5a64-4b7e-5c55-9d1f-0e3c1b0a7a11")
_MARQUEZ_NAMESPACE_LIMIT = 64
_EVENT_TYPES = (AssetManagerEventType.NEW_ELEMENT_CREATED, AssetManagerEventType.ELEMENT_UPDATED)


class GovernanceActionPublisherSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    namespace: str = "egeria"
    """Job namespace for an engine action without a process name."""


def as_run_id(guid: str) -> str:
    """An Egeria guid is a UUID; anything else is mapped to a stable one."""
    try:
        return str(uuid.UUID(guid))
    except ValueError:
        return str(uuid.uuid5(_GUID_NAMESPACE, guid))


def _iso(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return epoch_ms_to_datetime(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value:
        return value
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [
            str(v) for v in value if isinstance(v, str | int | float) and not isinstance(v, bool) and str(v)
        ]
    return []


def _first(props: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = props.get(name)
        if value not in (None, ""):
            return value
    return None


def engine_action_run_event(
    event: AssetManagerOutTopicEvent, default_namespace: str = "egeria"
) -> dict[str, Any] | None:
    """The OpenLineage run event for an engine action's status change, or None."""
    if event.eventType not in _EVENT_TYPES or not is_engine_action(event):
        return None
    previous, current = engine_action_status_change(event)
    if current is None or current == previous or current not in OPENLINEAGE_RUN_STATE:
        return None
    header = event.elementHeader
    assert header is not None
    props = event.elementProperties or {}

    process_name = _first(props, "processName")
    namespace = str(process_name or default_namespace)
    if len(namespace) > _MARQUEZ_NAMESPACE_LIMIT:
        namespace = namespace.split(":")[-1]
    engine = _first(props, "governanceEngineName", "executorEngineName")
    request_type = _first(props, "requestType")
    job_name = str(
        _first(props, "governanceActionTypeName")
        or (f"{engine}:{request_type}" if engine or request_type else None)
        or header.guid
    )
    event_time = (
        _iso(event.eventTime)
        or _iso(header.versions.updateTime if header.versions else None)
        or datetime.now(UTC).isoformat().replace("+00:00", "Z")
    )

    run_facets: dict[str, Any] = {}
    start = _iso(_first(props, "startTime", "startDate", "requestedTime", "requestedStartDate"))
    if start:
        nominal: dict[str, Any] = {
            "_producer": PRODUCER,
            "_schemaURL": f"{_FACETS}/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet",
            "nominalStartTime": start,
        }
        end = _iso(_first(props, "completionTime", "completionDate"))
        if end:
            nominal["nominalEndTime"] = end
        run_facets["nominalTime"] = nominal
    anchors = header.classification("Anchors")
    anchor_guid = (anchors.classificationProperties or {}).get("anchorGUID") if anchors else None
    if isinstance(anchor_guid, str) and anchor_guid:
        run_facets["parent"] = {
            "_producer": PRODUCER,
            "_schemaURL": f"{_FACETS}/ParentRunFacet.json#/$defs/ParentRunFacet",
            "run": {"runId": as_run_id(anchor_guid)},
            "job": {"namespace": namespace, "name": str(process_name or namespace)},
        }

    inputs = [
        {"namespace": namespace, "name": name}
        for name in _strings(props.get("actionTargetNames"))
        + _strings(props.get("receivedGuards"))
        + _strings(props.get("requestParameters"))
    ]
    run_event: dict[str, Any] = {
        "eventType": OPENLINEAGE_RUN_STATE[current],
        "eventTime": event_time,
        "producer": PRODUCER,
        "schemaURL": f"{SCHEMA_BASE}#/$defs/RunEvent",
        "run": {"runId": as_run_id(header.guid), "facets": run_facets},
        "job": {"namespace": namespace, "name": job_name},
        "inputs": inputs,
    }
    if _first(props, "completionTime", "completionDate") is not None:
        run_event["outputs"] = [
            {"namespace": namespace, "name": name} for name in _strings(props.get("completionGuards"))
        ]
    return run_event


class GovernanceActionPublisherConnector(Connector[GovernanceActionPublisherSettings]):
    """Publishes an OpenLineage run event for each engine action status change."""

    settings_model = GovernanceActionPublisherSettings
    consumes_openlineage = False
    description = "Turns engine action status changes on the Asset Manager topic into OpenLineage run events"

    async def start(self) -> None:
        self.context.register_asset_manager_listener(self.on_asset_manager_event, _EVENT_TYPES)

    async def on_asset_manager_event(self, event: AssetManagerOutTopicEvent, raw: bytes) -> None:
        run_event = engine_action_run_event(event, self.settings.namespace)
        if run_event is not None:
            await self.context.publish_openlineage_event(run_event)

    @classmethod
    def listens_to(cls) -> dict[str, Any]:
        return {"openLineage": False, "assetManager": [t.value for t in _EVENT_TYPES]}
