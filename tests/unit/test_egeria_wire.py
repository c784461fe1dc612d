"""Every OMRS event this service writes, checked against Egeria's Java.

The expectations come from Egeria's source (odpi/egeria), never from the code under test:

- `tests/fixtures/egeria/beans/egeria-<release>.json`: each bean's JSON fields, types and
  always-written fields, read from the Java of Egeria 5.2, 6.0 and 6.1-SNAPSHOT (commits
  in each file); `tests.support.egeria_beans.wire_problems` checks JSON against them;
- `tests/fixtures/egeria/event_layouts.json`: which fields each event and error code
  carries, read from Egeria's event constructors and publishers (file and line cited);
- `tests/fixtures/egeria/repository_connection.json`: the Connection a real Egeria server
  registers with, and how Egeria's REST repository connector builds its URLs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agents.cohort_publisher import local_originator, remote_connection
from app.settings import Settings
from schemas.omrs import (
    OMRSEventErrorCode,
    OMRSEventV1,
    attribute_typedef_conflict_event,
    bad_remote_connection_event,
    conflicting_collection_id_event,
    conflicting_instances_event,
    conflicting_type_event,
    dump_omrs_event,
    instance_error_event,
    new_attribute_typedef_event,
    new_typedef_event,
    re_registration_event,
    refresh_registration_request,
    registration_event,
    registry_error_event,
    typedef_conflict_event,
    typedef_error_event,
    typedef_patch_mismatch_event,
    un_registration_event,
)
from schemas.omrs_connection import REPOSITORY_SERVICES_PATH, REST_REPOSITORY_CONNECTOR_PROVIDER
from schemas.open_metadata_types import EGERIA_RELEASES, known_attribute_type, known_type, release_types
from tests.support.egeria_beans import protocol_versions, wire_problems
from tests.unit.test_catalogue_mapping import catalogue, dataset, facet, run_event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "egeria"
LAYOUTS = json.loads((FIXTURES / "event_layouts.json").read_text())
CONNECTION = json.loads((FIXTURES / "repository_connection.json").read_text())

SETTINGS = Settings(server_name="lineage", advertised_url="https://lineage.example:6066")
ME = local_originator(SETTINGS)
THEM = "a0f3c6b4-2f53-4a5e-9d1b-7c3f0e6a9b21"
TS = 1700000123456
PROCESS = known_type("Process")
DATA_FLOW = known_type("DataFlow")
THEIR_PROCESS = next(t for t in release_types("5.2").types if t.name == "Process")


def wire(event: OMRSEventV1) -> dict[str, Any]:
    return json.loads(dump_omrs_event(event))  # type: ignore[no-any-return]


# -- every event the builders write ---------------------------------------------------------

BUILDERS: dict[str, Callable[[], OMRSEventV1]] = {
    "registration": lambda: registration_event(ME, TS, remote_connection(SETTINGS), "lineage", timestamp=TS),
    "re-registration": lambda: re_registration_event(
        ME, TS, remote_connection(SETTINGS), "lineage", timestamp=TS
    ),
    "un-registration": lambda: un_registration_event(ME, metadata_collection_name="lineage", timestamp=TS),
    "refresh-request": lambda: refresh_registration_request(ME, timestamp=TS),
    "conflicting-collection-id": lambda: conflicting_collection_id_event(ME, "same id", THEM, timestamp=TS),
    "bad-remote-connection": lambda: bad_remote_connection_event(
        ME, "unusable", THEM, remote_connection(SETTINGS), timestamp=TS
    ),
    "conflicting-typedefs": lambda: typedef_conflict_event(
        ME, "clash", THEIR_PROCESS.type_def(), THEM, PROCESS.type_def(), timestamp=TS
    ),
    "conflicting-attribute-typedefs": lambda: attribute_typedef_conflict_event(
        ME,
        "clash",
        next(a for a in release_types("5.2").attribute_types if a.name == "string").as_attribute_type_def(),
        THEM,
        known_attribute_type("string").as_attribute_type_def(),
        timestamp=TS,
    ),
    "typedef-patch-mismatch": lambda: typedef_patch_mismatch_event(
        ME, "versions", THEM, THEIR_PROCESS.summary(), PROCESS.type_def(), timestamp=TS
    ),
    "conflicting-instances": lambda: conflicting_instances_event(
        ME,
        "same guid",
        THEM,
        DATA_FLOW.summary(),
        "g-1",
        SETTINGS.collection_id,
        "LOCAL_COHORT",
        PROCESS.summary(),
        "g-1",
    ),
    "conflicting-type": lambda: conflicting_type_event(
        ME, "version went back", THEM, THEIR_PROCESS.summary(), "g-1", PROCESS.summary(), timestamp=TS
    ),
    "invalid-instance-event": lambda: instance_error_event(
        ME, OMRSEventErrorCode.INVALID_INSTANCE_EVENT, "bad", THEM, "g-1", timestamp=TS
    ),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_built_event_uses_egerias_fields_and_writes_what_egeria_always_writes(name: str) -> None:
    event = wire(BUILDERS[name]())
    assert wire_problems(event, "OMRSEvent") == []
    assert event["protocolVersionId"] in protocol_versions()


@pytest.mark.parametrize("release", EGERIA_RELEASES)
def test_every_typedef_this_server_can_announce_is_egeria_shaped(release: str) -> None:
    for known in release_types(release).types:
        event = wire(new_typedef_event(ME, known.type_def(), timestamp=TS))
        assert wire_problems(event, "OMRSEvent") == [], known.name
    for attribute in release_types(release).attribute_types:
        event = wire(new_attribute_typedef_event(ME, attribute.as_attribute_type_def(), timestamp=TS))
        assert wire_problems(event, "OMRSEvent") == [], attribute.name


def test_the_cataloguers_instance_events_are_egeria_shaped() -> None:
    lineage = facet(
        fields={"y": {"inputFields": [{"namespace": "postgres://db:5432", "name": "a", "field": "x"}]}}
    )
    _, published = catalogue(
        [
            run_event(
                inputs=[dataset("a", schema=facet(fields=[{"name": "x", "type": "int"}]))],
                outputs=[dataset("b", columnLineage=lineage)],
                job_facets={"ownership": facet(owners=[{"name": "ann"}]), "sql": facet(query="select 1")},
            )
        ]
    )
    assert published
    for event in published:
        assert wire_problems(wire(event), "OMRSEvent") == []


def test_the_check_finds_what_egeria_would_not_write() -> None:
    """The checker itself, on JSON Egeria would not write (so a passing check means something)."""
    event = wire(BUILDERS["conflicting-type"]())
    event["errorSection"]["targetTypeDefSummary"]["superTypes"] = []
    del event["errorSection"]["targetTypeDefSummary"]["version"]
    event["originator"]["serverName"] = 7
    problems = wire_problems(event, "OMRSEvent")
    assert problems == [
        "$.originator.serverName: 7 is not string (String)",
        "$.errorSection.targetTypeDefSummary.superTypes: not a field Egeria writes in TypeDefSummary",
        "$.errorSection.targetTypeDefSummary.version: Egeria always writes it",
    ]


# -- each event and error code in the layout of Egeria's constructor -----------------------


def _layout_of(event: dict[str, Any]) -> dict[str, Any]:
    section_name = next(k for k in event if k.endswith("EventSection"))
    return {
        "originator": sorted(event["originator"]),
        "section": sorted(event[section_name]),
        "errorSection": sorted(event["errorSection"]) if "errorSection" in event else None,
    }


EVENTS = {
    "REGISTRATION_EVENT": "registration",
    "RE_REGISTRATION_EVENT": "re-registration",
    "REFRESH_REGISTRATION_REQUEST": "refresh-request",
    "UN_REGISTRATION_EVENT": "un-registration",
}


@pytest.mark.parametrize("kind", list(EVENTS))
def test_registry_events_carry_what_egerias_publisher_writes(kind: str) -> None:
    expected = LAYOUTS["events"][kind]
    event = wire(BUILDERS[EVENTS[kind]]())
    assert _layout_of(event) == {
        "originator": sorted(expected["originator"]),
        "section": sorted(expected["registryEventSection"]),
        "errorSection": None,
    }


def test_typedef_announcements_carry_what_egerias_constructor_writes() -> None:
    typedef = wire(new_typedef_event(ME, PROCESS.type_def(), timestamp=TS))
    attribute = wire(new_attribute_typedef_event(ME, known_attribute_type("string").as_attribute_type_def()))
    assert sorted(typedef["typeDefEventSection"]) == sorted(
        LAYOUTS["events"]["NEW_TYPEDEF_EVENT"]["typeDefEventSection"]
    )
    assert sorted(attribute["typeDefEventSection"]) == sorted(
        LAYOUTS["events"]["NEW_ATTRIBUTE_TYPEDEF_EVENT"]["typeDefEventSection"]
    )


ERRORS = {
    "CONFLICTING_COLLECTION_ID": "conflicting-collection-id",
    "BAD_REMOTE_CONNECTION": "bad-remote-connection",
    "CONFLICTING_TYPEDEFS": "conflicting-typedefs",
    "CONFLICTING_ATTRIBUTE_TYPEDEFS": "conflicting-attribute-typedefs",
    "TYPEDEF_PATCH_MISMATCH": "typedef-patch-mismatch",
    "CONFLICTING_INSTANCES": "conflicting-instances",
    "CONFLICTING_TYPE": "conflicting-type",
}


@pytest.mark.parametrize("code", list(ERRORS))
def test_each_error_code_has_the_layout_of_egerias_constructor(code: str) -> None:
    expected = LAYOUTS["errors"][code]
    event = wire(BUILDERS[ERRORS[code]]())
    section = next(k for k in event if k.endswith("EventSection"))
    assert event["eventCategory"] == expected["category"]
    # INSTANCE_ERROR_EVENT, the type Egeria's receivers act on, where Egeria's constructors
    # leave UNKNOWN_INSTANCE_EVENT (see the layout's egeriaWrites)
    assert _section_event_type(event[section]) == expected["sectionEventType"]
    assert sorted(event[section]) == sorted(expected["section"])
    # every constructor takes an error message (Egeria's attribute-conflict caller passes null)
    assert set(event["errorSection"]) - {"errorMessage"} == set(expected["errorSection"]) - {"errorMessage"}
    assert event["errorSection"]["errorCode"] == code


def _section_event_type(section: dict[str, Any]) -> str:
    return section.get("registryEventType") or section.get("typeDefEventType") or section["eventType"]


def test_typedef_conflict_names_the_member_as_other_and_carries_both_definitions() -> None:
    """OMRSRepositoryContentManager.processNewTypeDefEvent (lines 2730-2753): the member's
    TypeDef as originalTypeDefSummary, the member as otherMetadataCollectionId, the local
    TypeDef as otherTypeDefSummary; no target."""
    event = wire(BUILDERS["conflicting-typedefs"]())
    original = event["typeDefEventSection"]["originalTypeDefSummary"]
    other = event["errorSection"]["otherTypeDefSummary"]
    assert (original["guid"], original["version"], original["versionName"]) == (THEIR_PROCESS.guid, 3, "1.0")
    assert (other["version"], other["versionName"]) == (PROCESS.version, PROCESS.version_name)
    assert "class" not in original and "class" not in other  # TypeDefs held in TypeDefSummary fields
    assert original["superType"]["name"] == "Asset" and other["propertiesDefinition"]
    assert event["errorSection"]["otherMetadataCollectionId"] == THEM
    assert "targetMetadataCollectionId" not in event["errorSection"]


def test_patch_mismatch_carries_our_whole_typedef_as_other_typedef() -> None:
    """TYPEDEF_PATCH_MISMATCH is read as errorSection.otherTypeDef, a TypeDef with class
    (OMRSTypeDefEvent lines 285-298)."""
    event = wire(BUILDERS["typedef-patch-mismatch"]())
    other = event["errorSection"]["otherTypeDef"]
    assert other["class"] == "EntityDef" and other["name"] == "Process"
    assert "otherTypeDefSummary" not in event["errorSection"]
    summary_only = wire(
        typedef_error_event(
            ME,
            OMRSEventErrorCode.TYPEDEF_PATCH_MISMATCH,
            "v",
            THEM,
            THEIR_PROCESS.summary(),
            PROCESS.summary(),
        )
    )
    assert summary_only["errorSection"]["otherTypeDef"]["class"] == "EntityDef"
    assert wire_problems(summary_only, "OMRSEvent") == []


def test_the_generic_builders_write_the_same_layouts() -> None:
    """The older, code-driven builders give the event the specific ones give."""
    conflict = typedef_error_event(
        ME, OMRSEventErrorCode.CONFLICTING_TYPEDEFS, "clash", THEM, THEIR_PROCESS.summary(), PROCESS.summary()
    )
    assert _layout_of(wire(conflict)) == _layout_of(wire(BUILDERS["conflicting-typedefs"]()))
    collection = registry_error_event(
        ME,
        OMRSEventErrorCode.CONFLICTING_COLLECTION_ID,
        "same id",
        THEM,
        target_remote_connection=remote_connection(SETTINGS),
        other_metadata_collection_id=SETTINGS.collection_id,
    )
    assert _layout_of(wire(collection)) == _layout_of(wire(BUILDERS["conflicting-collection-id"]()))
    conflicting_type = instance_error_event(
        ME,
        OMRSEventErrorCode.CONFLICTING_TYPE,
        "m",
        THEM,
        "g-1",
        PROCESS.summary(),
        target_type_def_summary=THEIR_PROCESS.summary(),
        other_instance_guid="g-1",
        other_metadata_collection_id=SETTINGS.collection_id,
    )
    assert _layout_of(wire(conflicting_type)) == _layout_of(wire(BUILDERS["conflicting-type"]()))


def test_refresh_request_names_no_collection_as_egeria_writes_it() -> None:
    event = refresh_registration_request(ME)
    assert event.originator.metadata_collection_id is None
    assert event.originator.server_name == ME.server_name


# -- the remote connection -------------------------------------------------------------------


def test_remote_connection_names_egerias_rest_repository_connector() -> None:
    egeria = CONNECTION["localRepositoryRemoteConnection"]["connection"]
    ours = remote_connection(SETTINGS)
    assert (
        ours["connectorType"]["connectorProviderClassName"]
        == egeria["connectorType"]["connectorProviderClassName"]
    )
    assert ours["connectorType"]["guid"] == egeria["connectorType"]["guid"]
    assert (
        CONNECTION["connectionFactory"]["restRepositoryConnectorProvider"]
        == REST_REPOSITORY_CONNECTOR_PROVIDER
    )
    assert wire_problems(ours, "Connection") == []


def test_remote_connection_endpoint_is_where_egerias_client_calls() -> None:
    """Egeria's address is `<server URL root>/servers/<server>`; its client appends
    `/open-metadata/repository-services/users/{userId}/...`. Egeria 5 reads `address`,
    Egeria 6 `networkAddress`: both must hold it."""
    egeria_address = CONNECTION["localRepositoryRemoteConnection"]["connection"]["endpoint"]["networkAddress"]
    expected = egeria_address.replace("~{egeriaEndpoint}~", "https://lineage.example:6066").replace(
        "simple-metadata-store", "lineage"
    )
    endpoint = remote_connection(SETTINGS)["endpoint"]
    for release in CONNECTION["endpointAddressField"].values():
        assert endpoint[release["field"]] == expected
    assert CONNECTION["client"]["rootServiceNameInURL"] == REPOSITORY_SERVICES_PATH


def test_originator_is_an_egeria_event_originator() -> None:
    assert wire_problems(ME.model_dump(by_alias=True, exclude_none=True), "OMRSEventOriginator") == []
