"""Asset Manager OMAS out-topic events: what Egeria writes parses and comes back unchanged."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.asset_manager import (
    OPENLINEAGE_RUN_STATE,
    AssetManagerEventType,
    AssetManagerOutTopicEvent,
    EngineActionStatus,
    dump_asset_manager_event,
    engine_action_status,
    engine_action_status_change,
    is_engine_action,
    parse_asset_manager_event,
    validate_asset_manager_event,
)
from schemas.errors import EventValidationError

CREATE_MS = 1715677200123


def header(guid: str = "5a4b3c2d-0000-4000-8000-000000000001", type_name: str = "DataSet") -> dict[str, Any]:
    """An ElementHeader as Egeria 5 writes it."""
    return {
        "class": "ElementHeader",
        "headerVersion": 0,
        "status": "ACTIVE",
        "type": {
            "typeId": "1449911c-4f44-4c22-abc0-7540154feefb",
            "typeName": type_name,
            "superTypeNames": ["Asset", "Referenceable", "OpenMetadataRoot"],
            "typeVersion": 1,
            "typeDescription": "A collection of related data.",
        },
        "origin": {
            "sourceServer": "mds1",
            "originCategory": "LOCAL_COHORT",
            "homeMetadataCollectionId": "f76a9d5e-5f5f-4e0c-9d2f-6c0b4b7e1a11",
            "homeMetadataCollectionName": "Metadata Server 1",
            "license": "CC-BY-4.0",
        },
        "versions": {
            "createdBy": "garygeeke",
            "updatedBy": "erinoverview",
            "maintainedBy": ["garygeeke", "erinoverview"],
            "createTime": CREATE_MS,
            "updateTime": CREATE_MS + 1000,
            "version": 3,
        },
        "guid": guid,
        "classifications": [
            {
                "class": "ElementClassification",
                "headerVersion": 0,
                "status": "ACTIVE",
                "type": {"typeName": "Anchors", "typeVersion": 1},
                "classificationOrigin": "ASSIGNED",
                "classificationName": "Anchors",
                "classificationProperties": {"anchorGUID": guid, "anchorTypeName": type_name},
            }
        ],
    }


def full_event(event_type: str) -> dict[str, Any]:
    return {
        "eventVersionId": 1,
        "eventType": event_type,
        "eventTime": CREATE_MS + 5000,
        "elementHeader": header(),
        "elementProperties": {
            "qualifiedName": "DataSet::orders",
            "name": "orders",
            "zoneMembership": ["sales"],
        },
        "previousElementHeader": header(),
        "previousElementProperties": {"qualifiedName": "DataSet::orders", "name": "orders-old"},
        "classificationName": "Confidentiality",
        "previousClassificationProperties": {"level": 2},
        "endOneElementHeader": header("guid-end-1", "Process"),
        "endOneElementProperties": {"qualifiedName": "Process::load"},
        "endTwoElementHeader": header("guid-end-2", "DataSet"),
        "endTwoElementProperties": {"qualifiedName": "DataSet::orders"},
    }


def dumped(event: AssetManagerOutTopicEvent) -> dict[str, Any]:
    return event.model_dump(mode="json", by_alias=True, exclude_none=True)


# --------------------------------------------------------------------------- shapes


def test_event_types_and_their_codes() -> None:
    assert [(t.value, t.ordinal) for t in AssetManagerEventType] == [
        ("UNKNOWN_EVENT", 0),
        ("REFRESH_ELEMENT_EVENT", 1),
        ("NEW_ELEMENT_CREATED", 2),
        ("ELEMENT_UPDATED", 3),
        ("ELEMENT_DELETED", 4),
        ("ELEMENT_CLASSIFIED", 5),
        ("ELEMENT_RECLASSIFIED", 6),
        ("ELEMENT_DECLASSIFIED", 7),
        ("ELEMENT_RESTORED", 8),
        ("ELEMENT_GUID_CHANGED", 9),
        ("ELEMENT_TYPE_CHANGED", 10),
        ("ELEMENT_HOME_CHANGED", 11),
    ]


@pytest.mark.parametrize("event_type", list(AssetManagerEventType))
def test_every_event_type_parses_and_round_trips(event_type: AssetManagerEventType) -> None:
    raw = full_event(event_type.value)
    for given_form in (orjson.dumps(raw), json.dumps(raw), raw):
        event = parse_asset_manager_event(given_form)
        assert event.eventType is event_type
        assert dumped(event) == raw
        assert orjson.loads(dump_asset_manager_event(event)) == raw


def test_old_format_event_parses_and_round_trips() -> None:
    raw = {
        "eventVersionId": 1,
        "eventType": "NEW_ELEMENT_CREATED",
        "elementHeader": {
            "class": "ElementHeader",
            "guid": "g-1",
            "type": {"typeName": "Process", "typeVersion": 1},
            "origin": {"originCategory": "LOCAL_COHORT"},
        },
        "elementProperties": {"qualifiedName": "Process::p"},
    }
    event = parse_asset_manager_event(json.dumps(raw))
    assert event.eventTime is None and event.event_time is None
    assert event.guid == "g-1" and event.type_name == "Process"
    assert not event.is_relationship_event
    assert dumped(event) == raw


def test_header_helpers() -> None:
    event = parse_asset_manager_event(full_event("ELEMENT_CLASSIFIED"))
    assert event.elementHeader is not None
    assert event.elementHeader.is_type_of("DataSet") and event.elementHeader.is_type_of("Asset")
    assert not event.elementHeader.is_type_of("Process")
    anchors = event.elementHeader.classification("Anchors")
    assert anchors is not None and anchors.classificationProperties == {
        "anchorGUID": event.guid,
        "anchorTypeName": "DataSet",
    }
    assert event.elementHeader.classification("Nope") is None
    assert event.is_relationship_event


def test_unknown_fields_kept_at_every_level() -> None:
    raw = full_event("ELEMENT_UPDATED")
    raw["newTopLevel"] = {"a": [1, None]}
    raw["elementHeader"]["url"] = "https://mds1/guid"
    raw["elementHeader"]["type"]["newTypeField"] = True
    raw["elementHeader"]["versions"]["newVersionField"] = 7
    raw["elementHeader"]["classifications"][0]["classificationOriginGUID"] = "g-origin"
    raw["elementHeader"]["classifications"][0]["newClassificationField"] = "x"
    assert dumped(parse_asset_manager_event(orjson.dumps(raw))) == raw


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("millis", [0, 1, CREATE_MS, 253402300799999, -86400000])
def test_epoch_millis_round_trip_exactly(millis: int) -> None:
    raw = {"eventType": "ELEMENT_UPDATED", "eventTime": millis}
    event = parse_asset_manager_event(orjson.dumps(raw))
    assert event.eventTime == millis
    assert dumped(event) == raw
    assert orjson.loads(dump_asset_manager_event(event))["eventTime"] == millis


@pytest.mark.parametrize(
    ("iso", "millis"),
    [
        ("2024-05-14T09:00:00.123Z", 1715677200123),
        ("2024-05-14T09:00:00.123", 1715677200123),
        ("2024-05-14T11:00:00.123+02:00", 1715677200123),
        ("2024-05-14 09:00:00Z", 1715677200000),
    ],
)
def test_iso_dates_are_written_as_epoch_millis(iso: str, millis: int) -> None:
    raw: dict[str, Any] = {"eventType": "ELEMENT_UPDATED", "eventTime": iso, "elementHeader": header()}
    raw["elementHeader"]["versions"]["createTime"] = iso
    event = parse_asset_manager_event(raw)
    assert event.eventTime == millis
    assert event.elementHeader and event.elementHeader.versions
    assert event.elementHeader.versions.createTime == millis
    assert event.event_time == datetime.fromtimestamp(millis / 1000, tz=UTC)
    assert orjson.loads(dump_asset_manager_event(event))["eventTime"] == millis


@pytest.mark.parametrize("bad", ["1715677200123", "2024-05-14", "yesterday", 1.5, True, [], {}])
def test_dates_that_are_not_refused(bad: Any) -> None:
    _, errors = validate_asset_manager_event({"eventType": "ELEMENT_UPDATED", "eventTime": bad})
    assert [e.path for e in errors] == ["$.eventTime"]
    assert "epoch milliseconds" in errors[0].message


# --------------------------------------------------------------------------- errors


def test_every_error_at_its_path_at_once() -> None:
    raw = full_event("ELEMENT_UPDATED")
    raw["eventType"] = "ELEMENT_EXPLODED"
    del raw["elementHeader"]["guid"]
    raw["endOneElementHeader"]["type"]["typeName"] = 42
    raw["elementProperties"] = ["not", "a", "map"]
    with pytest.raises(EventValidationError) as raised:
        parse_asset_manager_event(orjson.dumps(raw))
    assert sorted(e.path for e in raised.value.errors) == [
        "$.elementHeader.guid",
        "$.elementProperties",
        "$.endOneElementHeader.type.typeName",
        "$.eventType",
    ]


def test_event_type_is_required() -> None:
    _, errors = validate_asset_manager_event({"eventVersionId": 1})
    assert [(e.path, e.message) for e in errors] == [("$.eventType", "Field required")]


@pytest.mark.parametrize(
    "raw", [b"{nope", b"", b"[]", b"7", "null", None, 3, [full_event("ELEMENT_UPDATED")]]
)
def test_unreadable_input_is_an_error_at_the_root(raw: Any) -> None:
    event, errors = validate_asset_manager_event(raw)
    assert event is None and len(errors) == 1 and errors[0].path == "$"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise(raw: bytes) -> None:
    event, errors = validate_asset_manager_event(raw)
    assert event is None or errors == []
    assert all(e.path.startswith("$") for e in errors)


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in children:
        found += _paths(value, (*prefix, key))
    return found


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(AssetManagerEventType)), st.randoms(use_true_random=True), _json)
def test_mutated_events_never_raise(event_type: AssetManagerEventType, rnd: Any, junk: Any) -> None:
    raw = copy.deepcopy(full_event(event_type.value))
    path = rnd.choice(_paths(raw)[1:])
    parent: Any = raw
    for part in path[:-1]:
        parent = parent[part]
    if rnd.random() < 0.5:
        del parent[path[-1]]
    else:
        parent[path[-1]] = junk
    for given_form in (json.dumps(raw), raw):
        event, errors = validate_asset_manager_event(given_form)
        assert (event is None) != (errors == [])
        assert all(e.path.startswith("$") and e.message for e in errors)


# --------------------------------------------------------------------------- engine actions


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("In Progress", EngineActionStatus.IN_PROGRESS),
        ("IN_PROGRESS", EngineActionStatus.IN_PROGRESS),
        ("Actioned", EngineActionStatus.ACTIONED),
        (13, EngineActionStatus.FAILED),
        (
            {"class": "EnumPropertyValue", "ordinal": 11, "symbolicName": "Invalid"},
            EngineActionStatus.INVALID,
        ),
        ({"ordinal": 14}, EngineActionStatus.CANCELLED),
        ("Sideways", None),
        (57, None),
        (True, None),
        (None, None),
    ],
)
def test_engine_action_status_in_every_form(value: Any, status: EngineActionStatus | None) -> None:
    assert engine_action_status({"actionStatus": value}) is status


def test_engine_action_status_change() -> None:
    raw = full_event("ELEMENT_UPDATED")
    raw["elementHeader"]["type"] = {"typeName": "EngineAction", "superTypeNames": ["Referenceable"]}
    raw["previousElementProperties"] = {"actionStatus": "In Progress", "requestType": "survey"}
    raw["elementProperties"] = {"actionStatus": "Actioned", "requestType": "survey"}
    event = parse_asset_manager_event(raw)
    assert is_engine_action(event)
    previous, current = engine_action_status_change(event)
    assert (previous, current) == (EngineActionStatus.IN_PROGRESS, EngineActionStatus.ACTIONED)
    assert current is not None
    assert OPENLINEAGE_RUN_STATE[current] == "COMPLETE"
    assert not is_engine_action(parse_asset_manager_event(full_event("ELEMENT_UPDATED")))
    assert engine_action_status(None) is None and engine_action_status({}) is None


def test_publisher_run_states() -> None:
    assert OPENLINEAGE_RUN_STATE == {
        EngineActionStatus.IN_PROGRESS: "START",
        EngineActionStatus.ACTIONED: "COMPLETE",
        EngineActionStatus.FAILED: "FAIL",
        EngineActionStatus.INVALID: "ABORT",
    }
