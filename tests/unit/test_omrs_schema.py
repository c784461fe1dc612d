"""OMRS event models: round trips of Egeria's JSON, every event type and error code, enum
tolerance, dates, error paths, semantic checks and builders."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from schemas.errors import EventValidationError, FieldError
from schemas.omrs import (
    DESCRIPTIVE_ENUMS,
    DISPATCH_ENUMS,
    INSTANCE_NEEDS,
    TYPEDEF_NEEDS,
    AttributeCardinality,
    AttributeTypeDefCategory,
    Classification,
    ClassificationOrigin,
    ClassificationPropagationRule,
    CollectionDefCategory,
    EntityDef,
    EntityDetail,
    EntityProxy,
    EnumDef,
    EnumElementDef,
    InstanceGraph,
    InstanceProperties,
    InstancePropertyCategory,
    InstanceProvenanceType,
    InstanceStatus,
    InstanceType,
    OMRSEventCategory,
    OMRSEventErrorCode,
    OMRSEventProtocolVersion,
    OMRSEventV1,
    OMRSInstanceEventType,
    OMRSRegistryEventType,
    OMRSTypeDefEventType,
    Originator,
    PrimitiveDefCategory,
    PrimitivePropertyValue,
    Relationship,
    RelationshipEndCardinality,
    TypeDefAttributeStatus,
    TypeDefCategory,
    TypeDefEventSection,
    TypeDefPatch,
    TypeDefStatus,
    TypeDefSummary,
    check_event_semantics,
    dump_omrs_event,
    event_type_of,
    instance_error_event,
    instance_event,
    instance_guid,
    parse_omrs_event,
    re_registration_event,
    refresh_registration_request,
    refreshed_entity_event,
    refreshed_relationship_event,
    registration_event,
    registry_error_event,
    sender_collection_id,
    typedef_error_event,
    un_registration_event,
    validate_omrs_event,
)
from schemas.omrs_builders import _event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "omrs"
FIXTURE_FILES = sorted(FIXTURES.glob("*.json"))
TS = 1700000123456
ME = Originator(
    metadata_collection_id="5e3f1d2c-8b7a-5c4d-9e0f-1a2b3c4d5e6f",
    server_name="lineage-integrator",
    server_type="Integration Daemon",
    organization_name="Coco Pharmaceuticals",
)
DSC = ("486af62c-dcfd-4859-ab24-eab2e380ecfd", "DeployedSoftwareComponent")
CONNECTION = {"class": "Connection", "qualifiedName": "lineage-integrator", "endpoint": {"class": "Endpoint"}}


# --- helpers ---------------------------------------------------------------------------------


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def round_trip(event: dict[str, Any] | OMRSEventV1) -> dict[str, Any]:
    """Serialise, parse and dump again; the result as a plain JSON object."""
    raw = dump_omrs_event(event) if isinstance(event, OMRSEventV1) else orjson.dumps(event)
    return json.loads(dump_omrs_event(parse_omrs_event(raw)))


def errors_of(event: dict[str, Any]) -> list[FieldError]:
    with pytest.raises(EventValidationError) as caught:
        parse_omrs_event(orjson.dumps(event))
    return caught.value.errors


def paths(errors: list[FieldError]) -> list[str]:
    return [error.path for error in errors]


def extras(model: object, where: str = "$") -> Iterator[str]:
    """JSON paths of every kept unknown field under a model (should be none for Egeria's own)."""
    if isinstance(model, BaseModel):
        yield from (f"{where}.{key}" for key in model.__pydantic_extra__ or {})
        for name in type(model).model_fields:
            yield from extras(getattr(model, name), f"{where}.{name}")
    elif isinstance(model, dict):
        for key, value in model.items():
            yield from extras(value, f"{where}[{key!r}]")
    elif isinstance(model, list):
        for index, value in enumerate(model):
            yield from extras(value, f"{where}[{index}]")


def string_value(value: str) -> PrimitivePropertyValue:
    return PrimitivePropertyValue(
        instance_property_category="PRIMITIVE",
        type_name="string",
        primitive_def_category="OM_PRIMITIVE_TYPE_STRING",
        primitive_value=value,
    )


def entity(guid: str = "8f2c7a1e-3b4d-4e5f-9a6b-7c8d9e0f1a2b") -> EntityDetail:
    return EntityDetail(
        header_version=1,
        type=InstanceType(type_def_category="ENTITY_DEF", type_def_guid=DSC[0], type_def_name=DSC[1]),
        instance_provenance_type=InstanceProvenanceType.LOCAL_COHORT,
        metadata_collection_id=ME.metadata_collection_id,
        create_time=1700000100000,
        version=1,
        status=InstanceStatus.ACTIVE,
        guid=guid,
        properties=InstanceProperties(instance_properties={"qualifiedName": string_value("dsc::ns::job")}),
    )


def proxy(guid: str) -> EntityProxy:
    return EntityProxy(type=InstanceType(type_def_guid=DSC[0], type_def_name=DSC[1]), guid=guid, version=1)


def relationship() -> Relationship:
    return Relationship(
        type=InstanceType(type_def_category="RELATIONSHIP_DEF", type_def_guid="70dbbda3", type_def_name="P"),
        guid="4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
        version=3,
        entity_one_proxy=proxy("1c2d3e4f"),
        entity_two_proxy=proxy("8f2c7a1e"),
    )


def ownership() -> Classification:
    return Classification(
        name="Ownership",
        type=InstanceType(
            type_def_category="CLASSIFICATION_DEF", type_def_guid="8139a911", type_def_name="O"
        ),
        properties=InstanceProperties(instance_properties={"owner": string_value("team")}),
        classification_origin="ASSIGNED",
        version=1,
    )


SUMMARY = TypeDefSummary(guid=DSC[0], name=DSC[1], version=1, category="ENTITY_DEF")
ENUM_DEF = EnumDef(
    guid="b57fbce7", name="PortType", element_defs=[EnumElementDef(ordinal=0, value="INPUT_PORT")]
)

INSTANCE_ARGUMENTS: dict[str, tuple[str, Callable[[], Any]]] = {
    "entity": ("entity", entity),
    "entityProxy": ("entity_proxy", lambda: proxy("8f2c7a1e")),
    "relationship": ("relationship", relationship),
    "classification": ("classification", ownership),
    "instanceBatch": (
        "instance_batch",
        lambda: InstanceGraph(entities=[entity()], relationships=[relationship()]),
    ),
    "originalInstanceGUID": ("original_instance_guid", lambda: "0ld-guid"),
    "originalEntity": ("original_entity", entity),
    "originalRelationship": ("original_relationship", relationship),
    "originalTypeDefSummary": ("original_type_def_summary", lambda: SUMMARY),
    "originalHomeMetadataCollectionId": ("original_home_metadata_collection_id", lambda: "old-home"),
    "typeDefGUID": ("type_def_guid", lambda: DSC[0]),
    "typeDefName": ("type_def_name", lambda: DSC[1]),
    "instanceGUID": ("instance_guid", lambda: "8f2c7a1e"),
    "homeMetadataCollectionId": ("home_metadata_collection_id", lambda: "home"),
}
"""How to give instance_event each field an instance event type may need."""

TYPEDEF_ARGUMENTS: dict[str, tuple[str, Callable[[], Any]]] = {
    "typeDef": ("type_def", lambda: EntityDef(guid=DSC[0], name=DSC[1], version=2)),
    "attributeTypeDef": ("attribute_type_def", lambda: ENUM_DEF),
    "originalAttributeTypeDef": ("original_attribute_type_def", lambda: ENUM_DEF),
    "typeDefPatch": ("type_def_patch", lambda: TypeDefPatch(type_def_guid=DSC[0], apply_to_version=1)),
    "typeDefGUID": ("type_def_guid", lambda: DSC[0]),
    "typeDefName": ("type_def_name", lambda: DSC[1]),
    "originalTypeDefSummary": ("original_type_def_summary", lambda: SUMMARY),
}


def make_instance_event(kind: OMRSInstanceEventType) -> OMRSEventV1:
    """An event of this type carrying exactly the first alternative of each thing it needs."""
    if kind is OMRSInstanceEventType.INSTANCE_ERROR_EVENT:
        return instance_error_event(ME, OMRSEventErrorCode.CONFLICTING_INSTANCES, "m", "them", timestamp=TS)
    arguments = dict(INSTANCE_ARGUMENTS[names[0]] for names in INSTANCE_NEEDS.get(kind, ()))
    return instance_event(ME, kind, timestamp=TS, **{k: make() for k, make in arguments.items()})


def make_typedef_event(kind: OMRSTypeDefEventType) -> OMRSEventV1:
    if kind is OMRSTypeDefEventType.TYPEDEF_ERROR_EVENT:
        return typedef_error_event(ME, OMRSEventErrorCode.CONFLICTING_TYPEDEFS, "m", "them", timestamp=TS)
    arguments = dict(TYPEDEF_ARGUMENTS[names[0]] for names in TYPEDEF_NEEDS.get(kind, ()))
    section = TypeDefEventSection(type_def_event_type=kind, **{k: make() for k, make in arguments.items()})
    return _event(
        ME, OMRSEventCategory.TYPEDEF, TS, OMRSEventProtocolVersion.V1, type_def_event_section=section
    )


REGISTRY_BUILDERS: dict[OMRSRegistryEventType, Callable[[], OMRSEventV1]] = {
    OMRSRegistryEventType.REGISTRATION_EVENT: lambda: registration_event(
        ME, 1700000000000, CONNECTION, "lineage-integrator", timestamp=TS
    ),
    OMRSRegistryEventType.RE_REGISTRATION_EVENT: lambda: re_registration_event(
        ME, 1700000000000, CONNECTION, timestamp=TS
    ),
    OMRSRegistryEventType.UN_REGISTRATION_EVENT: lambda: un_registration_event(
        ME, metadata_collection_name="lineage-integrator", timestamp=TS
    ),
    OMRSRegistryEventType.REFRESH_REGISTRATION_REQUEST: lambda: refresh_registration_request(
        ME, timestamp=TS
    ),
    OMRSRegistryEventType.REGISTRATION_ERROR_EVENT: lambda: registry_error_event(
        ME, OMRSEventErrorCode.CONFLICTING_COLLECTION_ID, "same id", "them", timestamp=TS
    ),
    OMRSRegistryEventType.UNKNOWN_REGISTRY_EVENT: lambda: OMRSEventV1.model_validate(
        {
            "class": "OMRSEventV1",
            "protocolVersionId": "OMRS V1.0",
            "originator": {},
            "eventCategory": "REGISTRY",
            "registryEventSection": {"registryEventType": "UNKNOWN_REGISTRY_EVENT"},
        }
    ),
}


# --- Egeria's own JSON -------------------------------------------------------------------------


def test_the_fixtures_cover_the_required_samples() -> None:
    kinds = {path.stem for path in FIXTURE_FILES}
    assert {
        "registry_registration_event",
        "registry_registration_error_event",
        "typedef_new_typedef_event",
        "typedef_new_attribute_typedef_event",
        "typedef_updated_typedef_event",
        "instance_new_entity_event",
        "instance_new_relationship_event",
        "instance_classified_entity_event",
        "instance_batch_instances_event",
        "instance_error_event",
    } <= kinds


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_fixture_round_trips_to_the_same_json(path: Path) -> None:
    raw = path.read_bytes()
    event = parse_omrs_event(raw)
    assert json.loads(dump_omrs_event(event)) == json.loads(raw)
    assert check_event_semantics(event) == []


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_every_field_egeria_writes_is_a_modelled_field(path: Path) -> None:
    """No fixture field lands in the kept extras: names and aliases match Egeria's getters."""
    event = parse_omrs_event(path.read_bytes())
    opaque = ("remote_connection", "target_remote_connection")
    assert [p for p in extras(event) if not any(o in p for o in opaque)] == []


def test_fixture_beans_are_typed_as_egeria_declares_them() -> None:
    event = parse_omrs_event((FIXTURES / "instance_batch_instances_event.json").read_bytes())
    assert event.instance_event_section is not None
    batch = event.instance_event_section.instance_batch
    assert batch is not None and batch.entities and batch.relationships
    port = batch.entities[1].properties
    assert port is not None and port.instance_properties is not None
    kinds = {name: type(value).__name__ for name, value in port.instance_properties.items()}
    assert kinds["portType"] == "EnumPropertyValue"
    assert kinds["formulas"] == "ArrayPropertyValue"
    assert kinds["schedule"] == "StructPropertyValue"
    assert kinds["lastRun"] == "PrimitivePropertyValue"
    assert batch.relationships[0].entity_one_proxy is not None
    assert batch.entities[0].status is InstanceStatus.ACTIVE


def test_typedef_fixtures_parse_into_the_typedef_beans() -> None:
    new = parse_omrs_event((FIXTURES / "typedef_new_typedef_event.json").read_bytes())
    section = new.type_def_event_section
    assert section is not None and isinstance(section.type_def, EntityDef)
    attribute = (section.type_def.properties_definition or [])[0]
    assert attribute.unique is False and attribute.indexable is True
    assert attribute.attribute_cardinality == "AT_MOST_ONE"
    enum = parse_omrs_event((FIXTURES / "typedef_new_attribute_typedef_event.json").read_bytes())
    assert enum.type_def_event_section is not None
    assert isinstance(enum.type_def_event_section.attribute_type_def, EnumDef)
    patch = parse_omrs_event((FIXTURES / "typedef_updated_typedef_event.json").read_bytes())
    assert patch.type_def_event_section is not None and patch.type_def_event_section.type_def_patch
    assert patch.type_def_event_section.type_def_patch.update_to_version == 2


# --- every category, event type and error code -------------------------------------------------


@pytest.mark.parametrize("kind", list(OMRSRegistryEventType))
def test_every_registry_event_type(kind: OMRSRegistryEventType) -> None:
    event = REGISTRY_BUILDERS[kind]()
    assert round_trip(event) == json.loads(dump_omrs_event(event))
    assert check_event_semantics(event) == []
    assert event_type_of(parse_omrs_event(dump_omrs_event(event))) is kind


@pytest.mark.parametrize("kind", list(OMRSTypeDefEventType))
def test_every_typedef_event_type(kind: OMRSTypeDefEventType) -> None:
    event = make_typedef_event(kind)
    assert round_trip(event) == json.loads(dump_omrs_event(event))
    assert check_event_semantics(event) == []
    assert event_type_of(parse_omrs_event(dump_omrs_event(event))) is kind


@pytest.mark.parametrize("kind", list(OMRSInstanceEventType))
def test_every_instance_event_type(kind: OMRSInstanceEventType) -> None:
    event = make_instance_event(kind)
    assert round_trip(event) == json.loads(dump_omrs_event(event))
    assert check_event_semantics(event) == []
    assert event_type_of(parse_omrs_event(dump_omrs_event(event))) is kind


@pytest.mark.parametrize("kind", [k for k in OMRSInstanceEventType if k in INSTANCE_NEEDS])
def test_instance_event_type_without_what_it_needs(kind: OMRSInstanceEventType) -> None:
    event = instance_event(ME, kind, timestamp=TS)
    expected = [f"$.instanceEventSection.{names[0]}" for names in INSTANCE_NEEDS[kind]]
    assert paths(check_event_semantics(event)) == expected


@pytest.mark.parametrize("kind", list(TYPEDEF_NEEDS))
def test_typedef_event_type_without_what_it_needs(kind: OMRSTypeDefEventType) -> None:
    section = TypeDefEventSection(type_def_event_type=kind)
    event = _event(
        ME, OMRSEventCategory.TYPEDEF, TS, OMRSEventProtocolVersion.V1, type_def_event_section=section
    )
    expected = [f"$.typeDefEventSection.{names[0]}" for names in TYPEDEF_NEEDS[kind]]
    assert paths(check_event_semantics(event)) == expected


@pytest.mark.parametrize("category", [OMRSEventCategory.UNKNOWN, OMRSEventCategory.GENERIC])
def test_categories_without_a_section(category: OMRSEventCategory) -> None:
    event = _event(ME, category, TS, OMRSEventProtocolVersion.V1)
    assert round_trip(event)["eventCategory"] == category
    assert check_event_semantics(event) == []


ERROR_BUILDERS: dict[str, Callable[[OMRSEventErrorCode], OMRSEventV1]] = {
    "registry": lambda code: registry_error_event(
        ME, code, "msg", "them", target_remote_connection=CONNECTION, timestamp=TS
    ),
    "typedef": lambda code: typedef_error_event(
        ME, code, "msg", "them", SUMMARY, SUMMARY, ENUM_DEF, other_type_def=EntityDef(name="X"), timestamp=TS
    ),
    "instance": lambda code: instance_error_event(
        ME, code, "msg", "them", "guid-1", SUMMARY, other_origin="LOCAL_COHORT", timestamp=TS
    ),
}


@pytest.mark.parametrize("builder", list(ERROR_BUILDERS))
@pytest.mark.parametrize("code", list(OMRSEventErrorCode))
def test_every_error_code_in_every_error_event(builder: str, code: OMRSEventErrorCode) -> None:
    event = ERROR_BUILDERS[builder](code)
    dumped = round_trip(event)
    assert dumped == json.loads(dump_omrs_event(event))
    assert dumped["errorSection"]["errorCode"] == code.value
    # the member at fault: Egeria's TypeDef conflict events name it as the "other" collection
    section = dumped["errorSection"]
    assert section.get("targetMetadataCollectionId", section.get("otherMetadataCollectionId")) == "them"
    assert check_event_semantics(event) == []


def test_registration_error_with_conflicting_collection_id() -> None:
    event = parse_omrs_event((FIXTURES / "registry_registration_error_event.json").read_bytes())
    assert event.error_section is not None
    assert event.error_section.error_code is OMRSEventErrorCode.CONFLICTING_COLLECTION_ID
    assert event_type_of(event) is OMRSRegistryEventType.REGISTRATION_ERROR_EVENT


def test_the_enumerations_are_egerias() -> None:
    assert len(OMRSInstanceEventType) == 30
    assert len(OMRSTypeDefEventType) == 9
    assert len(OMRSRegistryEventType) == 6
    assert len(OMRSEventErrorCode) == 13
    assert [c.value for c in OMRSEventCategory] == ["UNKNOWN", "REGISTRY", "TYPEDEF", "INSTANCE", "GENERIC"]
    for enum in DISPATCH_ENUMS[1:] + DESCRIPTIVE_ENUMS:
        assert all(member.value == member.name for member in enum)


# --- unknown fields and enum values ------------------------------------------------------------


def test_unknown_fields_are_kept_at_every_level() -> None:
    event = load("instance_new_entity_event.json")
    section = event["instanceEventSection"]
    beans = [
        event,
        event["originator"],
        section,
        section["entity"],
        section["entity"]["type"],
        section["entity"]["type"]["typeDefSuperTypes"][0],
        section["entity"]["properties"],
        section["entity"]["properties"]["instanceProperties"]["name"],
        section["entity"]["properties"]["instanceProperties"]["additionalProperties"]["mapValues"],
    ]
    for depth, bean in enumerate(beans):
        bean["futureField"] = {"depth": depth, "list": [1, "two", None], "flag": True}
        bean["futureNumber"] = depth
    assert round_trip(event) == event
    parsed = parse_omrs_event(orjson.dumps(event))
    assert parsed.model_extra == {"futureField": event["futureField"], "futureNumber": 0}


def test_unknown_fields_in_typedef_and_error_beans_are_kept() -> None:
    event = load("typedef_new_typedef_event.json")
    type_def = event["typeDefEventSection"]["typeDef"]
    type_def["newerTypeDefField"] = ["x"]
    type_def["propertiesDefinition"][0]["newerAttributeField"] = 7
    type_def["propertiesDefinition"][0]["attributeType"]["newerPrimitiveField"] = "p"
    type_def["superType"]["newerLinkField"] = "l"
    type_def["externalStandardMappings"] = [
        {"headerVersion": 1, "standardName": "s", "standardVersion": "1.0"}
    ]
    assert round_trip(event) == event


@pytest.mark.parametrize(
    ("fixture", "location", "path"),
    [
        ("instance_new_entity_event.json", ("eventCategory",), "$.eventCategory"),
        ("instance_new_entity_event.json", ("protocolVersionId",), "$.protocolVersionId"),
        (
            "instance_new_entity_event.json",
            ("instanceEventSection", "eventType"),
            "$.instanceEventSection.eventType",
        ),
        (
            "registry_registration_event.json",
            ("registryEventSection", "registryEventType"),
            "$.registryEventSection.registryEventType",
        ),
        (
            "typedef_new_typedef_event.json",
            ("typeDefEventSection", "typeDefEventType"),
            "$.typeDefEventSection.typeDefEventType",
        ),
        ("instance_error_event.json", ("errorSection", "errorCode"), "$.errorSection.errorCode"),
    ],
)
def test_unknown_dispatch_enum_value_is_an_error(fixture: str, location: tuple[str, ...], path: str) -> None:
    event = load(fixture)
    target = event
    for key in location[:-1]:
        target = target[key]
    known = target[location[-1]]
    target[location[-1]] = "SOMETHING_NEWER"
    errors = errors_of(event)
    assert paths(errors) == [path]
    assert f"'{known}'" in errors[0].message  # the allowed values are listed


def test_unknown_event_type_message_lists_the_allowed_values() -> None:
    event = load("instance_new_entity_event.json")
    event["instanceEventSection"]["eventType"] = "NEW_THING_EVENT"
    message = errors_of(event)[0].message
    assert all(f"'{kind.value}'" in message for kind in OMRSInstanceEventType)


def test_event_type_of_another_category_is_an_error() -> None:
    event = load("instance_new_entity_event.json")
    event["instanceEventSection"]["eventType"] = "NEW_TYPEDEF_EVENT"
    assert paths(errors_of(event)) == ["$.instanceEventSection.eventType"]


def test_unknown_provenance_is_kept_and_round_trips() -> None:
    event = load("instance_new_entity_event.json")
    event["instanceEventSection"]["entity"]["instanceProvenanceType"] = "DATA_PLATFORM"
    parsed = parse_omrs_event(orjson.dumps(event))
    assert parsed.instance_event_section is not None and parsed.instance_event_section.entity is not None
    provenance = parsed.instance_event_section.entity.instance_provenance_type
    assert provenance == "DATA_PLATFORM" and not isinstance(provenance, InstanceProvenanceType)
    assert round_trip(event) == event
    assert check_event_semantics(parsed) == []


ENTITY = ("instanceEventSection", "entity")
NAME_VALUE = (*ENTITY, "properties", "instanceProperties", "name")
NEW_TYPEDEF = ("typeDefEventSection", "typeDef")
DESCRIPTIVE_LOCATIONS: list[tuple[type[StrEnum], str, tuple[str | int, ...]]] = [
    (InstanceStatus, "instance_new_entity_event.json", (*ENTITY, "status")),
    (InstanceStatus, "instance_new_entity_event.json", (*ENTITY, "statusOnDelete")),
    (InstanceStatus, "instance_new_entity_event.json", (*ENTITY, "type", "validStatusList", 0)),
    (InstanceStatus, "typedef_new_typedef_event.json", (*NEW_TYPEDEF, "initialStatus")),
    (InstanceProvenanceType, "instance_new_entity_event.json", (*ENTITY, "instanceProvenanceType")),
    (InstanceProvenanceType, "instance_error_event.json", ("errorSection", "otherOrigin")),
    (
        ClassificationOrigin,
        "instance_classified_entity_event.json",
        ("instanceEventSection", "classification", "classificationOrigin"),
    ),
    (InstancePropertyCategory, "instance_new_entity_event.json", (*NAME_VALUE, "instancePropertyCategory")),
    (PrimitiveDefCategory, "instance_new_entity_event.json", (*NAME_VALUE, "primitiveDefCategory")),
    (TypeDefCategory, "instance_new_entity_event.json", (*ENTITY, "type", "typeDefCategory")),
    (TypeDefCategory, "typedef_new_typedef_event.json", (*NEW_TYPEDEF, "category")),
    (TypeDefStatus, "instance_new_entity_event.json", (*ENTITY, "type", "typeDefSuperTypes", 0, "status")),
    (TypeDefStatus, "typedef_new_typedef_event.json", (*NEW_TYPEDEF, "status")),
    (
        AttributeTypeDefCategory,
        "typedef_new_attribute_typedef_event.json",
        ("typeDefEventSection", "attributeTypeDef", "category"),
    ),
    (
        CollectionDefCategory,
        "typedef_new_classification_typedef_event.json",
        (*NEW_TYPEDEF, "propertiesDefinition", 3, "attributeType", "collectionDefCategory"),
    ),
    (
        PrimitiveDefCategory,
        "typedef_new_classification_typedef_event.json",
        (*NEW_TYPEDEF, "propertiesDefinition", 3, "attributeType", "argumentTypes", 1),
    ),
    (
        TypeDefAttributeStatus,
        "typedef_new_classification_typedef_event.json",
        (*NEW_TYPEDEF, "propertiesDefinition", 0, "attributeStatus"),
    ),
    (
        AttributeCardinality,
        "typedef_new_typedef_event.json",
        (*NEW_TYPEDEF, "propertiesDefinition", 0, "attributeCardinality"),
    ),
    (
        RelationshipEndCardinality,
        "typedef_new_relationship_typedef_event.json",
        (*NEW_TYPEDEF, "endDef1", "attributeCardinality"),
    ),
    (
        ClassificationPropagationRule,
        "typedef_new_relationship_typedef_event.json",
        (*NEW_TYPEDEF, "propagationRule"),
    ),
]
"""Where each descriptive enum sits in a fixture, by JSON location."""


def set_at(document: Any, location: tuple[str | int, ...], value: object) -> None:
    for key in location[:-1]:
        document = document[key]
    document[location[-1]] = value


def parsed_at(event: OMRSEventV1, location: tuple[str | int, ...]) -> Any:
    """The parsed value at a JSON location, following aliases through the models."""
    node: Any = event
    for key in location:
        if isinstance(node, BaseModel):
            fields = type(node).model_fields
            node = getattr(node, next(name for name, f in fields.items() if f.alias == key))
        else:
            node = node[key]
    return node


def test_every_descriptive_enum_has_a_location() -> None:
    assert {enum for enum, _, _ in DESCRIPTIVE_LOCATIONS} == set(DESCRIPTIVE_ENUMS)


@pytest.mark.parametrize(
    ("enum", "fixture", "location"), DESCRIPTIVE_LOCATIONS, ids=lambda v: getattr(v, "__name__", None)
)
def test_every_descriptive_enum_value_parses_to_its_member(
    enum: type[StrEnum], fixture: str, location: tuple[str | int, ...]
) -> None:
    event = load(fixture)
    for member in enum:
        set_at(event, location, member.value)
        parsed = parse_omrs_event(orjson.dumps(event))
        assert parsed_at(parsed, location) is member
        assert json.loads(dump_omrs_event(parsed)) == event


@pytest.mark.parametrize(
    ("enum", "fixture", "location"), DESCRIPTIVE_LOCATIONS, ids=lambda v: getattr(v, "__name__", None)
)
def test_unknown_descriptive_enum_values_are_kept(
    enum: type[StrEnum], fixture: str, location: tuple[str | int, ...]
) -> None:
    event = load(fixture)
    set_at(event, location, "A_NEWER_VALUE")
    parsed = parse_omrs_event(orjson.dumps(event))
    value = parsed_at(parsed, location)
    assert value == "A_NEWER_VALUE" and not isinstance(value, enum)
    assert json.loads(dump_omrs_event(parsed)) == event


def test_a_descriptive_enum_that_is_not_a_string_is_an_error() -> None:
    event = load("instance_new_entity_event.json")
    event["instanceEventSection"]["entity"]["status"] = 15
    errors = errors_of(event)
    assert paths(errors) == ["$.instanceEventSection.entity.status"]
    assert "string" in errors[0].message


# --- dates and protocol versions -------------------------------------------------------------


def test_iso_dates_are_read_and_written_as_epoch_ms() -> None:
    event = load("instance_new_entity_event.json")
    event["timestamp"] = "2021-03-03T10:19:35.138+00:00"
    event["instanceEventSection"]["entity"]["createTime"] = "2021-03-03T11:19:35.138+01:00"
    event["instanceEventSection"]["entity"]["updateTime"] = "2021-03-03T10:19:35.138"
    dumped = round_trip(event)
    assert dumped["timestamp"] == 1614766775138
    assert dumped["instanceEventSection"]["entity"]["createTime"] == 1614766775138
    assert dumped["instanceEventSection"]["entity"]["updateTime"] == 1614766775138


@pytest.mark.parametrize("millis", [0, 1, -86_400_000, 1700000123456, 253402300799999, 2**62])
def test_epoch_ms_round_trip_exactly(millis: int) -> None:
    event = load("instance_new_entity_event.json")
    event["timestamp"] = millis
    event["instanceEventSection"]["entity"]["properties"]["effectiveFromTime"] = millis
    assert round_trip(event) == event


@pytest.mark.parametrize("bad", ["yesterday", 1.5, True, "1614766775138", [1]])
def test_a_date_that_is_neither_ms_nor_iso_is_an_error(bad: object) -> None:
    event = load("instance_new_entity_event.json")
    event["instanceEventSection"]["entity"]["createTime"] = bad
    errors = errors_of(event)
    assert paths(errors) == ["$.instanceEventSection.entity.createTime"]
    assert "epoch milliseconds" in errors[0].message


def test_datetimes_given_in_python_become_epoch_ms() -> None:
    event = registration_event(ME, datetime(2021, 3, 3, 10, 19, 35, 138000, tzinfo=UTC), None, timestamp=TS)
    assert event.registry_event_section is not None
    assert event.registry_event_section.registration_timestamp == 1614766775138
    naive = EntityDetail(create_time=datetime(2021, 3, 3, 10, 19, 35, 138000))
    assert naive.create_time == 1614766775138


@pytest.mark.parametrize("version", ["OMRS V1.0", "OMRS V2.0"])
def test_both_protocol_versions_are_accepted(version: str) -> None:
    event = load("instance_new_entity_event.json")
    event["protocolVersionId"] = version
    assert round_trip(event) == event


# --- class discriminator and error paths -------------------------------------------------------


def test_event_without_class_is_refused() -> None:
    event = load("instance_new_entity_event.json")
    del event["class"]
    assert paths(errors_of(event)) == ["$.class"]


def test_property_value_without_class_is_refused_at_its_path() -> None:
    event = load("instance_new_entity_event.json")
    del event["instanceEventSection"]["entity"]["properties"]["instanceProperties"]["name"]["class"]
    errors = errors_of(event)
    assert paths(errors) == ["$.instanceEventSection.entity.properties.instanceProperties.name"]
    assert "'class'" in errors[0].message and "class_" not in errors[0].message


def test_unknown_class_tag_is_refused() -> None:
    event = load("typedef_new_typedef_event.json")
    event["typeDefEventSection"]["typeDef"]["class"] = "StructDef"
    errors = errors_of(event)
    assert paths(errors) == ["$.typeDefEventSection.typeDef"]
    assert "StructDef" in errors[0].message


def test_wrong_class_where_the_position_fixes_the_type() -> None:
    event = load("instance_new_entity_event.json")
    event["instanceEventSection"]["entity"]["class"] = "EntitySummary"
    assert paths(errors_of(event)) == ["$.instanceEventSection.entity.class"]


def test_missing_class_where_the_position_fixes_the_type_is_written_back() -> None:
    event = load("instance_new_entity_event.json")
    del event["instanceEventSection"]["entity"]["class"]
    assert round_trip(event)["instanceEventSection"]["entity"]["class"] == "EntityDetail"


def test_error_paths_drop_union_tags_but_keep_keys() -> None:
    event = load("instance_batch_instances_event.json")
    batch = event["instanceEventSection"]["instanceBatch"]
    port = batch["entities"][1]["properties"]["instanceProperties"]
    port["formulas"]["arrayValues"]["instanceProperties"]["1"]["typeName"] = 5
    port["EnumPropertyValue"] = copy.deepcopy(port["portType"])
    port["EnumPropertyValue"]["ordinal"] = "zero"
    batch["entities"][0]["version"] = "two"
    expected = {
        "$.instanceEventSection.instanceBatch.entities[0].version",
        "$.instanceEventSection.instanceBatch.entities[1].properties.instanceProperties"
        ".formulas.arrayValues.instanceProperties['1'].typeName",
        "$.instanceEventSection.instanceBatch.entities[1].properties.instanceProperties.EnumPropertyValue.ordinal",
    }
    assert set(paths(errors_of(event))) == expected


def test_every_error_is_reported_not_only_the_first() -> None:
    event = load("instance_new_entity_event.json")
    event["instanceEventSection"]["entity"]["version"] = "one"
    event["originator"] = "me"
    event["eventCategory"] = 3
    assert paths(errors_of(event)) == [
        "$.originator",
        "$.eventCategory",
        "$.instanceEventSection.entity.version",
    ]


def test_text_input_parses_like_bytes() -> None:
    raw = (FIXTURES / "instance_new_entity_event.json").read_text()
    assert parse_omrs_event(raw) == parse_omrs_event(raw.encode())


# --- validate_omrs_event and check_event_semantics ---------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b"{", b"null", "\u2603"])
def test_validate_never_raises_on_input_that_is_not_an_event(raw: bytes | str) -> None:
    event, errors = validate_omrs_event(raw)
    assert event is None
    assert errors and all(error.path.startswith("$") for error in errors)


def test_validate_refuses_what_is_not_bytes_or_text() -> None:
    assert validate_omrs_event(42) == (None, [FieldError("$", "expected JSON bytes or text, got int")])


def test_validate_returns_the_event_with_its_semantic_errors() -> None:
    event = load("instance_new_entity_event.json")
    del event["instanceEventSection"]["entity"]
    parsed, errors = validate_omrs_event(orjson.dumps(event))
    assert parsed is not None and sender_collection_id(parsed) == event["originator"]["metadataCollectionId"]
    assert errors == [FieldError("$.instanceEventSection.entity", "NEW_ENTITY_EVENT needs entity")]


def test_validate_accepts_a_valid_event() -> None:
    event, errors = validate_omrs_event((FIXTURES / "instance_classified_entity_event.json").read_bytes())
    assert event is not None and errors == []


def test_category_needs_its_own_section_and_no_other() -> None:
    event = load("registry_registration_event.json")
    event["instanceEventSection"] = {"eventType": "UNKNOWN_INSTANCE_EVENT"}
    del event["registryEventSection"]
    parsed, errors = validate_omrs_event(orjson.dumps(event))
    assert parsed is not None
    assert paths(errors) == ["$.instanceEventSection", "$.registryEventSection"]


def test_generic_events_carry_no_category_section() -> None:
    event = load("instance_error_event.json")
    event["eventCategory"] = "GENERIC"
    assert paths(validate_omrs_event(orjson.dumps(event))[1]) == ["$.instanceEventSection"]


@pytest.mark.parametrize("fixture", ["registry_registration_error_event.json", "instance_error_event.json"])
def test_error_event_types_need_an_error_section(fixture: str) -> None:
    event = load(fixture)
    if "instanceEventSection" in event:  # the fixture says UNKNOWN_INSTANCE_EVENT, as Egeria writes it
        event["instanceEventSection"]["eventType"] = "INSTANCE_ERROR_EVENT"
    del event["errorSection"]
    errors = validate_omrs_event(orjson.dumps(event))[1]
    assert paths(errors) == ["$.errorSection"]
    assert "ERROR_EVENT needs errorSection" in errors[0].message


def test_refresh_request_needs_the_instance_identity_and_home() -> None:
    event = instance_event(ME, OMRSInstanceEventType.REFRESH_ENTITY_REQUEST, type_def_name="X", timestamp=TS)
    assert paths(check_event_semantics(event)) == [
        "$.instanceEventSection.typeDefGUID",
        "$.instanceEventSection.instanceGUID",
        "$.instanceEventSection.homeMetadataCollectionId",
    ]


def test_any_alternative_satisfies_a_need() -> None:
    by_original = instance_event(
        ME,
        OMRSInstanceEventType.RE_IDENTIFIED_ENTITY_EVENT,
        entity(),
        original_entity=entity("old"),
        timestamp=TS,
    )
    by_proxy = instance_event(
        ME,
        OMRSInstanceEventType.CLASSIFIED_ENTITY_EVENT,
        classification=ownership(),
        entity_proxy=proxy("p"),
        timestamp=TS,
    )
    purged = instance_event(ME, OMRSInstanceEventType.PURGED_ENTITY_EVENT, instance_guid="g", timestamp=TS)
    assert check_event_semantics(by_original) == check_event_semantics(by_proxy) == []
    assert check_event_semantics(purged) == []


def test_classified_event_needs_the_classification() -> None:
    event = instance_event(ME, OMRSInstanceEventType.CLASSIFIED_ENTITY_EVENT, entity(), timestamp=TS)
    assert check_event_semantics(event) == [
        FieldError("$.instanceEventSection.classification", "CLASSIFIED_ENTITY_EVENT needs classification")
    ]


def test_membership_events_need_the_members_collection_id() -> None:
    event = registration_event(Originator(server_name="anonymous"), TS, CONNECTION, timestamp=TS)
    assert paths(check_event_semantics(event)) == ["$.originator.metadataCollectionId"]


# --- builders and accessors --------------------------------------------------------------------


def test_builders_set_the_envelope() -> None:
    before = int(datetime.now(UTC).timestamp() * 1000)
    event = json.loads(dump_omrs_event(registration_event(ME, 1700000000000, CONNECTION, "li")))
    after = int(datetime.now(UTC).timestamp() * 1000)
    assert event["class"] == "OMRSEventV1"
    assert event["protocolVersionId"] == "OMRS V1.0"
    assert isinstance(event["timestamp"], int) and before - 1 <= event["timestamp"] <= after + 1
    assert event["originator"] == ME.model_dump(by_alias=True, exclude_none=True)
    assert event["eventCategory"] == "REGISTRY"
    assert event["registryEventSection"] == {
        "registryEventType": "REGISTRATION_EVENT",
        "registrationTimestamp": 1700000000000,
        "metadataCollectionName": "li",
        "remoteConnection": CONNECTION,
    }


def test_builders_take_the_timestamp_and_version_given() -> None:
    event = un_registration_event(ME, timestamp=42, protocol_version_id=OMRSEventProtocolVersion.V2)
    assert json.loads(dump_omrs_event(event))["timestamp"] == 42
    assert event.protocol_version_id is OMRSEventProtocolVersion.V2


def test_instance_event_takes_the_identity_from_the_instance() -> None:
    section = instance_event(ME, OMRSInstanceEventType.NEW_ENTITY_EVENT, entity(), timestamp=TS)
    dumped = json.loads(dump_omrs_event(section))["instanceEventSection"]
    assert (dumped["typeDefGUID"], dumped["typeDefName"], dumped["instanceGUID"]) == (
        DSC[0],
        DSC[1],
        "8f2c7a1e-3b4d-4e5f-9a6b-7c8d9e0f1a2b",
    )
    assert dumped["entity"]["class"] == "EntityDetail"
    assert dumped["entity"]["type"]["class"] == "InstanceType"
    assert dumped["entity"]["properties"]["instanceProperties"]["qualifiedName"]["class"] == (
        "PrimitivePropertyValue"
    )
    given = instance_event(ME, OMRSInstanceEventType.NEW_ENTITY_EVENT, entity(), instance_guid="mine")
    assert instance_guid(given) == "mine"


def test_refreshed_events() -> None:
    refreshed = refreshed_entity_event(ME, entity(), timestamp=TS)
    assert event_type_of(refreshed) is OMRSInstanceEventType.REFRESHED_ENTITY_EVENT
    assert instance_guid(refreshed) == "8f2c7a1e-3b4d-4e5f-9a6b-7c8d9e0f1a2b"
    related = refreshed_relationship_event(ME, relationship(), timestamp=TS)
    assert event_type_of(related) is OMRSInstanceEventType.REFRESHED_RELATIONSHIP_EVENT
    dumped = json.loads(dump_omrs_event(related))["instanceEventSection"]
    assert dumped["typeDefName"] == "P" and dumped["instanceGUID"] == "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
    assert check_event_semantics(refreshed) == check_event_semantics(related) == []


def test_accessors() -> None:
    registration = parse_omrs_event((FIXTURES / "registry_registration_event.json").read_bytes())
    assert instance_guid(registration) is None
    assert sender_collection_id(registration) == "a0f3c6b4-2f53-4a5e-9d1b-7c3f0e6a9b21"
    assert event_type_of(registration) is OMRSRegistryEventType.REGISTRATION_EVENT
    event = load("instance_new_entity_event.json")
    del event["instanceEventSection"]["instanceGUID"]
    assert instance_guid(parse_omrs_event(orjson.dumps(event))) == "8f2c7a1e-3b4d-4e5f-9a6b-7c8d9e0f1a2b"
    event["eventCategory"] = "TYPEDEF"
    assert event_type_of(parse_omrs_event(orjson.dumps(event))) is None


def test_dump_matches_model_dump_and_writes_big_integers() -> None:
    event = load("instance_new_entity_event.json")
    values = event["instanceEventSection"]["entity"]["properties"]["instanceProperties"]
    values["name"]["primitiveValue"] = 2**80
    parsed = parse_omrs_event(json.dumps(event))
    dumped = dump_omrs_event(parsed)
    assert json.loads(dumped) == event
    values["name"]["primitiveValue"] = "small again"
    parsed = parse_omrs_event(json.dumps(event))
    model_dump = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert orjson.loads(dump_omrs_event(parsed)) == model_dump


def test_read_only_counts_are_kept_as_given() -> None:
    event = load("instance_new_entity_event.json")
    properties = event["instanceEventSection"]["entity"]["properties"]
    properties["propertyCount"] = 99
    properties["propertyNames"] = ["stale"]
    properties["instanceProperties"]["additionalProperties"]["mapElementCount"] = 7
    assert round_trip(event) == event


def test_absent_numbers_are_not_invented() -> None:
    event = load("instance_new_entity_event.json")
    entity_json = event["instanceEventSection"]["entity"]
    for key in ("headerVersion", "version"):
        del entity_json[key]
    del entity_json["type"]["typeDefVersion"]
    del entity_json["properties"]["propertyCount"]
    dumped = round_trip(event)
    assert dumped == event
    assert "version" not in dumped["instanceEventSection"]["entity"]
