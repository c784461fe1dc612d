"""Property tests of the OMRS models.

Generated events, shaped as Egeria writes them (every bean kind, every property-value kind,
registry/TypeDef/instance/error sections, unknown fields, unknown descriptive enum values),
round-trip exactly; mutated events and random bytes give an event or FieldErrors, never an
unhandled exception.
"""

from __future__ import annotations

import json
import string
from enum import StrEnum
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.omrs import (
    AttributeCardinality,
    AttributeTypeDefCategory,
    ClassificationOrigin,
    ClassificationPropagationRule,
    CollectionDefCategory,
    InstancePropertyCategory,
    InstanceProvenanceType,
    InstanceStatus,
    OMRSEventCategory,
    OMRSEventErrorCode,
    OMRSEventProtocolVersion,
    OMRSInstanceEventType,
    OMRSRegistryEventType,
    OMRSTypeDefEventType,
    PrimitiveDefCategory,
    RelationshipEndCardinality,
    TypeDefAttributeStatus,
    TypeDefCategory,
    TypeDefStatus,
    dump_omrs_event,
    parse_omrs_event,
    validate_omrs_event,
)

Json = Any
Strategy = st.SearchStrategy[Any]

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- leaves ------------------------------------------------------------------------------------

guids = st.uuids().map(str)
names = st.text(string.ascii_letters + "_", min_size=1, max_size=12)
texts = st.text(max_size=16)
counts = st.integers(min_value=0, max_value=2**31 - 1)
longs = st.integers(min_value=-(2**63), max_value=2**63 - 1)
millis = st.integers(min_value=-(2**53), max_value=2**53)
scalars = st.one_of(
    st.booleans(), longs, st.floats(allow_nan=False, allow_infinity=False), texts
)  # no null: Egeria never writes one (NON_NULL), and a dump leaves absent fields out
json_values = st.recursive(
    st.none() | scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
json_objects = st.dictionaries(texts, json_values, max_size=4)


def dispatch(enum: type[StrEnum]) -> Strategy:
    return st.sampled_from([member.value for member in enum])


def descriptive(enum: type[StrEnum]) -> Strategy:
    """Known values mostly, sometimes a value this code has never heard of."""
    return dispatch(enum) | names.map(lambda n: f"NEWER_{n}")


future_fields = st.dictionaries(
    st.text(string.ascii_letters, min_size=1, max_size=8).map(lambda n: f"egeriaNext{n}"),
    scalars | json_objects,
    max_size=2,
)


def bean(required: dict[str, Strategy], optional: dict[str, Strategy]) -> Strategy:
    """A JSON object with the required keys, any subset of the optional ones, and maybe a
    field from a newer Egeria."""
    return st.tuples(st.fixed_dictionaries(required, optional=optional), future_fields).map(
        lambda pair: {**pair[1], **pair[0]}
    )


def klass(name: str) -> dict[str, Strategy]:
    return {"class": st.just(name)}


def lists_of(strategy: Strategy) -> Strategy:
    return st.lists(strategy, min_size=1, max_size=3)


HEADER = {"headerVersion": st.integers(0, 3)}

# --- TypeDefs ----------------------------------------------------------------------------------

type_def_link_fields = {
    **HEADER,
    "guid": guids,
    "name": names,
    "status": descriptive(TypeDefStatus),
    "replacedByTypeGUID": guids,
    "replacedByTypeName": names,
}
type_def_links = bean({}, type_def_link_fields)
summary_fields = {
    **type_def_link_fields,
    "version": counts,
    "versionName": texts,
    "category": descriptive(TypeDefCategory),
}
type_def_summaries = bean({}, summary_fields)
standard_mappings = bean(
    {}, {**HEADER, "standardName": texts, "standardOrganization": texts, "standardTypeName": texts}
)
enum_elements = bean(
    {}, {**HEADER, "ordinal": counts, "value": names, "description": texts, "descriptionGUID": guids}
)
attribute_type_fields = {
    **HEADER,
    "version": counts,
    "versionName": texts,
    "category": descriptive(AttributeTypeDefCategory),
    "guid": guids,
    "name": names,
    "description": texts,
    "descriptionGUID": guids,
}
attribute_type_defs = st.one_of(
    bean(
        klass("PrimitiveDef"),
        {**attribute_type_fields, "primitiveDefCategory": descriptive(PrimitiveDefCategory)},
    ),
    bean(
        klass("CollectionDef"),
        {
            **attribute_type_fields,
            "collectionDefCategory": descriptive(CollectionDefCategory),
            "argumentCount": counts,
            "argumentTypes": lists_of(descriptive(PrimitiveDefCategory)),
        },
    ),
    bean(
        klass("EnumDef"),
        {**attribute_type_fields, "elementDefs": lists_of(enum_elements), "defaultValue": enum_elements},
    ),
)
type_def_attributes = bean(
    {},
    {
        **HEADER,
        "attributeName": names,
        "attributeType": attribute_type_defs,
        "attributeStatus": descriptive(TypeDefAttributeStatus),
        "replacedByAttribute": names,
        "attributeDescription": texts,
        "attributeDescriptionGUID": guids,
        "attributeCardinality": descriptive(AttributeCardinality),
        "valuesMinCount": counts,
        "valuesMaxCount": counts,
        "unique": st.booleans(),
        "indexable": st.booleans(),
        "defaultValue": texts,
        "externalStandardMappings": lists_of(standard_mappings),
    },
)
relationship_ends = bean(
    {},
    {
        **HEADER,
        "entityType": type_def_links,
        "attributeName": names,
        "attributeDescription": texts,
        "attributeDescriptionGUID": guids,
        "attributeCardinality": descriptive(RelationshipEndCardinality),
    },
)
statuses = descriptive(InstanceStatus)
type_def_fields = {
    **summary_fields,
    "superType": type_def_links,
    "description": texts,
    "descriptionGUID": guids,
    "origin": guids,
    "createdBy": names,
    "updatedBy": names,
    "createTime": millis,
    "updateTime": millis,
    "options": st.dictionaries(names, texts, max_size=2),
    "externalStandardMappings": lists_of(standard_mappings),
    "validInstanceStatusList": lists_of(statuses),
    "initialStatus": statuses,
    "propertiesDefinition": lists_of(type_def_attributes),
}
type_defs = st.one_of(
    bean(klass("EntityDef"), type_def_fields),
    bean(
        klass("RelationshipDef"),
        {
            **type_def_fields,
            "propagationRule": descriptive(ClassificationPropagationRule),
            "endDef1": relationship_ends,
            "endDef2": relationship_ends,
            "multiLink": st.booleans(),
        },
    ),
    bean(
        klass("ClassificationDef"),
        {**type_def_fields, "validEntityDefs": lists_of(type_def_links), "propagatable": st.booleans()},
    ),
)
type_def_patches = bean(
    {},
    {
        **HEADER,
        "typeDefGUID": guids,
        "typeDefName": names,
        "typeDefStatus": descriptive(TypeDefStatus),
        "applyToVersion": counts,
        "updateToVersion": counts,
        "newVersionName": texts,
        "updatedBy": names,
        "updateTime": millis,
        "description": texts,
        "descriptionGUID": guids,
        "superType": type_def_links,
        "propertyDefinitions": lists_of(type_def_attributes),
        "typeDefOptions": st.dictionaries(names, texts, max_size=2),
        "externalStandardMappings": lists_of(standard_mappings),
        "validInstanceStatusList": lists_of(statuses),
        "initialStatus": statuses,
        "validEntityDefs": lists_of(type_def_links),
        "endDef1": relationship_ends,
        "endDef2": relationship_ends,
    },
)

# --- instances ---------------------------------------------------------------------------------

instance_types = bean(
    klass("InstanceType"),
    {
        **HEADER,
        "typeDefCategory": descriptive(TypeDefCategory),
        "typeDefGUID": guids,
        "typeDefName": names,
        "typeDefVersion": counts,
        "typeDefDescription": texts,
        "typeDefDescriptionGUID": guids,
        "typeDefSuperTypes": lists_of(type_def_links),
        "validStatusList": lists_of(statuses),
        "validInstanceProperties": lists_of(names),
    },
)
value_fields = {
    **HEADER,
    "instancePropertyCategory": descriptive(InstancePropertyCategory),
    "typeGUID": guids,
    "typeName": names,
}


def instance_properties(values: Strategy) -> Strategy:
    return bean(
        klass("InstanceProperties"),
        {
            **HEADER,
            "effectiveFromTime": millis,
            "effectiveToTime": millis,
            "instanceProperties": st.dictionaries(names | texts, values, max_size=3),
            "propertyNames": lists_of(names),
            "propertyCount": counts,
        },
    )


primitive_values = bean(
    klass("PrimitivePropertyValue"),
    {**value_fields, "primitiveDefCategory": descriptive(PrimitiveDefCategory), "primitiveValue": scalars},
)
enum_values = bean(
    klass("EnumPropertyValue"),
    {**value_fields, "ordinal": counts, "symbolicName": names, "description": texts},
)


def containers(values: Strategy) -> Strategy:
    nested = instance_properties(values)
    return st.one_of(
        bean(klass("ArrayPropertyValue"), {**value_fields, "arrayCount": counts, "arrayValues": nested}),
        bean(klass("MapPropertyValue"), {**value_fields, "mapElementCount": counts, "mapValues": nested}),
        bean(klass("StructPropertyValue"), {**value_fields, "attributes": nested}),
    )


property_values = st.recursive(primitive_values | enum_values, containers, max_leaves=6)
properties = instance_properties(property_values)
audit_fields = {
    **HEADER,
    "type": instance_types,
    "instanceProvenanceType": descriptive(InstanceProvenanceType),
    "metadataCollectionId": guids,
    "metadataCollectionName": names,
    "replicatedBy": guids,
    "instanceLicense": texts,
    "createdBy": names,
    "updatedBy": names,
    "maintainedBy": lists_of(names),
    "createTime": millis,
    "updateTime": millis,
    "version": longs,
    "status": statuses,
    "statusOnDelete": statuses,
    "mappingProperties": json_objects,
}
instance_fields = {**audit_fields, "guid": guids, "instanceURL": texts, "reIdentifiedFromGUID": guids}
classifications = bean(
    klass("Classification"),
    {
        **audit_fields,
        "name": names,
        "properties": properties,
        "classificationOrigin": descriptive(ClassificationOrigin),
        "classificationOriginGUID": guids,
    },
)
entity_fields = {**instance_fields, "classifications": lists_of(classifications)}
entities = bean(klass("EntityDetail"), {**entity_fields, "properties": properties})
proxies = bean(klass("EntityProxy"), {**entity_fields, "uniqueProperties": properties})
relationships = bean(
    klass("Relationship"),
    {**instance_fields, "properties": properties, "entityOneProxy": proxies, "entityTwoProxy": proxies},
)
graphs = bean(
    klass("InstanceGraph"),
    {**HEADER, "entities": lists_of(entities), "relationships": lists_of(relationships)},
)

# --- sections and events -----------------------------------------------------------------------

connections = bean(klass("Connection"), {"qualifiedName": texts, "endpoint": json_objects})
registry_sections = bean(
    {"registryEventType": dispatch(OMRSRegistryEventType)},
    {"registrationTimestamp": millis, "metadataCollectionName": names, "remoteConnection": connections},
)
typedef_sections = bean(
    {"typeDefEventType": dispatch(OMRSTypeDefEventType)},
    {
        "typeDefGUID": guids,
        "typeDefName": names,
        "attributeTypeDef": attribute_type_defs,
        "originalAttributeTypeDef": attribute_type_defs,
        "typeDef": type_defs,
        "typeDefPatch": type_def_patches,
        "originalTypeDefSummary": type_def_summaries,
    },
)
instance_sections = bean(
    {"eventType": dispatch(OMRSInstanceEventType)},
    {
        "typeDefGUID": guids,
        "typeDefName": names,
        "instanceGUID": guids,
        "originalEntity": entities,
        "entity": entities,
        "entityProxy": proxies,
        "originalRelationship": relationships,
        "relationship": relationships,
        "originalClassification": classifications,
        "classification": classifications,
        "instanceBatch": graphs,
        "homeMetadataCollectionId": guids,
        "originalHomeMetadataCollectionId": guids,
        "originalTypeDefSummary": type_def_summaries,
        "originalInstanceGUID": guids,
    },
)
error_sections = bean(
    {"errorCode": dispatch(OMRSEventErrorCode)},
    {
        "errorMessage": texts,
        "targetMetadataCollectionId": guids,
        "targetRemoteConnection": connections,
        "targetTypeDefSummary": type_def_summaries,
        "targetAttributeTypeDef": attribute_type_defs,
        "targetInstanceGUID": guids,
        "otherMetadataCollectionId": guids,
        "otherOrigin": descriptive(InstanceProvenanceType),
        "otherTypeDefSummary": type_def_summaries,
        "otherTypeDef": type_defs,
        "otherAttributeTypeDef": attribute_type_defs,
        "otherInstanceGUID": guids,
    },
)
originators = bean(
    {}, {"metadataCollectionId": guids, "serverName": names, "serverType": texts, "organizationName": texts}
)
events = bean(
    {
        "class": st.just("OMRSEventV1"),
        "protocolVersionId": dispatch(OMRSEventProtocolVersion),
        "originator": originators,
        "eventCategory": dispatch(OMRSEventCategory),
    },
    {
        "timestamp": millis,
        "registryEventSection": registry_sections,
        "typeDefEventSection": typedef_sections,
        "instanceEventSection": instance_sections,
        "errorSection": error_sections,
    },
)

# --- mutations ---------------------------------------------------------------------------------

Location = tuple[str | int, ...]


def locations(value: Json, where: Location = ()) -> list[Location]:
    """Every place in a JSON document, the root included."""
    found = [where]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += locations(inner, (*where, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += locations(inner, (*where, index))
    return found


def changed_type(value: Json) -> Json:
    """The same content under another JSON type."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool | int | float):
        return str(value)
    return {}


@st.composite
def mutated_events(draw: st.DrawFn) -> Json:
    """A generated event with one value replaced, deleted or given another type."""
    document = {"root": draw(events)}
    where = draw(st.sampled_from(locations(document["root"], ("root",))))
    parent: Any = document
    for key in where[:-1]:
        parent = parent[key]
    key = where[-1]
    action = draw(st.sampled_from(["replace", "delete", "retype"]))
    if action == "delete" and where != ("root",):
        del parent[key]
    elif action == "retype":
        parent[key] = changed_type(parent[key])
    else:
        parent[key] = draw(json_values)
    return document.get("root")


# --- properties --------------------------------------------------------------------------------


@SETTINGS
@given(events)
def test_generated_events_round_trip_exactly(event: Json) -> None:
    raw = orjson.dumps(event)
    dumped = dump_omrs_event(parse_omrs_event(raw))
    assert json.loads(dumped) == event
    assert dump_omrs_event(parse_omrs_event(dumped)) == dumped


def assert_handled(raw: bytes) -> None:
    """An event or FieldErrors rooted at `$`; a valid event dumps to something that reparses."""
    event, errors = validate_omrs_event(raw)
    assert all(error.path.startswith("$") and error.message for error in errors)
    if event is None:
        assert errors
    else:
        dumped = dump_omrs_event(event)
        assert dump_omrs_event(parse_omrs_event(dumped)) == dumped


@SETTINGS
@given(mutated_events())
def test_mutated_events_give_an_event_or_field_errors(event: Json) -> None:
    assert_handled(orjson.dumps(event))


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_give_field_errors(raw: bytes) -> None:
    assert_handled(raw)


@SETTINGS
@given(events, st.data())
def test_truncated_events_give_field_errors(event: Json, data: st.DataObject) -> None:
    raw = orjson.dumps(event)
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    event_or_none, errors = validate_omrs_event(raw[:cut])
    assert event_or_none is None and errors
    assert all(error.path.startswith("$") for error in errors)
