"""The open metadata types the cataloguer writes, as Egeria defines them.

Names, guids and super types are Egeria's (odpi/egeria open metadata types archive:
`OpenMetadataType` and the type archives). A real Egeria member only accepts instances whose
type guid and name match its own TypeDefs, so nothing here may be invented. When the cohort
work's type catalogue (`schemas.open_metadata_types`) knows a type, its guid and version win;
a disagreement is a bug caught by `tests/unit/test_catalogue_mapping.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas import open_metadata_types
from schemas.omrs import InstanceType, TypeDefCategory, TypeDefLink


@dataclass(frozen=True)
class OMType:
    name: str
    guid: str
    category: TypeDefCategory
    super_types: tuple[str, ...] = ()
    """Nearest first, up to the root (`Referenceable`, `OpenMetadataRoot`)."""


_E, _R, _C = TypeDefCategory.ENTITY_DEF, TypeDefCategory.RELATIONSHIP_DEF, TypeDefCategory.CLASSIFICATION_DEF
_ASSET = ("Asset", "Referenceable", "OpenMetadataRoot")
_SCHEMA = ("SchemaElement", "Referenceable", "OpenMetadataRoot")

TYPES: dict[str, OMType] = {
    t.name: t
    for t in (
        OMType("OpenMetadataRoot", "4e7761e8-3969-4627-8f40-bfe3cde85a1d", _E),
        OMType("Referenceable", "a32316b8-dc8c-48c5-b12b-71c1b2a080bf", _E, ("OpenMetadataRoot",)),
        OMType("Asset", "896d14c2-7522-4f6c-8519-757711943fe6", _E, _ASSET[1:]),
        OMType("Process", "d8f33bd7-afa9-4a11-a8c7-07dcec83c050", _E, _ASSET),
        OMType("DeployedSoftwareComponent", "486af62c-dcfd-4859-ab24-eab2e380ecfd", _E, ("Process", *_ASSET)),
        OMType("DataSet", "1449911c-4f44-4c22-abc0-7540154feefb", _E, _ASSET),
        # TableDataSet: Egeria 4.0 (model 0224), not (yet) in the cohort catalogue.
        OMType("TableDataSet", "20c45531-5d2e-4eb6-9a47-035cb1067b82", _E, ("DataSet", *_ASSET)),
        OMType("Topic", "29100f49-338e-4361-b05d-7e4e8e818325", _E, ("DataSet", *_ASSET)),
        OMType("KafkaTopic", "f2f5dae9-8410-420f-81f4-5d08543e07aa", _E, ("Topic", "DataSet", *_ASSET)),
        OMType("DataStore", "30756d0b-362b-4bfa-a0de-fce6a8f47b47", _E, _ASSET),
        OMType("DataFile", "10752b4a-4b5d-4519-9eae-fdd6d162122f", _E, ("DataStore", *_ASSET)),
        OMType("FileFolder", "229ed5cc-de31-45fc-beb4-9919fd247398", _E, ("DataStore", *_ASSET)),
        OMType("SchemaElement", "718d4244-8559-49ed-ad5a-10e5c305a656", _E, _SCHEMA[1:]),
        OMType("SchemaType", "5bd4a3e7-d22d-4a3d-a115-066ee8e0754f", _E, _SCHEMA),
        OMType("ComplexSchemaType", "786a6199-0ce8-47bf-b006-9ace1c5510e4", _E, ("SchemaType", *_SCHEMA)),
        OMType(
            "RootSchemaType",
            "126962bf-dd26-4fcf-97d8-d0ad1fdd2d50",
            _E,
            ("ComplexSchemaType", "SchemaType", *_SCHEMA),
        ),
        OMType(
            "TabularSchemaType",
            "248975ec-8019-4b8a-9caf-084c8b724233",
            _E,
            ("RootSchemaType", "ComplexSchemaType", "SchemaType", *_SCHEMA),
        ),
        OMType("SchemaAttribute", "1a5e159b-913a-43b1-95fe-04433b25fca9", _E, _SCHEMA),
        OMType("TabularColumn", "d81a0425-4e9b-4f31-bc1c-e18c3566da10", _E, ("SchemaAttribute", *_SCHEMA)),
        OMType("ProcessHierarchy", "70dbbda3-903f-49f7-9782-32b503c43e0e", _R),
        OMType("DataFlow", "d2490c0c-06cc-458a-add2-33cf2f5dd724", _R),
        OMType("LineageMapping", "a5991bB2-660D-A3a1-2955-fAcDA2d5F4Ff", _R),
        OMType("AssetSchemaType", "815b004d-73c6-4728-9dd9-536f4fe803cd", _R),
        OMType("AttributeForSchema", "86b176a2-015c-44a6-8106-54d5d69ba661", _R),
        OMType("NestedSchemaAttribute", "0ffb9d87-7074-45da-a9b0-ae0859611133", _R),
        OMType("Ownership", "8139a911-a4bd-432b-a9f4-f6d11c511abe", _C),
        OMType("TypeEmbeddedAttribute", "e2bb76bb-774a-43ff-9045-3a05f663d5d9", _C),
    )
}

# Attribute types of the property values written (Egeria's PrimitiveDefCategory / CollectionDef guids).
STRING_TYPE = ("string", "b34a64b9-554a-42b1-8f8a-7d5c2339f9c4")
INT_TYPE = ("int", "7fc49104-fd3a-46c8-b6bf-f16b6074cd35")
MAP_STRING_STRING_TYPE = ("map<string,string>", "005c7c14-ac84-4136-beed-959401b041f8")


def om_type(name: str) -> OMType:
    """The type by name; KeyError for a type the cataloguer does not write."""
    return TYPES[name]


def type_version(name: str) -> int:
    """The TypeDef version Egeria gives the type (the cohort catalogue's, else 1)."""
    known = open_metadata_types.type_named(name)
    return known.version if known is not None else 1


def instance_type(name: str) -> InstanceType:
    """The InstanceType of an instance of this type, with its super types (Egeria's fuller form)."""
    t = TYPES[name]
    return InstanceType(
        type_def_category=t.category,
        type_def_guid=t.guid,
        type_def_name=t.name,
        type_def_version=type_version(name),
        type_def_super_types=[TypeDefLink(guid=TYPES[s].guid, name=s) for s in t.super_types if s in TYPES]
        or None,
    )


PROCESS_TYPES = frozenset(n for n, t in TYPES.items() if n == "Process" or "Process" in t.super_types)
SCHEMA_ATTRIBUTE_TYPES = frozenset(n for n, t in TYPES.items() if "SchemaAttribute" in (n, *t.super_types))
