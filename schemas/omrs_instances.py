"""Instance beans: entities, relationships, classifications, their types and properties.

Every bean here is polymorphic in Egeria and carries `"class"`. Property values sit in a
union that dispatches on it; the other beans stand where the position fixes the type, so
their `class` defaults to their own name (a model built in Python always writes it).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from schemas.omrs_base import EpochMillis, OMRSElement, OpenEnum
from schemas.omrs_enums import (
    ClassificationOrigin,
    InstancePropertyCategory,
    InstanceProvenanceType,
    InstanceStatus,
    PrimitiveDefCategory,
    TypeDefCategory,
)
from schemas.omrs_typedefs import TypeDefLink


class InstanceType(OMRSElement):
    """The type of an instance: category, guid, name and version. Servers before Egeria 4.0
    also wrote the description, super types, valid statuses and property names."""

    class_: Literal["InstanceType"] = Field("InstanceType", alias="class")
    type_def_category: OpenEnum[TypeDefCategory] | None = None
    type_def_guid: str | None = Field(None, alias="typeDefGUID")
    type_def_name: str | None = None
    type_def_version: int | None = None
    type_def_description: str | None = None
    type_def_description_guid: str | None = Field(None, alias="typeDefDescriptionGUID")
    type_def_super_types: list[TypeDefLink] | None = None
    valid_status_list: list[OpenEnum[InstanceStatus]] | None = None
    valid_instance_properties: list[str] | None = None


class _PropertyValueBase(OMRSElement):
    """Fields common to every property value."""

    instance_property_category: OpenEnum[InstancePropertyCategory] | None = None
    type_guid: str | None = Field(None, alias="typeGUID")
    type_name: str | None = None


class PrimitivePropertyValue(_PropertyValueBase):
    """A single primitive; `primitiveValue` is any JSON scalar (a DATE is epoch ms)."""

    class_: Literal["PrimitivePropertyValue"] = Field("PrimitivePropertyValue", alias="class")
    primitive_def_category: OpenEnum[PrimitiveDefCategory] | None = None
    primitive_value: Any = None


class EnumPropertyValue(_PropertyValueBase):
    """One value of an enumeration."""

    class_: Literal["EnumPropertyValue"] = Field("EnumPropertyValue", alias="class")
    ordinal: int | None = None
    symbolic_name: str | None = None
    description: str | None = None


class ArrayPropertyValue(_PropertyValueBase):
    """An array, held as InstanceProperties keyed "0", "1", ..."""

    class_: Literal["ArrayPropertyValue"] = Field("ArrayPropertyValue", alias="class")
    array_count: int | None = None
    array_values: InstanceProperties | None = None


class MapPropertyValue(_PropertyValueBase):
    """A map; `mapElementCount` is read-only in Egeria and kept as given."""

    class_: Literal["MapPropertyValue"] = Field("MapPropertyValue", alias="class")
    map_element_count: int | None = None
    map_values: InstanceProperties | None = None


class StructPropertyValue(_PropertyValueBase):
    """A struct: named attributes."""

    class_: Literal["StructPropertyValue"] = Field("StructPropertyValue", alias="class")
    attributes: InstanceProperties | None = None


InstancePropertyValue = Annotated[
    PrimitivePropertyValue | EnumPropertyValue | ArrayPropertyValue | MapPropertyValue | StructPropertyValue,
    Field(discriminator="class_"),
]
"""Any property value, chosen by its `class`."""


class InstanceProperties(OMRSElement):
    """Named property values plus effectivity dates.

    `propertyNames` and `propertyCount` are derived from the map; servers before Egeria 4.0
    wrote them (4.0 marked them @JsonIgnore). They are kept exactly as given, never
    recomputed, so the event round-trips.
    """

    class_: Literal["InstanceProperties"] = Field("InstanceProperties", alias="class")
    effective_from_time: EpochMillis | None = None
    effective_to_time: EpochMillis | None = None
    instance_properties: dict[str, InstancePropertyValue] | None = None
    property_names: list[str] | None = None
    property_count: int | None = None


class _AuditHeader(OMRSElement):
    """Fields common to entities, relationships and classifications.

    `version` counts changes; Egeria always writes it, but it is not invented when absent.
    """

    type: InstanceType | None = None
    instance_provenance_type: OpenEnum[InstanceProvenanceType] | None = None
    metadata_collection_id: str | None = None
    metadata_collection_name: str | None = None
    replicated_by: str | None = None
    instance_license: str | None = None
    created_by: str | None = None
    updated_by: str | None = None
    maintained_by: list[str] | None = None
    create_time: EpochMillis | None = None
    update_time: EpochMillis | None = None
    version: int | None = None
    status: OpenEnum[InstanceStatus] | None = None
    last_request_id: str | None = None
    status_on_delete: OpenEnum[InstanceStatus] | None = None
    mapping_properties: dict[str, Any] | None = None


class Classification(_AuditHeader):
    """A classification on an entity; it has a `name` but no guid of its own."""

    class_: Literal["Classification"] = Field("Classification", alias="class")
    name: str | None = None
    properties: InstanceProperties | None = None
    classification_origin: OpenEnum[ClassificationOrigin] | None = None
    classification_origin_guid: str | None = Field(None, alias="classificationOriginGUID")


class _InstanceHeader(_AuditHeader):
    """Adds what entities and relationships have and classifications do not."""

    guid: str | None = None
    instance_url: str | None = Field(None, alias="instanceURL")  # Egeria 5 and before
    re_identified_from_guid: str | None = Field(None, alias="reIdentifiedFromGUID")


class _EntityBase(_InstanceHeader):
    """Adds the classifications every form of entity carries."""

    classifications: list[Classification] | None = None


class EntitySummary(_EntityBase):
    """An entity without its properties."""

    class_: Literal["EntitySummary"] = Field("EntitySummary", alias="class")


class EntityDetail(_EntityBase):
    """An entity with its properties: what NEW_ENTITY_EVENT and friends carry."""

    class_: Literal["EntityDetail"] = Field("EntityDetail", alias="class")
    properties: InstanceProperties | None = None


class EntityProxy(_EntityBase):
    """An entity at the end of a relationship: its identity and unique properties only."""

    class_: Literal["EntityProxy"] = Field("EntityProxy", alias="class")
    unique_properties: InstanceProperties | None = None


class Relationship(_InstanceHeader):
    """A relationship between two entities, each given as a proxy."""

    class_: Literal["Relationship"] = Field("Relationship", alias="class")
    properties: InstanceProperties | None = None
    entity_one_proxy: EntityProxy | None = None
    entity_two_proxy: EntityProxy | None = None


class InstanceGraph(OMRSElement):
    """A batch of entities and relationships (BATCH_INSTANCES_EVENT)."""

    class_: Literal["InstanceGraph"] = Field("InstanceGraph", alias="class")
    entities: list[EntityDetail] | None = None
    relationships: list[Relationship] | None = None


ArrayPropertyValue.model_rebuild()
MapPropertyValue.model_rebuild()
StructPropertyValue.model_rebuild()
