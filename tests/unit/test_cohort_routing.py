"""Cohort intake routing: every event goes to the right stream, keyed for per-guid order."""

from __future__ import annotations

from types import SimpleNamespace

from agents.cohort_intake import digest, invalid_event_answer, route
from app.settings import Settings
from schemas.errors import FieldError
from schemas.omrs import OMRSEventErrorCode, OMRSInstanceEventType, instance_error_event, parse_omrs_event
from tests.support.omrs_events import (
    Member,
    batch_event,
    encoded,
    entity,
    entity_event,
    new_entity_typedef,
    registration,
    relationship,
)

_I = OMRSInstanceEventType
EGERIA = Member("cocoMDS1", "11111111-1111-4111-8111-111111111111")


def routed(event):  # type: ignore[no-untyped-def]
    raw = encoded(event)
    return route(parse_omrs_event(raw), raw)


def test_registry_and_typedef_events_go_to_their_single_partition_streams() -> None:
    [r] = routed(registration(EGERIA))
    assert (r.stream, r.key) == ("registry", EGERIA.collection_id)
    [t] = routed(new_entity_typedef(EGERIA, "Thing", "guid-1", 1))
    assert t.stream == "types"


def test_instance_events_are_keyed_by_guid_whatever_the_sender_keyed_by() -> None:
    [r] = routed(entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity("g-1", "DataFile", 1, EGERIA)))
    assert (r.stream, r.key) == ("instances", "g-1")


def test_a_batch_becomes_one_record_per_instance() -> None:
    a, b = entity("g-a", "DataFile", 1, EGERIA), entity("g-b", "KafkaTopic", 1, EGERIA)
    flow = relationship("r-1", "DataFlow", 1, EGERIA, a, b)
    pieces = routed(batch_event(EGERIA, [a, b], [flow]))
    assert [p.key for p in pieces] == ["g-a", "g-b", "r-1"]
    for piece in pieces:
        batch = parse_omrs_event(piece.value).instance_event_section.instance_batch  # type: ignore[union-attr]
        assert len(batch.entities or []) + len(batch.relationships or []) == 1  # type: ignore[union-attr]


def test_a_re_identify_goes_to_the_old_and_the_new_guid() -> None:
    moved = entity("new-guid", "DataFile", 2, EGERIA)
    pieces = routed(
        entity_event(EGERIA, _I.RE_IDENTIFIED_ENTITY_EVENT, moved, original_instance_guid="old-guid")
    )
    assert sorted(p.key for p in pieces) == ["new-guid", "old-guid"]


def test_an_instance_error_goes_with_the_instance_it_is_about() -> None:
    event = instance_error_event(
        EGERIA.originator, OMRSEventErrorCode.CONFLICTING_TYPE, "x", "someone", "g-9"
    )
    [r] = routed(event)
    assert (r.stream, r.key) == ("instances", "g-9")


def test_the_same_event_has_the_same_digest_on_any_topic_but_not_in_another_cohort() -> None:
    event = registration(EGERIA)
    again = parse_omrs_event(encoded(event))
    assert digest("coco", event) == digest("coco", again)
    assert digest("coco", event) != digest("other", event)


def test_invalid_events_are_answered_except_errors_and_our_own() -> None:
    service = SimpleNamespace(settings=Settings(server_name="lineage"))
    errors = [FieldError("$.instanceEventSection.entity", "NEW_ENTITY_EVENT needs entity")]
    event = entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity("g-1", "DataFile", 1, EGERIA))
    answer = invalid_event_answer(service, event, errors)  # type: ignore[arg-type]
    assert answer is not None and answer.error_section is not None
    assert answer.error_section.error_code is OMRSEventErrorCode.INVALID_INSTANCE_EVENT
    assert answer.error_section.target_metadata_collection_id == EGERIA.collection_id
    assert "needs entity" in (answer.error_section.error_message or "")
    error = instance_error_event(EGERIA.originator, OMRSEventErrorCode.CONFLICTING_TYPE, "x", "y")
    assert invalid_event_answer(service, error, errors) is None  # type: ignore[arg-type]
