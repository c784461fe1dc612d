"""The catalogue of open metadata types: complete, consistent, and Egeria's identities."""

from __future__ import annotations

from schemas.omrs import TypeDefCategory
from schemas.open_metadata_types import (
    ATTRIBUTE_TYPES,
    LINEAGE_TYPE_NAMES,
    TYPES,
    _is_kind_of,
    ancestors,
    ancestry,
    is_kind_of,
    type_named,
    type_with_guid,
)

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
}


def test_every_type_the_service_uses_is_there_once() -> None:
    names = [t.name for t in TYPES]
    assert set(names) >= REQUIRED
    assert len(names) == len(set(names))
    assert len({t.guid for t in TYPES}) == len(TYPES)
    assert len({t.guid for t in ATTRIBUTE_TYPES} | {t.guid for t in TYPES}) == len(TYPES) + len(
        ATTRIBUTE_TYPES
    )
    assert all(t.version >= 1 for t in (*TYPES, *ATTRIBUTE_TYPES))


def test_egeria_identities_are_kept_exactly() -> None:
    process = type_named("Process")
    assert process is not None
    assert (process.guid, process.version) == ("d8f33bd7-afa9-4a11-a8c7-07dcec83c050", 3)
    assert type_with_guid("a5991bB2-660D-A3a1-2955-fAcDA2d5F4Ff") is type_named("LineageMapping")
    assert type_with_guid("a5991bb2-660d-a3a1-2955-facda2d5f4ff") is None  # compared exactly, as Egeria does
    string = next(t for t in ATTRIBUTE_TYPES if t.name == "string")
    assert string.guid == "b34a64b9-554a-42b1-8f8a-7d5c2339f9c4"


def test_entity_hierarchy_is_closed_and_rooted() -> None:
    for t in TYPES:
        if t.category is TypeDefCategory.ENTITY_DEF:
            chain = list(ancestry(t.name))
            assert chain[-1] == "OpenMetadataRoot", chain
            assert all(type_named(n) is not None for n in chain)
        else:
            assert t.super_type is None
    assert list(ancestry("RelationalColumn"))[:3] == ["RelationalColumn", "TabularColumn", "SchemaAttribute"]


def test_kept_types_include_subtypes_with_or_without_super_types_on_the_instance() -> None:
    wanted = frozenset(LINEAGE_TYPE_NAMES)
    assert all(type_named(n) is not None for n in LINEAGE_TYPE_NAMES)
    assert is_kind_of("DeployedSoftwareComponent", [], wanted)
    assert is_kind_of("CSVFile", [], wanted)
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


def test_summaries_carry_what_error_events_need() -> None:
    summary = type_named("DataFlow").summary()  # type: ignore[union-attr]
    dumped = summary.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert dumped == {
        "headerVersion": 1,
        "guid": "d2490c0c-06cc-458a-add2-33cf2f5dd724",
        "name": "DataFlow",
        "status": "ACTIVE_TYPEDEF",
        "version": 3,
        "versionName": "3.0",
        "category": "RELATIONSHIP_DEF",
    }
