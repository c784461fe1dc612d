"""The `validate` command's engine: reading files of events, telling kinds apart, reporting
each error with the index of its event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.errors import FieldError
from schemas.validation import UnreadableEvent, detect_kind, load_events, validate_document, validate_object

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openlineage"


def ol_event(name: str = "dbt_run_event") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


AM_EVENT: dict[str, Any] = {
    "eventVersionId": 1,
    "eventType": "NEW_ELEMENT_CREATED",
    "eventTime": 1715677200123,
    "elementHeader": {"class": "ElementHeader", "guid": "g-1", "type": {"typeName": "Process"}},
    "elementProperties": {"qualifiedName": "Process::p"},
}

OMRS_EVENT: dict[str, Any] = {
    "class": "OMRSEventV1",
    "protocolVersionId": "OMRS V1.0",
    "timestamp": 1715677200123,
    "originator": {
        "metadataCollectionId": "f76a9d5e-5f5f-4e0c-9d2f-6c0b4b7e1a11",
        "serverName": "mds1",
        "serverType": "Metadata Access Store",
        "organizationName": "Coco Pharmaceuticals",
    },
    "eventCategory": "REGISTRY",
    "registryEventSection": {
        "registryEventType": "REGISTRATION_EVENT",
        "registrationTimestamp": 1715677200000,
        "metadataCollectionName": "mds1 collection",
        "remoteConnection": {
            "class": "Connection",
            "headerVersion": 0,
            "qualifiedName": "mds1 connection",
            "connectorType": {
                "class": "ConnectorType",
                "connectorProviderClassName": "org.odpi.openmetadata.adapters.repositoryservices.rest.repositoryconnector.OMRSRESTRepositoryConnectorProvider",
            },
            "endpoint": {"class": "Endpoint", "address": "https://mds1:9443/servers/mds1"},
        },
    },
}


def lines(*events: Any) -> str:
    return "\n".join(orjson.dumps(e).decode() for e in events) + "\n"


# --------------------------------------------------------------------------- load_events


def test_one_event() -> None:
    assert load_events(json.dumps(AM_EVENT, indent=2)) == [AM_EVENT]


def test_an_array() -> None:
    assert load_events(json.dumps([AM_EVENT, ol_event()], indent=1)) == [AM_EVENT, ol_event()]


def test_json_lines_with_blank_lines() -> None:
    assert load_events("\n" + lines(AM_EVENT) + "\n  \n" + lines(ol_event())) == [AM_EVENT, ol_event()]


def test_a_bad_line_is_an_error_for_its_index_only() -> None:
    events = load_events(lines(AM_EVENT) + "{not json\n" + lines(ol_event()))
    assert events[0] == AM_EVENT and events[2] == ol_event()
    assert isinstance(events[1], UnreadableEvent) and events[1].message.startswith("not JSON")


def test_one_broken_document_is_one_error() -> None:
    broken = json.dumps(AM_EVENT, indent=2)[:-3]
    events = load_events(broken)
    assert len(events) == 1 and isinstance(events[0], UnreadableEvent)


def test_empty_document() -> None:
    assert load_events("") == [] and load_events(" \n\n") == []
    assert validate_document("\n") == []


def test_big_integers_are_json() -> None:
    assert load_events('{"eventVersionId": 123456789012345678901234567890}') == [
        {"eventVersionId": 123456789012345678901234567890}
    ]


# --------------------------------------------------------------------------- detect_kind


@pytest.mark.parametrize(
    ("obj", "kind"),
    [
        (OMRS_EVENT, "omrs"),
        ({"eventCategory": "INSTANCE"}, "omrs"),
        ({"protocolVersionId": "OMRS V1.0"}, "omrs"),
        ({"class": "OMRSEventV1"}, "omrs"),
        (AM_EVENT, "asset-manager"),
        ({"eventVersionId": 1}, "asset-manager"),
        ({"elementHeader": {}}, "asset-manager"),
        ({"eventType": "ELEMENT_DELETED", "eventTime": 1}, "asset-manager"),
        (ol_event(), "openlineage"),
        (ol_event("dataset_event"), "openlineage"),
        (ol_event("job_event"), "openlineage"),
        ({"eventTime": "2024-01-01T00:00:00Z", "producer": "p"}, "openlineage"),
        ({"run": {}}, "openlineage"),
        ({"eventType": "START"}, None),
        ({}, None),
        ([AM_EVENT], None),
        ("event", None),
        (None, None),
    ],
)
def test_detect_kind(obj: Any, kind: str | None) -> None:
    assert detect_kind(obj) == kind


# --------------------------------------------------------------------------- validate_document


def test_all_valid_gives_no_errors() -> None:
    text = lines(
        ol_event(), ol_event("spark_run_event"), ol_event("job_event"), AM_EVENT, ol_event("dataset_event")
    )
    assert validate_document(text) == []


def test_errors_carry_their_event_index() -> None:
    bad_ol = ol_event()
    del bad_ol["producer"]
    bad_ol["run"]["runId"] = "nope"
    bad_am = dict(AM_EVENT, eventType="ELEMENT_EXPLODED")
    text = lines(AM_EVENT, bad_ol, ol_event()) + "not json at all\n" + lines(bad_am)
    found = validate_document(text)
    assert sorted((i, e.path) for i, e in found) == [
        (1, "$.producer"),
        (1, "$.run.runId"),
        (3, "$"),
        (4, "$.eventType"),
    ]


def test_forced_kind_checks_against_that_kind() -> None:
    text = json.dumps([ol_event(), AM_EVENT])
    found = validate_document(text, kind="asset-manager")
    assert {i for i, _ in found} == {0}
    assert [e.path for i, e in found] == ["$.eventType"]  # START is no Asset Manager event type
    assert {i for i, _ in validate_document(text, kind="openlineage")} == {1}


def test_unknown_kind_of_event_is_an_error() -> None:
    assert validate_document('{"hello": "world"}') == [
        (
            0,
            FieldError(
                "$", "a JSON object that is no known kind of event (omrs, openlineage, asset-manager)"
            ),
        )
    ]
    assert validate_document("[1]")[0][1].path == "$"


def test_unknown_forced_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        validate_document("{}", kind="xml")  # type: ignore[arg-type]


def test_validate_object_of_unreadable_event() -> None:
    assert validate_object(UnreadableEvent("not JSON: x")) == [FieldError("$", "not JSON: x")]


# --------------------------------------------------------------------------- omrs (needs schemas/omrs.py)


def _omrs() -> Any:
    return pytest.importorskip("schemas.omrs")


def test_omrs_event_valid() -> None:
    _omrs()
    assert validate_document(json.dumps(OMRS_EVENT)) == []
    assert validate_document(lines(OMRS_EVENT, AM_EVENT, ol_event())) == []


def test_omrs_errors_have_paths_and_indexes() -> None:
    _omrs()
    bad = json.loads(json.dumps(OMRS_EVENT))
    bad["eventCategory"] = "GOSSIP"
    found = validate_document(lines(AM_EVENT, bad), kind=None)
    assert found and {i for i, _ in found} == {1}
    assert all(e.path.startswith("$") for _, e in found)
    assert any(e.path == "$.eventCategory" for _, e in found)


def test_omrs_forced_kind() -> None:
    _omrs()
    found = validate_document(json.dumps(ol_event()), kind="omrs")
    assert found and all(i == 0 and e.path.startswith("$") for i, e in found)


def test_what_the_service_would_refuse_is_reported_by_validate() -> None:
    """`validate` reads events with the service's strict decoder: a duplicate key or a lone
    surrogate is an error at its path, not a valid event that the service then refuses."""
    lines = [
        '{"eventTime":"2026-01-01T00:00:00Z","producer":"p","run":{"runId":"x"},"run":{}}',
        '{"eventTime":"2026-01-01T00:00:00Z","producer":"p","job":{"name":"\\ud800"}}',
    ]
    problems = validate_document("\n".join(lines), kind="openlineage")
    assert [(index, error.path) for index, error in problems] == [(0, "$"), (1, "$")]
    assert "$.run:" in problems[0][1].message and "more than once" in problems[0][1].message
    assert "$.job.name:" in problems[1][1].message and "lone surrogate" in problems[1][1].message
