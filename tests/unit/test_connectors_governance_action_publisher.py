"""Engine action status changes as OpenLineage run events (Egeria's mapping)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from agents.connectors.governance_action_publisher import as_run_id, engine_action_run_event
from schemas.asset_manager import parse_asset_manager_event
from schemas.openlineage import RunEvent, parse_event

GUID = "0e8a5a1c-6f0d-4a53-8e24-6a3b1c2d3e4f"
ANCHOR = "5c1a7b2e-1111-4a53-8e24-6a3b1c2d3e4f"


def am_event(
    status: Any,
    previous: Any = None,
    *,
    type_name: str = "EngineAction",
    event_type: str = "ELEMENT_UPDATED",
    **props: Any,
) -> Any:
    event: dict[str, Any] = {
        "eventType": event_type,
        "eventTime": 1_700_000_000_000,
        "elementHeader": {
            "guid": GUID,
            "type": {"typeName": type_name},
            "classifications": [
                {"classificationName": "Anchors", "classificationProperties": {"anchorGUID": ANCHOR}}
            ],
        },
        "elementProperties": {"actionStatus": status, **props},
    }
    if previous is not None:
        event["previousElementProperties"] = {"actionStatus": previous}
    return parse_asset_manager_event(event)


@pytest.mark.parametrize(
    ("status", "run_state"),
    [
        ("In Progress", "START"),
        ("ACTIONED", "COMPLETE"),
        ("Failed", "FAIL"),
        ("INVALID", "ABORT"),
        (4, "START"),
    ],
)
def test_status_maps_to_run_state(status: Any, run_state: str) -> None:
    run_event = engine_action_run_event(
        am_event(status, "Approved", processName="p", governanceActionTypeName="t")
    )
    assert run_event is not None
    assert run_event["eventType"] == run_state
    parsed = parse_event(run_event)  # what it publishes is a valid OpenLineage event
    assert isinstance(parsed, RunEvent)
    assert parsed.run_id == GUID
    assert parsed.job_key == ("p", "t")
    assert parsed.eventTime == "2023-11-14T22:13:20Z"


@pytest.mark.parametrize(
    "event",
    [
        am_event("In Progress", "In Progress"),  # unchanged
        am_event("Requested", "Approved"),  # no OpenLineage state for it
        am_event("In Progress", "Approved", type_name="Asset"),  # not an engine action
        am_event("In Progress", "Approved", event_type="ELEMENT_DELETED"),
        am_event(None),
    ],
)
def test_nothing_is_published_for_other_changes(event: Any) -> None:
    assert engine_action_run_event(event) is None


def test_egeria_details_job_namespace_parent_inputs_outputs() -> None:
    run_event = engine_action_run_event(
        am_event(
            "Actioned",
            "In Progress",
            processName="x" * 60 + ":clean-process",
            governanceEngineName="engine",
            requestType="validate",
            startTime=1_700_000_000_000,
            completionTime=1_700_000_005_000,
            receivedGuards=["ready"],
            requestParameters={"table": "orders"},
            completionGuards=["done"],
        )
    )
    assert run_event is not None
    assert run_event["job"] == {"namespace": "clean-process", "name": "engine:validate"}
    facets = run_event["run"]["facets"]
    assert facets["parent"]["run"]["runId"] == ANCHOR
    assert facets["nominalTime"]["nominalStartTime"] == "2023-11-14T22:13:20Z"
    assert facets["nominalTime"]["nominalEndTime"] == "2023-11-14T22:13:25Z"
    assert [i["name"] for i in run_event["inputs"]] == ["ready", "orders"]
    assert run_event["outputs"] == [{"namespace": "clean-process", "name": "done"}]
    parse_event(run_event)


def test_default_namespace_and_a_stable_run_id_for_odd_guids() -> None:
    run_event = engine_action_run_event(am_event("In Progress", None), default_namespace="gov")
    assert run_event is not None
    assert run_event["job"] == {"namespace": "gov", "name": GUID}
    assert as_run_id("not-a-uuid") == as_run_id("not-a-uuid")
    uuid.UUID(as_run_id("not-a-uuid"))
