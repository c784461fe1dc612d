"""Removals in the catalogue's state and the OMRS events they become.

Event types and the fields each carries follow Egeria's repository services: a soft delete
is DELETED_*_EVENT with the instance marked DELETED (`statusOnDelete` its status before), a
purge after it PURGED_*_EVENT, a purge of an active instance DELETE_PURGED_*_EVENT, a restore
RESTORED_*_EVENT - as `OMRSTopicListenerBase` reads them (odpi/egeria
`open-metadata-implementation/repository-services/repository-services-apis/src/main/java/org/odpi/openmetadata/repositoryservices/connectors/omrstopic/OMRSTopicListenerBase.java`,
stored at commit 4d87842b1d19f77e164aa2f738231a800c4d9966: PURGED_ENTITY_EVENT is read from
the entity when present, else from typeDefGUID, typeDefName and instanceGUID, so both are
sent).
"""

from __future__ import annotations

import pytest

from agents.catalogue.contribution import DELETED, PURGED, STATUS, Contribution, EntityRef
from agents.catalogue.instances import change_event
from agents.catalogue.state import ChangeKind, InstanceState, merge, settle
from agents.catalogue.writer import CatalogueWriter
from schemas.omrs import check_event_semantics, dump_omrs_event, parse_omrs_event
from tests.support.catalogue import HOME


def step(state: InstanceState | None, contribution: Contribution) -> tuple[InstanceState, str | None]:
    state, _ = merge(state, contribution)
    change = settle(state, 7)
    if change is None:
        return state, None
    event = parse_omrs_event(dump_omrs_event(change_event(HOME, change)))
    assert check_event_semantics(event) == []
    return state, str(event.instance_event_section.event_type)


def _writer_items(time: int) -> list[Contribution]:
    w = CatalogueWriter(time)
    w.create_data_asset("postgres://db:5432", "t", type_name="TableDataSet")
    return w.contributions()


def status(guid: str, value: str, time: int, kind: str = "entity") -> Contribution:
    return Contribution(kind, guid, "TableDataSet", time, {STATUS: value})


def test_a_soft_delete_then_restore_then_purge() -> None:
    created = _writer_items(10)[0]
    state, event = step(None, created)
    assert event == "NEW_ENTITY_EVENT" and state.version == 1
    state, event = step(state, status(created.guid, DELETED, 20))
    assert event == "DELETED_ENTITY_EVENT" and state.version == 2
    state, event = step(state, _writer_items(15)[0])  # older than the delete: stays deleted
    assert event is None
    state, event = step(state, _writer_items(30)[0])  # newer: restored
    assert event == "RESTORED_ENTITY_EVENT" and state.version == 3
    state, event = step(state, status(created.guid, DELETED, 40))
    state, event = step(state, status(created.guid, PURGED, 50))
    assert event == "PURGED_ENTITY_EVENT" and state.version == 5
    state, event = step(state, _writer_items(60)[0])  # written again after the purge: new again
    assert event == "NEW_ENTITY_EVENT" and state.version == 6


def test_a_purge_of_an_active_instance_and_a_delete_of_one_never_created() -> None:
    created = _writer_items(10)[0]
    state, _ = step(None, created)
    state, event = step(state, status(created.guid, PURGED, 20))
    assert event == "DELETE_PURGED_ENTITY_EVENT"
    never, event = step(None, status("0d8b0fd4-52a5-56ed-9b1b-6b0ea1b4f7c1", DELETED, 20))
    assert event is None and never.published is None


def test_the_deleted_instance_is_sent_as_members_held_it() -> None:
    created = _writer_items(10)[0]
    state, _ = step(None, created)
    state, _ = merge(state, status(created.guid, DELETED, 20))
    change = settle(state, 7)
    assert change is not None and change.kind is ChangeKind.DELETE
    event = change_event(HOME, change)
    section = event.instance_event_section
    assert section.entity.status == "DELETED" and section.entity.status_on_delete == "ACTIVE"
    assert section.entity.version == 2
    assert section.instance_guid == created.guid and section.type_def_name == "TableDataSet"
    qualified = section.entity.properties.instance_properties["qualifiedName"].primitive_value
    assert qualified == "TableDataSet::postgres://db:5432::t"


@pytest.mark.parametrize(
    ("final", "expected"),
    [(DELETED, "DELETED_RELATIONSHIP_EVENT"), (PURGED, "DELETE_PURGED_RELATIONSHIP_EVENT")],
)
def test_relationships_are_removed_the_same_way(final: str, expected: str) -> None:
    w = CatalogueWriter(10)
    a = w.create_data_asset("postgres://db:5432", "a", type_name="TableDataSet")
    b = w.create_process("etl", "job")
    w.setup_data_flow(a, b)
    (flow,) = [c for c in w.contributions() if c.type_name == "DataFlow"]
    state, event = step(None, flow)
    assert event == "NEW_RELATIONSHIP_EVENT"
    state, event = step(state, Contribution("relationship", flow.guid, "DataFlow", 20, {STATUS: final}))
    assert event == expected


def test_state_with_a_removal_round_trips_as_json() -> None:
    created = _writer_items(10)[0]
    state, _ = step(None, created)
    state, _ = step(state, status(created.guid, DELETED, 20))
    again = InstanceState.from_json(state.to_json())
    assert again == state and again.status == DELETED and again.published_status == DELETED


def test_a_state_written_before_statuses_existed_reads_as_active() -> None:
    data = {
        "kind": "entity",
        "guid": "g",
        "type": "TableDataSet",
        "registers": {"p:qualifiedName": [1, "q"]},
        "version": 1,
        "published": {"properties": {"qualifiedName": "q"}, "classifications": {}},
    }
    state = InstanceState.from_json(data)
    assert state.status == "ACTIVE" and state.published_status == "ACTIVE"
    ref = EntityRef("g", "TableDataSet", "q")
    assert ref.guid == state.guid
