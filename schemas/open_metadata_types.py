"""The open metadata types this service uses, as Egeria defines them: names, GUIDs, versions.

A pure catalogue (no I/O): the cohort agents compare what members send against it to spot
conflicting TypeDefs and instances whose type does not match, and the cataloguer builds
instances with it.

Facts, not code, taken from Egeria's public sources: GUIDs and names from the open
metadata types archive and the ``OpenMetadataType`` / ``OpenMetadataAPIMapper`` constants;
versions from the ``OpenMetadataTypes.omarchive`` content pack as of Egeria 5.2, where a
type's version is 1 plus the number of ``TypeDefPatch`` es applied to it (each patch moves
``applyToVersion`` -> ``updateToVersion`` by one). Mixed-case GUIDs (``Port``,
``LineageMapping``...) are Egeria's own and are compared exactly, as Egeria does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from schemas.omrs_enums import AttributeTypeDefCategory, TypeDefCategory, TypeDefStatus
from schemas.omrs_instances import InstanceType
from schemas.omrs_typedefs import CollectionDef, PrimitiveDef, TypeDefLink, TypeDefSummary

EGERIA_TYPES_RELEASE = "5.2"
"""The Egeria release whose types archive the versions below come from."""

ENTITY = TypeDefCategory.ENTITY_DEF
RELATIONSHIP = TypeDefCategory.RELATIONSHIP_DEF
CLASSIFICATION = TypeDefCategory.CLASSIFICATION_DEF


@dataclass(frozen=True, slots=True)
class KnownType:
    """One TypeDef this service knows: enough to compare with what a member sends."""

    name: str
    guid: str
    version: int
    category: TypeDefCategory
    super_type: str | None = None

    def summary(self) -> TypeDefSummary:
        """As a TypeDefSummary (what error events carry as `otherTypeDefSummary`)."""
        return TypeDefSummary(
            header_version=1,
            guid=self.guid,
            name=self.name,
            status=TypeDefStatus.ACTIVE_TYPEDEF,
            version=self.version,
            version_name=f"{self.version}.0",
            category=self.category,
        )

    def link(self) -> TypeDefLink:
        return TypeDefLink(
            header_version=1, guid=self.guid, name=self.name, status=TypeDefStatus.ACTIVE_TYPEDEF
        )


@dataclass(frozen=True, slots=True)
class KnownAttributeType:
    """One AttributeTypeDef (primitive or collection) this service knows."""

    name: str
    guid: str
    version: int
    category: AttributeTypeDefCategory

    def as_attribute_type_def(self) -> PrimitiveDef | CollectionDef:
        """As the bean error events carry (`otherAttributeTypeDef`)."""
        if self.category is AttributeTypeDefCategory.PRIMITIVE:
            return PrimitiveDef(
                header_version=1,
                version=self.version,
                version_name="1.0",
                category=self.category,
                guid=self.guid,
                name=self.name,
            )
        return CollectionDef(
            header_version=1,
            version=self.version,
            version_name="1.0",
            category=self.category,
            guid=self.guid,
            name=self.name,
        )


def _e(name: str, guid: str, version: int, super_type: str | None) -> KnownType:
    return KnownType(name, guid, version, ENTITY, super_type)


def _r(name: str, guid: str, version: int) -> KnownType:
    return KnownType(name, guid, version, RELATIONSHIP)


def _c(name: str, guid: str, version: int) -> KnownType:
    return KnownType(name, guid, version, CLASSIFICATION)


TYPES: tuple[KnownType, ...] = (
    # Area 0: the base model
    _e("OpenMetadataRoot", "4e7761e8-3969-4627-8f40-bfe3cde85a1d", 1, None),
    _e("Referenceable", "a32316b8-dc8c-48c5-b12b-71c1b2a080bf", 2, "OpenMetadataRoot"),
    _e("Asset", "896d14c2-7522-4f6c-8519-757711943fe6", 4, "Referenceable"),
    _e("DataSet", "1449911c-4f44-4c22-abc0-7540154feefb", 4, "Asset"),
    # TableDataSet: Egeria 4.0 (model 0224, `add0224TableDataSet`), no patches.
    _e("TableDataSet", "20c45531-5d2e-4eb6-9a47-035cb1067b82", 1, "DataSet"),
    _e("Process", "d8f33bd7-afa9-4a11-a8c7-07dcec83c050", 3, "Asset"),
    # Area 2: assets
    _e("DeployedSoftwareComponent", "486af62c-dcfd-4859-ab24-eab2e380ecfd", 2, "Process"),
    # EmbeddedProcess, TransientEmbeddedProcess: model 0215 (OpenMetadataType EMBEDDED_PROCESS,
    # TRANSIENT_EMBEDDED_PROCESS); the cataloguer's optional run elements.
    _e("EmbeddedProcess", "8145967e-bb83-44b2-bc8c-68112c6a5a06", 1, "Process"),
    _e("TransientEmbeddedProcess", "9bd9d37a-b2ae-48ec-9776-080f667e91c5", 1, "EmbeddedProcess"),
    _e("DataStore", "30756d0b-362b-4bfa-a0de-fce6a8f47b47", 3, "Asset"),
    _e("DataFile", "10752b4a-4b5d-4519-9eae-fdd6d162122f", 3, "DataStore"),
    _e("CSVFile", "2ccb2117-9cee-47ca-8150-9b3a543adcec", 1, "DataFile"),
    _e("FileFolder", "229ed5cc-de31-45fc-beb4-9919fd247398", 1, "DataStore"),
    _e("Database", "0921c83f-b2db-4086-a52c-0d10e52ca078", 2, "DataStore"),
    _e("DeployedDatabaseSchema", "eab811ec-556a-45f1-9091-bc7ac8face0f", 1, "DataSet"),
    _e("Topic", "29100f49-338e-4361-b05d-7e4e8e818325", 1, "DataSet"),
    _e("KafkaTopic", "f2f5dae9-8410-420f-81f4-5d08543e07aa", 2, "Topic"),
    _e("Port", "e3d9FD9F-d5eD-2aed-CC98-0bc21aB6f71C", 2, "Referenceable"),
    _e("PortImplementation", "ADbbdF06-a6A3-4D5F-7fA3-DB4Cb0eDeC0E", 1, "Port"),
    _e("PortAlias", "DFa5aEb1-bAb4-c25B-bDBD-B95Ce6fAB7F5", 1, "Port"),
    # Area 5: schemas
    _e("SchemaElement", "718d4244-8559-49ed-ad5a-10e5c305a656", 4, "Referenceable"),
    _e("SchemaType", "5bd4a3e7-d22d-4a3d-a115-066ee8e0754f", 1, "SchemaElement"),
    _e("ComplexSchemaType", "786a6199-0ce8-47bf-b006-9ace1c5510e4", 1, "SchemaType"),
    _e("RootSchemaType", "126962bf-dd26-4fcf-97d8-d0ad1fdd2d50", 1, "ComplexSchemaType"),
    _e("TabularSchemaType", "248975ec-8019-4b8a-9caf-084c8b724233", 2, "RootSchemaType"),
    _e("RelationalDBSchemaType", "f20f5f45-1afb-41c1-9a09-34d8812626a4", 2, "RootSchemaType"),
    _e("RelationalTableType", "1321bcc0-dc6a-48ed-9ca6-0c6f934b0b98", 2, "ComplexSchemaType"),
    _e("EventType", "8bc88aba-d7e4-4334-957f-cfe8e8eadc32", 2, "RootSchemaType"),
    _e("SchemaAttribute", "1a5e159b-913a-43b1-95fe-04433b25fca9", 3, "SchemaElement"),
    _e("TabularColumn", "d81a0425-4e9b-4f31-bc1c-e18c3566da10", 1, "SchemaAttribute"),
    _e("RelationalColumn", "aa8d5470-6dbc-4648-9e2f-045e5df9d2f9", 2, "TabularColumn"),
    _e("RelationalTable", "ce7e72b8-396a-4013-8688-f9d973067425", 1, "SchemaAttribute"),
    # Lineage and process relationships (areas 2 and 7)
    _r("DataFlow", "d2490c0c-06cc-458a-add2-33cf2f5dd724", 3),
    _r("ControlFlow", "35450726-1c32-4d41-b928-22db6d1ae2f4", 2),
    _r("ProcessCall", "af904501-6347-4f52-8378-da50e8d74828", 4),
    _r("LineageMapping", "a5991bB2-660D-A3a1-2955-fAcDA2d5F4Ff", 3),
    _r("ProcessHierarchy", "70dbbda3-903f-49f7-9782-32b503c43e0e", 1),
    _r("ProcessPort", "fB4E00CF-37e4-88CE-4a94-233BAdB84DA2", 1),
    _r("PortDelegation", "98bB8BA1-dc6A-eb9D-32Cf-F837bEbCbb8E", 1),
    _r("PortSchema", "B216fA00-8281-F9CC-9911-Ae6377f2b457", 1),
    _r("DataContentForDataSet", "b827683c-2924-4df3-a92d-7be1888e23c0", 2),
    # Schema relationships (area 5)
    _r("AssetSchemaType", "815b004d-73c6-4728-9dd9-536f4fe803cd", 1),
    _r("AttributeForSchema", "86b176a2-015c-44a6-8106-54d5d69ba661", 1),
    _r("NestedSchemaAttribute", "0ffb9d87-7074-45da-a9b0-ae0859611133", 1),
    # Classifications
    _c("Ownership", "8139a911-a4bd-432b-a9f4-f6d11c511abe", 1),
    _c("TypeEmbeddedAttribute", "e2bb76bb-774a-43ff-9045-3a05f663d5d9", 2),
    _c("Anchors", "aa44f302-2e43-4669-a1e7-edaae414fc6e", 3),
    # Memento: model 0010 (OpenMetadataType MEMENTO_CLASSIFICATION), Egeria's archive of an element.
    _c("Memento", "ecdcd472-6701-4303-8dec-267bcb54feb9", 1),
)
"""Every TypeDef this service uses (entities with their super type, relationships, classifications)."""

_P = AttributeTypeDefCategory.PRIMITIVE
_C = AttributeTypeDefCategory.COLLECTION

ATTRIBUTE_TYPES: tuple[KnownAttributeType, ...] = (
    KnownAttributeType("object", "1c4b21f4-0b67-41a7-a6ed-2af185eb9b3b", 1, _P),
    KnownAttributeType("boolean", "3863f010-611c-41fe-aaae-5d4d427f863b", 1, _P),
    KnownAttributeType("byte", "6b7d410a-2e8a-4d12-981a-a806449f9bdb", 1, _P),
    KnownAttributeType("char", "b0abebe5-cf85-4065-86ad-f3c6360ed9c7", 1, _P),
    KnownAttributeType("short", "8e95b966-ab60-46d4-a03f-40c5a1ba6c2a", 1, _P),
    KnownAttributeType("int", "7fc49104-fd3a-46c8-b6bf-f16b6074cd35", 1, _P),
    KnownAttributeType("long", "33a91510-92ee-4825-9f49-facd7a6f9db6", 1, _P),
    KnownAttributeType("float", "52aeb769-37b7-4b30-b949-ddc7dcebcfa2", 1, _P),
    KnownAttributeType("double", "e13572e8-25c3-4994-acb6-2ea66c95812e", 1, _P),
    KnownAttributeType("biginteger", "8aa56e52-1076-4e0d-9b66-3873a1ed7392", 1, _P),
    KnownAttributeType("bigdecimal", "d5c8ad9f-8fee-4a64-80b3-63ce1e47f6bb", 1, _P),
    KnownAttributeType("string", "b34a64b9-554a-42b1-8f8a-7d5c2339f9c4", 1, _P),
    KnownAttributeType("date", "1bef35ca-d4f9-48db-87c2-afce4649362d", 1, _P),
    KnownAttributeType("map<string,string>", "005c7c14-ac84-4136-beed-959401b041f8", 1, _C),
    KnownAttributeType("array<string>", "0428b5d3-f824-459c-b7f5-f8151de59707", 1, _C),
)
"""The attribute types (primitives and collections) the types above use."""

LINEAGE_TYPE_NAMES: tuple[str, ...] = (
    "Process",
    "DataSet",
    "DataStore",
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
    "AttributeForSchema",
    "NestedSchemaAttribute",
)
"""Types whose instances are kept as reference copies by default, subtypes included
(DeployedSoftwareComponent is a Process, CSVFile a DataStore, RelationalColumn a SchemaAttribute)."""

_BY_NAME: dict[str, KnownType] = {t.name: t for t in TYPES}
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
    """The InstanceType of an instance of this type, with its super types nearest first (Egeria's fuller form)."""
    known = _BY_NAME[name]
    supers = [TypeDefLink(guid=_BY_NAME[s].guid, name=s) for s in list(ancestry(name))[1:]]
    return InstanceType(
        type_def_category=known.category,
        type_def_guid=known.guid,
        type_def_name=known.name,
        type_def_version=known.version,
        type_def_super_types=supers or None,
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
    chain: list[str] = []
    current: str | None = name
    while current and current not in chain:
        chain.append(current)
        known = _BY_NAME.get(current)
        current = known.super_type if known else None
    return tuple(chain)


def is_kind_of(type_name: str, super_type_names: Iterable[str], wanted: frozenset[str]) -> bool:
    """Whether a type (given its own super type names, as instances carry them) is one of `wanted`.

    Uses the catalogue's hierarchy as well, so an instance whose type lists no super types
    (older servers send the short InstanceType) is still recognised.
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
