"""The reference copy rules: versions, deletes and purges, re-identify, classifications, conflicts, refresh."""

from __future__ import annotations

from typing import Any

from agents.cohort_reference_copies import CopyPolicy, Decision, decide, replay
from schemas.omrs import OMRSEventV1, OMRSInstanceEventType, instance_event
from schemas.open_metadata_types import LINEAGE_TYPE_NAMES
from tests.support.omrs_events import (
    Member,
    entity,
    entity_event,
    ownership,
    proxy_of,
    purge_entity_event,
    refresh_entity_request,
    relationship,
    relationship_event,
)

_I = OMRSInstanceEventType
EGERIA = Member("cocoMDS1", "11111111-1111-4111-8111-111111111111")
US = Member("lineage", "22222222-2222-4222-8222-222222222222")
POLICY = CopyPolicy(US.collection_id, frozenset(LINEAGE_TYPE_NAMES))
GUID = "aaaaaaaa-0000-4000-8000-000000000001"


def apply(events: list[OMRSEventV1], guid: str = GUID) -> dict[str, Any]:
    return replay([(guid, "coco", e) for e in events], POLICY)


def new(version: int = 1, type_name: str = "DataFile", **kwargs: Any) -> OMRSEventV1:
    kind = _I.NEW_ENTITY_EVENT if version == 1 else _I.UPDATED_ENTITY_EVENT
    return entity_event(EGERIA, kind, entity(GUID, type_name, version, EGERIA, **kwargs))


def decision(current: dict[str, Any] | None, event: OMRSEventV1, guid: str = GUID) -> Decision:
    return decide(current, event, guid, "coco", POLICY)


def test_newer_replaces_older_and_equal_are_ignored_in_any_order() -> None:
    in_order = apply([new(1), new(2), new(3)])
    shuffled = apply([new(3), new(1), new(2), new(3)])
    assert in_order == shuffled
    copy = in_order[GUID]
    assert copy["version"] == 3
    assert copy["kind"] == "entity" and copy["typeDefName"] == "DataFile" and not copy["purged"]
    assert (
        copy["instance"]["properties"]["instanceProperties"]["description"]["primitiveValue"] == "version 3"
    )
    assert decision(copy, new(3)).reason == "stale-version"
    assert decision(copy, new(2)).reason == "stale-version"


def test_only_kept_types_and_our_own_instances_are_copied() -> None:
    glossary_like = entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity(GUID, "Referenceable", 1, EGERIA))
    assert decision(None, glossary_like).reason == "not-a-kept-type"
    ours = entity_event(US, _I.NEW_ENTITY_EVENT, entity(GUID, "Referenceable", 1, US))
    assert decision(None, ours).outcome == "store"


def test_soft_delete_restore_purge_and_no_resurrection() -> None:
    detail = entity(GUID, "DataFile", 2, EGERIA, status="DELETED")
    events = [new(1), entity_event(EGERIA, _I.DELETED_ENTITY_EVENT, detail)]
    assert apply(events)[GUID]["status"] == "DELETED"
    restored = entity(GUID, "DataFile", 3, EGERIA)
    assert (
        apply([*events, entity_event(EGERIA, _I.RESTORED_ENTITY_EVENT, restored)])[GUID]["status"] == "ACTIVE"
    )
    purged = apply([*events, purge_entity_event(EGERIA, detail)])[GUID]
    assert purged["purged"] and purged["version"] == 2 and "instance" not in purged
    assert decision(purged, new(1)).reason == "stale-version"
    assert decision(purged, purge_entity_event(EGERIA, detail)).reason == "already-purged"
    assert decision(None, purge_entity_event(EGERIA, detail)).reason == "unknown-instance"
    # A purge of an older version than the copy holds is stale.
    assert (
        decision(apply([new(1), new(5)])[GUID], purge_entity_event(EGERIA, detail)).reason == "stale-version"
    )


def test_re_identify_moves_the_copy_to_the_new_guid() -> None:
    new_guid = "bbbbbbbb-0000-4000-8000-000000000002"
    moved = entity(new_guid, "DataFile", 2, EGERIA)
    event = entity_event(EGERIA, _I.RE_IDENTIFIED_ENTITY_EVENT, moved, original_instance_guid=GUID)
    old = apply([new(1), event], GUID)[GUID]
    assert old["purged"] and old["reIdentifiedTo"] == new_guid and old["version"] == 1
    assert apply([event], new_guid)[new_guid]["version"] == 2


def test_classification_with_a_proxy_updates_the_copy_and_keeps_its_properties() -> None:
    classified = entity(GUID, "DataFile", 2, EGERIA, classifications=[ownership("erin", EGERIA)])
    event = instance_event(
        EGERIA.originator,
        _I.CLASSIFIED_ENTITY_EVENT,
        entity_proxy=proxy_of(classified),
        classification=classified.classifications[0],  # type: ignore[index]
        home_metadata_collection_id=EGERIA.collection_id,
    )
    copy = apply([new(1), event])[GUID]
    assert copy["version"] == 2
    assert copy["instance"]["classifications"][0]["name"] == "Ownership"
    assert copy["instance"]["class"] == "EntityDetail"
    assert "properties" in copy["instance"]
    alone = apply([event])[GUID]
    assert alone["instance"]["class"] == "EntityProxy"


def test_same_guid_other_type_conflicts_unless_retyped() -> None:
    copy = apply([new(1)])[GUID]
    other = entity_event(EGERIA, _I.UPDATED_ENTITY_EVENT, entity(GUID, "KafkaTopic", 2, EGERIA))
    result = decision(copy, other)
    assert result.outcome == "conflicting-instances" and result.record == copy
    retyped = entity_event(
        EGERIA, _I.RETYPED_ENTITY_EVENT, entity(GUID, "KafkaTopic", 2, EGERIA), original_type_def_summary=None
    )
    assert decision(copy, retyped).outcome == "store"


def test_known_type_with_another_version_or_guid_conflicts() -> None:
    result = decision(None, new(1, type_version=99))
    assert result.outcome == "conflicting-type"
    assert result.ours is not None and result.ours.name == "DataFile"
    assert decision(None, new(1, type_guid="not-the-datafile-guid")).outcome == "conflicting-type"


def test_refresh_is_answered_only_for_instances_we_are_home_to() -> None:
    mine = replay(
        [(GUID, "coco", entity_event(US, _I.NEW_ENTITY_EVENT, entity(GUID, "Process", 1, US)))], POLICY
    )[GUID]
    request = refresh_entity_request(EGERIA, GUID, "Process", US.collection_id)
    assert decision(mine, request).outcome == "refresh"
    assert decision(None, request).reason == "unknown-instance"
    elsewhere = refresh_entity_request(EGERIA, GUID, "Process", EGERIA.collection_id)
    assert decision(mine, elsewhere).reason == "not-home"


def test_relationships_are_copied_too() -> None:
    one, two = entity("p-1", "DeployedSoftwareComponent", 1, EGERIA), entity("d-1", "DataFile", 1, EGERIA)
    flow = relationship(GUID, "DataFlow", 1, EGERIA, one, two)
    copy = apply([relationship_event(EGERIA, _I.NEW_RELATIONSHIP_EVENT, flow)])[GUID]
    assert copy["kind"] == "relationship" and copy["typeDefName"] == "DataFlow"
    assert copy["instance"]["entityOneProxy"]["guid"] == "p-1"
