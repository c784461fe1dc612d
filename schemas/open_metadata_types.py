"""The open metadata types this service uses, as Egeria's types archive defines them.

Pure (no I/O beyond reading the package's own data once). The facts live in
`schemas/egeria_types/egeria-<release>.json`, one file per Egeria release, each read from
Egeria's `content-packs/OpenMetadataTypes.omarchive` at a cited commit with the archive's
patches applied: names, guids, categories, versions, super types, properties, relationship
ends, classification targets. They describe the types this service uses and their super
types; the cohort's own TypeDefs are learned as they arrive (`schemas.cohort_types`).

The catalogue below (`TYPES`, `ATTRIBUTE_TYPES`, `type_named`, ...) takes each type from the
newest release that defines it (`CATALOGUE_RELEASES`, newest first): Egeria 6 renamed or
dropped a few types this service still writes (`TableDataSet`, `KafkaTopic`, `PortSchema`,
`DataContentForDataSet`, `AssetSchemaType`), and those come from Egeria 5.2; the types Egeria 6
uses instead (`TabularDataSet`, `Schema`) come from 6.0 (`agents.catalogue.layout` writes one
release's or the other's). Versions differ
between releases (Egeria 6 restarts every TypeDef at version 1); a version difference is
never a conflict. Mixed-case GUIDs (`Port`, `LineageMapping`...) are Egeria's own and are
compared exactly, as Egeria does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from schemas.omrs_enums import AttributeTypeDefCategory, TypeDefCategory, TypeDefStatus
from schemas.omrs_instances import InstanceType
from schemas.omrs_typedefs import (
    AttributeTypeDef,
    ClassificationDef,
    CollectionDef,
    EntityDef,
    EnumDef,
    EnumElementDef,
    PrimitiveDef,
    RelationshipDef,
    RelationshipEndDef,
    TypeDef,
    TypeDefAttribute,
    TypeDefLink,
    TypeDefSummary,
)

EGERIA_RELEASES: tuple[str, ...] = ("5.2", "6.0", "6.1-SNAPSHOT")
"""The Egeria releases whose type archives are read (`schemas/egeria_types/egeria-<release>.json`)."""

CATALOGUE_RELEASES: tuple[str, ...] = ("6.0", "5.2")
"""Where the catalogue takes each type from, first release first: the newest release, then
the older one for types the newest no longer defines."""

EGERIA_TYPES_RELEASE = CATALOGUE_RELEASES[0]
"""The Egeria release most of the catalogue's definitions come from."""

ENTITY = TypeDefCategory.ENTITY_DEF
RELATIONSHIP = TypeDefCategory.RELATIONSHIP_DEF
CLASSIFICATION = TypeDefCategory.CLASSIFICATION_DEF

_CLASSES: dict[TypeDefCategory, type[EntityDef] | type[RelationshipDef] | type[ClassificationDef]] = {
    ENTITY: EntityDef,
    RELATIONSHIP: RelationshipDef,
    CLASSIFICATION: ClassificationDef,
}


@dataclass(frozen=True, slots=True)
class KnownType:
    """One TypeDef: its identity, version and super type, and (for the catalogue's own types)
    the facts of the release it comes from, from which `type_def` builds the whole TypeDef."""

    name: str
    guid: str
    version: int
    category: TypeDefCategory
    super_type: str | None = None
    version_name: str | None = None
    release: str | None = None
    facts: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def summary(self) -> TypeDefSummary:
        """As a TypeDefSummary (what error events carry about a TypeDef)."""
        return TypeDefSummary(
            header_version=1,
            guid=self.guid,
            name=self.name,
            status=TypeDefStatus.ACTIVE_TYPEDEF,
            version=self.version,
            version_name=self.version_name,
            category=self.category,
        )

    def link(self) -> TypeDefLink:
        return TypeDefLink(
            header_version=1, guid=self.guid, name=self.name, status=TypeDefStatus.ACTIVE_TYPEDEF
        )

    def type_def(self) -> TypeDef:
        """The whole TypeDef, as Egeria's archive defines it in this type's release (a
        learned type without facts gives its identity only)."""
        return _type_def(self)


@dataclass(frozen=True, slots=True)
class KnownAttributeType:
    """One AttributeTypeDef (primitive, collection or enum)."""

    name: str
    guid: str
    version: int
    category: AttributeTypeDefCategory
    version_name: str | None = None
    release: str | None = None
    facts: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def as_attribute_type_def(self) -> AttributeTypeDef:
        """As the bean TypeDef attributes and error events carry."""
        return _attribute_type_def(self)


# -- the release data -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseTypes:
    """The types of one Egeria release, as read from its archive (see the file's `about`)."""

    release: str
    commit: str
    types: tuple[KnownType, ...]
    attribute_types: tuple[KnownAttributeType, ...]
    missing: tuple[str, ...]
    """Types this service uses that the release does not define."""


def _known_type(facts: Mapping[str, Any], release: str) -> KnownType:
    return KnownType(
        name=facts["name"],
        guid=facts["guid"],
        version=facts["version"],
        category=TypeDefCategory(facts["category"]),
        super_type=facts.get("superType"),
        version_name=facts.get("versionName"),
        release=release,
        facts=facts,
    )


def _known_attribute_type(facts: Mapping[str, Any], release: str) -> KnownAttributeType:
    return KnownAttributeType(
        name=facts["name"],
        guid=facts["guid"],
        version=facts["version"],
        category=AttributeTypeDefCategory(facts["category"]),
        version_name=facts.get("versionName"),
        release=release,
        facts=facts,
    )


@cache
def release_types(release: str) -> ReleaseTypes:
    """The types of an Egeria release (one of `EGERIA_RELEASES`)."""
    if release not in EGERIA_RELEASES:
        raise KeyError(f"no type data for Egeria {release}; known: {', '.join(EGERIA_RELEASES)}")
    text = resources.files("schemas").joinpath(f"egeria_types/egeria-{release}.json").read_text("utf-8")
    data = json.loads(text)
    return ReleaseTypes(
        release=release,
        commit=data["commit"],
        types=tuple(_known_type(t, release) for t in data["typeDefs"]),
        attribute_types=tuple(_known_attribute_type(a, release) for a in data["attributeTypeDefs"]),
        missing=tuple(data["notInThisRelease"]),
    )


def _catalogue() -> tuple[tuple[KnownType, ...], tuple[KnownAttributeType, ...]]:
    types: dict[str, KnownType] = {}
    attributes: dict[str, KnownAttributeType] = {}
    for release in CATALOGUE_RELEASES:
        data = release_types(release)
        for t in data.types:
            types.setdefault(t.name, t)
        for a in data.attribute_types:
            attributes.setdefault(a.name, a)
    older = {t.guid: t.name for t in types.values() if t.release != CATALOGUE_RELEASES[0]}
    kept = [t for t in types.values() if older.get(t.guid, t.name) == t.name]
    return tuple(kept), tuple(attributes.values())


TYPES, ATTRIBUTE_TYPES = _catalogue()
"""Every TypeDef this service uses with its super types, and the attribute types they use,
each guid once: a TypeDef Egeria 6 renamed (`AssetSchemaType`, Egeria 6's `Schema`) is here
under its Egeria 5 name; its Egeria 6 name is one of `RENAMED_TYPES`, found by name like the others."""

RENAMED_TYPES: tuple[KnownType, ...] = tuple(
    {
        t.name: t
        for release in CATALOGUE_RELEASES
        for t in release_types(release).types
        if t.name not in {k.name for k in TYPES}
    }.values()
)
"""The release's own names for TypeDefs the catalogue holds under another name (Egeria 6's
`Schema`, guid of `AssetSchemaType`): known by name, like every catalogue type."""

LINEAGE_TYPE_NAMES: tuple[str, ...] = (
    "Process",
    "DataSet",
    "DataStore",
    "DataFeed",
    "Port",
    "SchemaType",
    "SchemaAttribute",
    "DataFlow",
    "ControlFlow",
    "ProcessCall",
    "LineageMapping",
    "ProcessHierarchy",
    "ProcessPort",
    "PortDelegation",
    "PortSchema",
    "DataContentForDataSet",
    "AssetSchemaType",
    "Schema",
    "AttributeForSchema",
    "NestedSchemaAttribute",
)
"""Types whose instances are kept as reference copies by default, subtypes included
(DeployedSoftwareComponent is a Process, CSVFile a DataStore, RelationalColumn a SchemaAttribute;
in Egeria 6 a Topic is a DataFeed, in Egeria 5 a DataSet)."""

_BY_NAME: dict[str, KnownType] = {t.name: t for t in (*TYPES, *RENAMED_TYPES)}
_BY_GUID: dict[str, KnownType] = {t.guid: t for t in TYPES}
_ATTR_BY_NAME: dict[str, KnownAttributeType] = {t.name: t for t in ATTRIBUTE_TYPES}
_ATTR_BY_GUID: dict[str, KnownAttributeType] = {t.guid: t for t in ATTRIBUTE_TYPES}


def type_named(name: str | None) -> KnownType | None:
    return _BY_NAME.get(name) if name else None


def type_with_guid(guid: str | None) -> KnownType | None:
    return _BY_GUID.get(guid) if guid else None


def known_type(name: str) -> KnownType:
    """The type by name; KeyError for a type the catalogue does not know."""
    return _BY_NAME[name]


def instance_type(name: str) -> InstanceType:
    """The InstanceType of an instance of this type, as Egeria writes it: category, guid,
    name and version (Egeria stopped writing super types and valid statuses in 4.0)."""
    known = _BY_NAME[name]
    return InstanceType(
        header_version=1,
        type_def_category=known.category,
        type_def_guid=known.guid,
        type_def_name=known.name,
        type_def_version=known.version,
    )


def attribute_type_named(name: str | None) -> KnownAttributeType | None:
    return _ATTR_BY_NAME.get(name) if name else None


def known_attribute_type(name: str) -> KnownAttributeType:
    """The attribute type by name; KeyError for one the catalogue does not know."""
    return _ATTR_BY_NAME[name]


def attribute_type_with_guid(guid: str | None) -> KnownAttributeType | None:
    return _ATTR_BY_GUID.get(guid) if guid else None


def ancestry(name: str) -> Iterator[str]:
    """The type itself, then its super types up to the root (only as far as the catalogue knows)."""
    return iter(ancestors(name))


@lru_cache(maxsize=1024)
def ancestors(name: str) -> tuple[str, ...]:
    """`ancestry` as a tuple, worked out once per name: the catalogue never changes, and every
    instance event of the cohort paths asks (bounded: members may send any type name)."""
    return chain_of(name, _BY_NAME)


def chain_of(name: str, types: Mapping[str, KnownType]) -> tuple[str, ...]:
    """A type and its super types as far as `types` knows them (stops at a cycle)."""
    chain: list[str] = []
    current: str | None = name
    while current and current not in chain:
        chain.append(current)
        known = types.get(current)
        current = known.super_type if known else None
    return tuple(chain)


def is_kind_of(type_name: str, super_type_names: Iterable[str], wanted: frozenset[str]) -> bool:
    """Whether a type (given its own super type names, as older instances carry them) is one of `wanted`.

    Uses the catalogue's hierarchy as well, so an instance whose type lists no super types
    (Egeria 4 and later write none) is still recognised.
    """
    if type_name in wanted:
        return True
    return _is_kind_of(type_name, tuple(super_type_names), wanted)


@lru_cache(maxsize=4096)
def _is_kind_of(type_name: str, super_type_names: tuple[str, ...], wanted: frozenset[str]) -> bool:
    """`is_kind_of` once per (type, super types, wanted): instances of one type repeat them all."""
    names = set(super_type_names)
    for name in [type_name, *names]:
        names.update(ancestors(name))
    return not names.isdisjoint(wanted)


# -- whole TypeDefs from the facts ----------------------------------------------------------


def _link(name: str, guid: str) -> TypeDefLink:
    return TypeDefLink(header_version=1, guid=guid, name=name, status=TypeDefStatus.ACTIVE_TYPEDEF)


def _attribute(facts: Mapping[str, Any], release: str | None) -> TypeDefAttribute:
    attribute_type = _attribute_type_in(facts["type"], release)
    return TypeDefAttribute(
        header_version=1,
        attribute_name=facts["name"],
        attribute_type=attribute_type.as_attribute_type_def() if attribute_type else None,
        attribute_status=facts.get("status", "ACTIVE_ATTRIBUTE"),
        replaced_by_attribute=facts.get("replacedBy"),
        attribute_cardinality=facts.get("cardinality"),
        values_min_count=facts["min"],
        values_max_count=facts["max"],
        unique=facts["unique"],
        indexable=facts["indexable"],
        default_value=facts.get("default"),
    )


def _attribute_type_in(name: str, release: str | None) -> KnownAttributeType | None:
    """An attribute type as the given release defines it (the catalogue's when it has none)."""
    if release is not None:
        for a in release_types(release).attribute_types:
            if a.name == name:
                return a
    return _ATTR_BY_NAME.get(name)


def _super_link(known: KnownType) -> TypeDefLink | None:
    if known.super_type is None:
        return None
    in_release = release_types(known.release).types if known.release else ()
    parent = next((t for t in in_release if t.name == known.super_type), None) or _BY_NAME.get(
        known.super_type
    )
    return (
        _link(known.super_type, parent.guid)
        if parent
        else TypeDefLink(header_version=1, name=known.super_type)
    )


def _end(facts: list[Any]) -> RelationshipEndDef:
    type_name, guid, attribute_name, cardinality = facts
    return RelationshipEndDef(
        header_version=1,
        entity_type=_link(type_name, guid),
        attribute_name=attribute_name,
        attribute_cardinality=cardinality,
    )


def _type_def(known: KnownType) -> TypeDef:
    facts: Mapping[str, Any] = known.facts or {}
    common: dict[str, Any] = {
        "header_version": 1,
        "guid": known.guid,
        "name": known.name,
        "status": facts.get("status", TypeDefStatus.ACTIVE_TYPEDEF),
        "version": known.version,
        "version_name": known.version_name,
        "category": known.category,
        "super_type": _super_link(known),
        "origin": facts.get("origin"),
        "created_by": facts.get("createdBy"),
        "updated_by": facts.get("updatedBy"),
        "create_time": facts.get("createTime"),
        "update_time": facts.get("updateTime"),
        "valid_instance_status_list": facts.get("validInstanceStatusList"),
        "initial_status": facts.get("initialStatus"),
        "properties_definition": [_attribute(a, known.release) for a in facts.get("attributes", ())] or None,
    }
    if known.category is RELATIONSHIP:
        ends = facts.get("ends")
        return RelationshipDef(
            **common,
            propagation_rule=facts.get("propagationRule", "NONE"),
            end_def1=_end(ends[0]) if ends else None,
            end_def2=_end(ends[1]) if ends else None,
            multi_link=facts.get("multiLink", False),
        )
    if known.category is CLASSIFICATION:
        return ClassificationDef(
            **common,
            valid_entity_defs=[_link(n, g) for n, g in facts.get("validEntityDefs", ())] or None,
            propagatable=facts.get("propagatable", False),
        )
    return _CLASSES.get(known.category, EntityDef)(**common)


def _attribute_type_def(known: KnownAttributeType) -> AttributeTypeDef:
    facts: Mapping[str, Any] = known.facts or {}
    common: dict[str, Any] = {
        "header_version": 1,
        "version": known.version,
        "version_name": known.version_name,
        "category": known.category,
        "guid": known.guid,
        "name": known.name,
    }
    if known.category is AttributeTypeDefCategory.COLLECTION:
        arguments = facts.get("argumentTypes")
        return CollectionDef(
            **common,
            collection_def_category=facts.get("collectionDefCategory"),
            argument_count=len(arguments or ()),
            argument_types=arguments,
        )
    if known.category is AttributeTypeDefCategory.ENUM_DEF:
        elements = [
            EnumElementDef(header_version=1, ordinal=ordinal, value=value)
            for ordinal, value in facts["elements"]
        ]
        default = facts.get("defaultOrdinal")
        return EnumDef(
            **common,
            element_defs=elements,
            default_value=next((e for e in elements if e.ordinal == default), None),
        )
    return PrimitiveDef(**common, primitive_def_category=facts.get("primitiveDefCategory"))
