"""The open metadata types: the catalogue read from Egeria's type archives, and the cohort's
types learned as members announce them, judged as Egeria judges them.

Expectations are Egeria's: the release files under `schemas/egeria_types/` hold facts read
from `content-packs/OpenMetadataTypes.omarchive` at the commits they name (5.2, 6.0 and
6.1-SNAPSHOT), and `tests/fixtures/omrs/typedef_updated_typedef_event.json` carries a real
TypeDefPatch from the 5.2 release's archive (odpi/egeria 2e0ea4646739266c558557791adb117ef1e8be35).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.cohort_types import CohortTypes, ancestors_first, conflict_answer, typedef_announcements
from schemas.omrs import (
    EntityDef,
    OMRSEventErrorCode,
    OMRSTypeDefEventType,
    Originator,
    TypeDefCategory,
    TypeDefLink,
    dump_omrs_event,
    parse_omrs_event,
)
from schemas.open_metadata_types import (
    ATTRIBUTE_TYPES,
    EGERIA_RELEASES,
    LINEAGE_TYPE_NAMES,
    TYPES,
    _is_kind_of,
    ancestors,
    ancestry,
    chain_of,
    is_kind_of,
    release_types,
    type_named,
    type_with_guid,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ME = Originator(metadata_collection_id="me", server_name="lineage", server_type="Integration Daemon")
MEMBER = "a0f3c6b4-2f53-4a5e-9d1b-7c3f0e6a9b21"

REQUIRED = {
    "Referenceable",
    "Asset",
    "DataSet",
    "Process",
    "DeployedSoftwareComponent",
    "Port",
    "PortImplementation",
    "PortAlias",
    "DataFlow",
    "ControlFlow",
    "ProcessCall",
    "LineageMapping",
    "ProcessHierarchy",
    "ProcessPort",
    "RelationalTable",
    "KafkaTopic",
    "Topic",
    "DataFile",
    "FileFolder",
    "CSVFile",
    "Database",
    "DeployedDatabaseSchema",
    "SchemaType",
    "ComplexSchemaType",
    "TabularSchemaType",
    "RelationalTableType",
    "SchemaAttribute",
    "TabularColumn",
    "RelationalColumn",
    "AssetSchemaType",
    "AttributeForSchema",
    "NestedSchemaAttribute",
    "Ownership",
    "DataContentForDataSet",
    "EmbeddedProcess",
    "TransientEmbeddedProcess",
    "Memento",
}


def release_type(release: str, name: str):  # type: ignore[no-untyped-def]
    return next(t for t in release_types(release).types if t.name == name)


# -- the catalogue ------------------------------------------------------------------------------


def test_every_type_the_service_uses_is_there_once() -> None:
    names = [t.name for t in TYPES]
    assert set(names) >= REQUIRED
    assert len(names) == len(set(names))
    assert len({t.guid for t in TYPES}) == len(TYPES)
    assert len({t.guid for t in ATTRIBUTE_TYPES} | {t.guid for t in TYPES}) == len(TYPES) + len(
        ATTRIBUTE_TYPES
    )
    assert all(t.version >= 1 for t in (*TYPES, *ATTRIBUTE_TYPES))


@pytest.mark.parametrize("release", EGERIA_RELEASES)
def test_each_release_defines_the_types_and_their_whole_hierarchy(release: str) -> None:
    data = release_types(release)
    names = {t.name for t in data.types}
    assert names | set(data.missing) >= REQUIRED
    assert all(t.super_type in names for t in data.types if t.super_type)
    assert data.commit and all(t.release == release for t in data.types)


def test_egeria_6_dropped_five_types_this_service_writes() -> None:
    """Read from the 6.0 archive: these names are gone (DataContentForDataSet became
    DataSetContent, AssetSchemaType became Schema with the same guid)."""
    gone = {"TableDataSet", "KafkaTopic", "PortSchema", "DataContentForDataSet", "AssetSchemaType"}
    assert set(release_types("6.0").missing) == gone
    assert release_types("5.2").missing == ()
    assert {type_named(n).release for n in gone} == {"5.2"}  # type: ignore[union-attr]


def test_versions_are_each_releases_own() -> None:
    """Egeria 5.2 counts patches (Process 1 -> 3); Egeria 6 restarts every TypeDef at 1."""
    assert (release_type("5.2", "Process").version, release_type("6.0", "Process").version) == (3, 1)
    assert release_type("5.2", "DataFlow").version == 4
    assert release_type("6.0", "DataFlow").super_type == "LineageRelationship"
    assert release_type("5.2", "DataFlow").super_type is None


def test_egeria_identities_are_kept_exactly() -> None:
    process = type_named("Process")
    assert process is not None and process.guid == "d8f33bd7-afa9-4a11-a8c7-07dcec83c050"
    assert type_with_guid("a5991bB2-660D-A3a1-2955-fAcDA2d5F4Ff") is type_named("LineageMapping")
    assert type_with_guid("a5991bb2-660d-a3a1-2955-facda2d5f4ff") is None  # compared exactly, as Egeria does
    string = next(t for t in ATTRIBUTE_TYPES if t.name == "string")
    assert string.guid == "b34a64b9-554a-42b1-8f8a-7d5c2339f9c4"


def test_hierarchies_are_closed_and_rooted() -> None:
    for t in TYPES:
        chain = list(ancestry(t.name))
        assert all(type_named(n) is not None for n in chain)
        if t.category is TypeDefCategory.ENTITY_DEF:
            assert chain[-1] == "OpenMetadataRoot", chain
    assert list(ancestry("RelationalColumn"))[:3] == ["RelationalColumn", "TabularColumn", "SchemaAttribute"]
    assert list(ancestry("DataFlow")) == ["DataFlow", "LineageRelationship", "LabeledRelationship"]


def test_kept_types_include_subtypes_with_or_without_super_types_on_the_instance() -> None:
    wanted = frozenset(LINEAGE_TYPE_NAMES)
    assert all(type_named(n) is not None for n in LINEAGE_TYPE_NAMES)
    assert is_kind_of("DeployedSoftwareComponent", [], wanted)
    assert is_kind_of("CSVFile", [], wanted)
    assert is_kind_of("KafkaTopic", [], wanted)  # a Topic: a DataSet in Egeria 5, a DataFeed in 6
    assert is_kind_of("SomeVendorTable", ["DataSet", "Asset"], wanted)
    assert not is_kind_of("GlossaryTerm", ["Referenceable"], wanted)
    assert not is_kind_of("Ownership", [], wanted)


def test_hierarchy_answers_are_worked_out_once_and_stay_the_same() -> None:
    wanted = frozenset(LINEAGE_TYPE_NAMES)
    assert ancestors("CSVFile") == tuple(ancestry("CSVFile"))
    assert ancestors("CSVFile") is ancestors("CSVFile")
    assert ancestors("NotACatalogueType") == ("NotACatalogueType",) and ancestors("") == ()
    before = _is_kind_of.cache_info().hits
    for supers in (["DataSet", "Asset"], ("DataSet", "Asset"), ["DataSet", "Asset"]):
        assert is_kind_of("SomeVendorTable", supers, wanted)
    assert _is_kind_of.cache_info().hits >= before + 2
    assert not is_kind_of("SomeVendorTable", ["DataSet", "Asset"], frozenset({"Process"}))


def test_a_run_is_a_process_in_every_release_and_a_memento_fits_any_element() -> None:
    """Read from each release's archive: EmbeddedProcess is a Process in 5.2 and an Action
    (itself a Process) in Egeria 6; Memento may classify any element; its archiveProperties
    is a string map in 5.2 and 6.1-SNAPSHOT but a plain string in 6.0 (OpenMetadataProperty
    ARCHIVE_PROPERTIES at odpi/egeria 97e29599a4d1e9491106e781f8fca7400cd73cd4)."""
    by_release = {r: {t.name: t for t in release_types(r).types} for r in EGERIA_RELEASES}
    for release, types in by_release.items():
        chain = chain_of("TransientEmbeddedProcess", types)
        assert "Process" in chain and chain[-1] == "OpenMetadataRoot", (release, chain)
        memento = types["Memento"].facts or {}
        assert memento["validEntityDefs"] == [["OpenMetadataRoot", "4e7761e8-3969-4627-8f40-bfe3cde85a1d"]]
    assert by_release["5.2"]["EmbeddedProcess"].super_type == "Process"
    assert {by_release[r]["EmbeddedProcess"].super_type for r in ("6.0", "6.1-SNAPSHOT")} == {"Action"}
    assert is_kind_of("TransientEmbeddedProcess", [], frozenset(LINEAGE_TYPE_NAMES))
    archive_properties = {
        r: next(
            a["type"]
            for a in (types["Memento"].facts or {})["attributes"]
            if a["name"] == "archiveProperties"
        )
        for r, types in by_release.items()
    }
    assert archive_properties == {
        "5.2": "map<string,string>",
        "6.0": "string",
        "6.1-SNAPSHOT": "map<string,string>",
    }


def test_summaries_carry_what_error_events_need() -> None:
    summary = release_type("5.2", "DataFlow").summary()
    assert summary.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "headerVersion": 1,
        "guid": "d2490c0c-06cc-458a-add2-33cf2f5dd724",
        "name": "DataFlow",
        "status": "ACTIVE_TYPEDEF",
        "version": 4,
        "versionName": "1.0",
        "category": "RELATIONSHIP_DEF",
    }


def test_whole_typedefs_are_built_from_the_facts() -> None:
    """The real DataFlow RelationshipDef of the 5.2 release (the relationship TypeDef fixture,
    before its three patches) against the one built from the facts (after them)."""
    real = json.loads((FIXTURES / "omrs" / "typedef_new_relationship_typedef_event.json").read_text())
    real_flow = real["typeDefEventSection"]["typeDef"]
    built = json.loads(
        release_type("5.2", "DataFlow").type_def().model_dump_json(by_alias=True, exclude_none=True)
    )
    for key in ("class", "guid", "name", "category", "propagationRule", "origin", "createdBy"):
        assert built[key] == real_flow[key], key
    for end in ("endDef1", "endDef2"):
        assert built[end]["entityType"]["guid"] == real_flow[end]["entityType"]["guid"]
        assert built[end]["attributeName"] == real_flow[end]["attributeName"]
    # the archive's patches to DataFlow made it multi-link and added formulaType and label
    assert (real_flow["multiLink"], built["multiLink"]) == (False, True)
    real_names = [a["attributeName"] for a in real_flow["propertiesDefinition"]]
    assert [a["attributeName"] for a in built["propertiesDefinition"]] == [
        *real_names,
        "formulaType",
        "label",
    ]
    assert built["version"] == 4


# -- learning the cohort's types ----------------------------------------------------------------


@pytest.mark.parametrize("release", EGERIA_RELEASES)
def test_a_member_of_any_release_is_accepted_without_an_error(release: str) -> None:
    state = CohortTypes.of()
    for known in release_types(release).types:
        state, verdict = state.learn_typedef(known.type_def())
        assert verdict.outcome in ("known", "newer", "learned"), (known.name, verdict)
        assert conflict_answer(ME, verdict, known.type_def(), MEMBER) is None
    for attribute in release_types(release).attribute_types:
        state, verdict = state.learn_attribute_typedef(attribute.as_attribute_type_def())
        assert verdict.outcome in ("known", "learned"), (attribute.name, verdict)


@pytest.mark.parametrize("release", EGERIA_RELEASES)
def test_instance_types_of_any_release_are_valid_type_ids(release: str) -> None:
    """Egeria's validTypeId (known name, same guid) for every type an instance of that release names."""
    state = CohortTypes.of()
    for known in release_types(release).types:
        assert state.valid_type_id(known.guid, known.name), known.name
        assert type_named(known.name) is None or type_named(known.name).guid == known.guid  # type: ignore[union-attr]


def test_a_newer_version_is_learned_and_an_older_one_changes_nothing() -> None:
    state = CohortTypes.of([release_type("6.0", "Process")])
    state, verdict = state.learn_typedef(release_type("5.2", "Process").type_def())
    assert verdict.outcome == "newer"
    assert state.type_named("Process").version == 3  # type: ignore[union-attr]
    again, verdict = state.learn_typedef(release_type("6.0", "Process").type_def())
    assert verdict.outcome == "known" and again is state


def test_a_real_egeria_patch_moves_a_type_to_its_new_version() -> None:
    """The 5.2 archive's first Process patch (1 -> 2), as an UPDATED_TYPEDEF_EVENT."""
    event = parse_omrs_event((FIXTURES / "omrs" / "typedef_updated_typedef_event.json").read_bytes())
    patch = event.type_def_event_section.type_def_patch  # type: ignore[union-attr]
    assert patch is not None and (patch.update_multi_link, patch.multi_link) == (False, False)
    state = CohortTypes.of([release_type("6.0", "Process")])  # Process at version 1
    state, verdict = state.learn_patch(patch)
    assert verdict.outcome == "newer" and state.type_named("Process").version == 2  # type: ignore[union-attr]
    same, verdict = state.learn_patch(patch)
    assert verdict.outcome == "known" and same is state
    _, verdict = CohortTypes.of([]).learn_patch(patch)
    assert verdict.outcome == "ignored"


def test_a_name_known_with_another_guid_is_a_conflict_answered_as_egeria_answers() -> None:
    state = CohortTypes.of()
    impostor = EntityDef(
        header_version=1, guid="0b0b0b0b-0000-4000-8000-000000000001", name="Process", version=1
    )
    after, verdict = state.learn_typedef(impostor)
    assert after is state and verdict.outcome == "conflict" and verdict.ours is type_named("Process")
    answer = conflict_answer(ME, verdict, impostor, MEMBER, timestamp=1)
    assert answer is not None
    dumped = json.loads(dump_omrs_event(answer))
    assert dumped["typeDefEventSection"]["typeDefEventType"] == "TYPEDEF_ERROR_EVENT"
    assert dumped["typeDefEventSection"]["originalTypeDefSummary"]["guid"] == impostor.guid
    assert dumped["errorSection"]["errorCode"] == OMRSEventErrorCode.CONFLICTING_TYPEDEFS
    assert dumped["errorSection"]["otherMetadataCollectionId"] == MEMBER
    assert dumped["errorSection"]["otherTypeDefSummary"]["guid"] == type_named("Process").guid  # type: ignore[union-attr]


def test_a_guid_known_under_another_name_is_learned_as_egeria_does() -> None:
    """Egeria 6 renamed AssetSchemaType to Schema and kept its guid (6.0 archive); Egeria's
    validTypeId looks names up, so the rename is no conflict. The service starts knowing both
    names; a catalogue holding only the Egeria 5 name learns the Egeria 6 one."""
    assert CohortTypes.of().valid_type_id("815b004d-73c6-4728-9dd9-536f4fe803cd", "Schema")
    state = CohortTypes.of(TYPES)
    schema = EntityDef(
        header_version=1,
        guid="815b004d-73c6-4728-9dd9-536f4fe803cd",
        name="Schema",
        version=1,
        category="RELATIONSHIP_DEF",
    )
    state, verdict = state.learn_typedef(schema)
    assert verdict.outcome == "learned"
    assert state.valid_type_id("815b004d-73c6-4728-9dd9-536f4fe803cd", "Schema")
    assert state.valid_type_id("815b004d-73c6-4728-9dd9-536f4fe803cd", "AssetSchemaType")


def test_attribute_types_of_another_release_are_no_conflict_but_another_guid_is() -> None:
    string_52 = next(a for a in release_types("5.2").attribute_types if a.name == "string")
    state = CohortTypes.of()
    assert state.learn_attribute_typedef(string_52.as_attribute_type_def())[1].outcome == "known"
    odd = string_52.as_attribute_type_def().model_copy(
        update={"guid": "0b0b0b0b-0000-4000-8000-000000000002"}
    )
    _, verdict = state.learn_attribute_typedef(odd)
    assert verdict.outcome == "conflict"
    answer = conflict_answer(ME, verdict, odd, MEMBER, timestamp=1)
    assert answer is not None and answer.error_section is not None
    assert answer.error_section.error_code is OMRSEventErrorCode.CONFLICTING_ATTRIBUTE_TYPEDEFS
    assert answer.type_def_event_section.original_attribute_type_def == odd  # type: ignore[union-attr]


def test_learned_types_give_the_cohorts_hierarchy() -> None:
    table = EntityDef(
        header_version=1,
        guid="0b0b0b0b-0000-4000-8000-000000000003",
        name="VendorTable",
        version=1,
        category="ENTITY_DEF",
        super_type=TypeDefLink(name="DataSet", guid=type_named("DataSet").guid),  # type: ignore[union-attr]
    )
    state, _ = CohortTypes.of().learn_typedef(table)
    assert state.ancestry("VendorTable")[:2] == ("VendorTable", "DataSet")
    assert state.is_kind_of("VendorTable", frozenset({"Asset"}))
    assert not CohortTypes.of().is_kind_of("VendorTable", frozenset({"Asset"}))
    forgotten = state.forget_typedef(table.guid, table.name)
    assert forgotten.type_named("VendorTable") is None
    assert forgotten.forget_typedef(None, "Process") is forgotten  # this server's own types stay


def test_learned_state_round_trips_through_records() -> None:
    table = EntityDef(header_version=1, guid="0b0b0b0b-0000-4000-8000-000000000004", name="T", version=2)
    state, _ = CohortTypes.of().learn_typedef(table)
    state, _ = state.learn_typedef(release_type("5.2", "Process").type_def())
    records = json.loads(json.dumps(state.to_records()))
    assert {r["name"] for r in records} == {"T", "Process"}
    again = CohortTypes.from_records(records)
    assert again.type_named("T") == state.type_named("T")
    assert again.type_named("Process").version == 3  # type: ignore[union-attr]
    assert again.type_named("Process").type_def().properties_definition  # type: ignore[union-attr]


# -- announcing this server's types ------------------------------------------------------------


def test_announcements_put_super_types_first_and_attribute_types_when_asked() -> None:
    ordered = [t.name for t in ancestors_first(TYPES)]
    for t in TYPES:
        if t.super_type:
            assert ordered.index(t.super_type) < ordered.index(t.name)
    events = list(typedef_announcements(ME, timestamp=1))
    assert len(events) == len(TYPES)
    kinds = {e.type_def_event_section.type_def_event_type for e in events}  # type: ignore[union-attr]
    assert kinds == {OMRSTypeDefEventType.NEW_TYPEDEF_EVENT}
    with_attributes = list(typedef_announcements(ME, TYPES[:1], ATTRIBUTE_TYPES, timestamp=1))
    assert [e.type_def_event_section.type_def_event_type for e in with_attributes] == [  # type: ignore[union-attr]
        *[OMRSTypeDefEventType.NEW_ATTRIBUTE_TYPEDEF_EVENT] * len(ATTRIBUTE_TYPES),
        OMRSTypeDefEventType.NEW_TYPEDEF_EVENT,
    ]
