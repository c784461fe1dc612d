"""TypeDef beans: links, summaries, the three TypeDefs, attribute types, patches.

`TypeDef` and `AttributeTypeDef` are polymorphic in Egeria and carry `"class"`; the unions
below dispatch on it. `TypeDefLink`, `TypeDefSummary`, `TypeDefAttribute`, `TypeDefPatch`,
`RelationshipEndDef`, `EnumElementDef` and `ExternalStandardMapping` carry no `class`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from schemas.omrs_base import EpochMillis, OMRSElement, OpenEnum
from schemas.omrs_enums import (
    AttributeCardinality,
    AttributeTypeDefCategory,
    ClassificationPropagationRule,
    CollectionDefCategory,
    InstanceStatus,
    PrimitiveDefCategory,
    RelationshipEndCardinality,
    TypeDefAttributeStatus,
    TypeDefCategory,
    TypeDefStatus,
)


class TypeDefLink(OMRSElement):
    """Names a TypeDef by guid and name (super types, relationship ends, valid entity defs)."""

    guid: str | None = None
    name: str | None = None
    status: OpenEnum[TypeDefStatus] | None = None
    replaced_by_type_guid: str | None = Field(None, alias="replacedByTypeGUID")
    replaced_by_type_name: str | None = None


class TypeDefSummary(TypeDefLink):
    """A TypeDefLink plus version and category: what members compare to spot conflicts.

    When Egeria puts a full TypeDef where a summary is declared, the TypeDef's other fields
    come along without a `class`; they are kept as extra fields.
    """

    version: int | None = None
    version_name: str | None = None
    category: OpenEnum[TypeDefCategory] | None = None


class ExternalStandardMapping(OMRSElement):
    """Maps a type or attribute to the equivalent in an external standard."""

    standard_name: str | None = None
    standard_organization: str | None = None
    standard_type_name: str | None = None


class EnumElementDef(OMRSElement):
    """One valid value of an EnumDef."""

    ordinal: int | None = None
    value: str | None = None
    description: str | None = None
    description_guid: str | None = Field(None, alias="descriptionGUID")


class _AttributeTypeDefBase(OMRSElement):
    """Fields common to the three attribute types."""

    version: int | None = None
    version_name: str | None = None
    category: OpenEnum[AttributeTypeDefCategory] | None = None
    guid: str | None = None
    name: str | None = None
    description: str | None = None
    description_guid: str | None = Field(None, alias="descriptionGUID")
    description_wiki: str | None = None


class PrimitiveDef(_AttributeTypeDefBase):
    """A primitive attribute type such as `string` or `date`."""

    class_: Literal["PrimitiveDef"] = Field("PrimitiveDef", alias="class")
    primitive_def_category: OpenEnum[PrimitiveDefCategory] | None = None


class CollectionDef(_AttributeTypeDefBase):
    """A map, array or struct attribute type configured with primitive argument types."""

    class_: Literal["CollectionDef"] = Field("CollectionDef", alias="class")
    collection_def_category: OpenEnum[CollectionDefCategory] | None = None
    argument_count: int | None = None
    argument_types: list[OpenEnum[PrimitiveDefCategory]] | None = None


class EnumDef(_AttributeTypeDefBase):
    """An enumeration attribute type: its valid values and default."""

    class_: Literal["EnumDef"] = Field("EnumDef", alias="class")
    element_defs: list[EnumElementDef] | None = None
    default_value: EnumElementDef | None = None


AttributeTypeDef = Annotated[PrimitiveDef | CollectionDef | EnumDef, Field(discriminator="class_")]
"""Any attribute type, chosen by its `class`."""


class TypeDefAttribute(OMRSElement):
    """One property a TypeDef defines; JSON names follow Egeria's getters."""

    attribute_name: str | None = None
    attribute_type: AttributeTypeDef | None = None
    attribute_status: OpenEnum[TypeDefAttributeStatus] | None = None
    replaced_by_attribute: str | None = None
    attribute_description: str | None = None
    attribute_description_guid: str | None = Field(None, alias="attributeDescriptionGUID")
    attribute_cardinality: OpenEnum[AttributeCardinality] | None = None
    values_min_count: int | None = None
    values_max_count: int | None = None
    unique: bool | None = None
    indexable: bool | None = None
    default_value: str | None = None
    external_standard_mappings: list[ExternalStandardMapping] | None = None


class RelationshipEndDef(OMRSElement):
    """One end (endDef1 / endDef2) of a RelationshipDef."""

    entity_type: TypeDefLink | None = None
    attribute_name: str | None = None
    attribute_description: str | None = None
    attribute_description_guid: str | None = Field(None, alias="attributeDescriptionGUID")
    attribute_cardinality: OpenEnum[RelationshipEndCardinality] | None = None


class _TypeDefBase(TypeDefSummary):
    """Fields common to EntityDef, RelationshipDef and ClassificationDef."""

    super_type: TypeDefLink | None = None
    description: str | None = None
    description_guid: str | None = Field(None, alias="descriptionGUID")
    description_wiki: str | None = None
    origin: str | None = None
    created_by: str | None = None
    updated_by: str | None = None
    create_time: EpochMillis | None = None
    update_time: EpochMillis | None = None
    options: dict[str, str] | None = None
    external_standard_mappings: list[ExternalStandardMapping] | None = None
    valid_instance_status_list: list[OpenEnum[InstanceStatus]] | None = None
    initial_status: OpenEnum[InstanceStatus] | None = None
    properties_definition: list[TypeDefAttribute] | None = None


class EntityDef(_TypeDefBase):
    """The type of an entity."""

    class_: Literal["EntityDef"] = Field("EntityDef", alias="class")


class RelationshipDef(_TypeDefBase):
    """The type of a relationship: its two ends and how classifications propagate."""

    class_: Literal["RelationshipDef"] = Field("RelationshipDef", alias="class")
    propagation_rule: OpenEnum[ClassificationPropagationRule] | None = None
    end_def1: RelationshipEndDef | None = None
    end_def2: RelationshipEndDef | None = None
    multi_link: bool | None = None


class ClassificationDef(_TypeDefBase):
    """The type of a classification: the entity types it fits and whether it propagates."""

    class_: Literal["ClassificationDef"] = Field("ClassificationDef", alias="class")
    valid_entity_defs: list[TypeDefLink] | None = None
    propagatable: bool | None = None


TypeDef = Annotated[EntityDef | RelationshipDef | ClassificationDef, Field(discriminator="class_")]
"""Any TypeDef, chosen by its `class`."""


class TypeDefPatch(OMRSElement):
    """A change to a TypeDef (UPDATED_TYPEDEF_EVENT): new or changed attributes, options, ...

    `applyToVersion`, `updateToVersion`, `updateMultiLink` and `multiLink` are Java primitives
    in Egeria, so Egeria always writes them; `multiLink` counts only when `updateMultiLink`.
    """

    type_def_guid: str | None = Field(None, alias="typeDefGUID")
    type_def_name: str | None = None
    type_def_status: OpenEnum[TypeDefStatus] | None = None
    apply_to_version: int | None = None
    update_to_version: int | None = None
    new_version_name: str | None = None
    updated_by: str | None = None
    update_time: EpochMillis | None = None
    description: str | None = None
    description_guid: str | None = Field(None, alias="descriptionGUID")
    super_type: TypeDefLink | None = None
    property_definitions: list[TypeDefAttribute] | None = None
    type_def_options: dict[str, str] | None = None
    external_standard_mappings: list[ExternalStandardMapping] | None = None
    valid_instance_status_list: list[OpenEnum[InstanceStatus]] | None = None
    initial_status: OpenEnum[InstanceStatus] | None = None
    valid_entity_defs: list[TypeDefLink] | None = None
    end_def1: RelationshipEndDef | None = None
    end_def2: RelationshipEndDef | None = None
    update_multi_link: bool | None = None
    multi_link: bool | None = None
