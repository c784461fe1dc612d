"""PURE: the typed properties of what the cataloguing API creates, as Egeria names them.

Each properties class turns into the registers of a contribution (`values`): a field left
None is not said (an update merges), unless the update replaces, when it clears the value.
`additional_properties` entries merge one by one (None removes an entry).

Egeria's property names: processes and data assets have `name`, `description`; processes
`formula`, `formulaType`, `implementationLanguage`; ports `displayName` and `portType`
(Egeria's `PortType` enum); schema types and attributes `displayName`, `description`, and
attributes `position` and their data type (a `TypeEmbeddedAttribute` classification); the
lineage relationships `label`, `description` and, by type, `formula`/`formulaType`
(DataFlow, ProcessCall) or `guard` (ControlFlow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cache
from typing import Any

from agents.catalogue.contribution import A, C, P, clean_value


class PortType(StrEnum):
    """Egeria's `PortType`: which way data passes through a port."""

    INPUT_PORT = "INPUT_PORT"
    OUTPUT_PORT = "OUTPUT_PORT"
    INOUT_PORT = "INOUT_PORT"
    OUTIN_PORT = "OUTIN_PORT"
    OTHER = "OTHER"


class ContainmentType(StrEnum):
    """Egeria's `ProcessContainmentType` on a ProcessHierarchy."""

    OWNED = "OWNED"
    USED = "USED"
    OTHER = "OTHER"


class DeleteMethod(StrEnum):
    """How an element is removed: Egeria's `DeleteMethod` (ARCHIVE, SOFT_DELETE) and the
    repository services' purge.

    - ARCHIVE: the element gets a `Memento` classification and stays for lineage queries;
    - SOFT_DELETE: DELETED events; the element and its relationships can come back (RESTORED);
    - PURGE: gone for good (DELETE_PURGED events, or PURGED after a soft delete).
    """

    ARCHIVE = "ARCHIVE"
    SOFT_DELETE = "SOFT_DELETE"
    PURGE = "PURGE"


# Property name in Egeria -> attribute name here, per properties class.
_NAMES: dict[str, str] = {
    "formula_type": "formulaType",
    "implementation_language": "implementationLanguage",
    "display_name": "displayName",
    "port_type": "portType",
    "version_identifier": "versionIdentifier",
}
_SPECIAL = frozenset({"additional_properties", "data_type"})


@cache
def _keys(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, register key) of a properties class's typed fields."""
    return tuple((f.name, P + _NAMES.get(f.name, f.name)) for f in fields(cls) if f.name not in _SPECIAL)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Properties:
    additional_properties: Mapping[str, str | None] = field(default_factory=dict)

    def values(self, replace: bool = False) -> dict[str, Any]:
        """The registers these properties set (all typed ones when `replace`)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            if item.name in _SPECIAL:
                continue
            value = getattr(self, item.name)
            if value is not None or replace:
                out[P + _NAMES.get(item.name, item.name)] = (
                    value.value if isinstance(value, StrEnum) else value
                )
        for key, value in self.additional_properties.items():
            out[A + key] = value
        return clean_value(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessProperties(_Properties):
    """A process (Egeria `Process`; `DeployedSoftwareComponent` unless told otherwise)."""

    name: str | None = None
    description: str | None = None
    formula: str | None = None
    formula_type: str | None = None
    implementation_language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataAssetProperties(_Properties):
    """A data asset (a `DataSet` or `DataStore` subtype)."""

    name: str | None = None
    description: str | None = None
    version_identifier: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PortProperties(_Properties):
    """A port (`PortImplementation` on the process that implements it, `PortAlias` on a
    composed process, delegating to the implementation)."""

    display_name: str | None = None
    port_type: PortType | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaTypeProperties(_Properties):
    """A schema type (`TabularSchemaType` unless told otherwise)."""

    display_name: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaAttributeProperties(_Properties):
    """A schema attribute (`TabularColumn` unless told otherwise); `data_type` becomes its
    `TypeEmbeddedAttribute` classification, as Egeria's cataloguer writes it."""

    display_name: str | None = None
    description: str | None = None
    position: int | None = None
    data_type: str | None = None

    def values(self, replace: bool = False) -> dict[str, Any]:
        out = _Properties.values(self, replace)
        if self.data_type is not None:
            out[f"{C}TypeEmbeddedAttribute"] = clean_value(
                {"schemaTypeName": "PrimitiveSchemaType", "dataType": self.data_type}
            )
        elif replace:
            out[f"{C}TypeEmbeddedAttribute"] = None
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class DataFlowProperties(_Properties):
    label: str | None = None
    description: str | None = None
    formula: str | None = None
    formula_type: str | None = None

    def values(self, replace: bool = False) -> dict[str, Any]:
        return _without_additional(self, replace)


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlFlowProperties(_Properties):
    label: str | None = None
    description: str | None = None
    guard: str | None = None

    def values(self, replace: bool = False) -> dict[str, Any]:
        return _without_additional(self, replace)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessCallProperties(_Properties):
    label: str | None = None
    description: str | None = None
    formula: str | None = None
    formula_type: str | None = None

    def values(self, replace: bool = False) -> dict[str, Any]:
        return _without_additional(self, replace)


@dataclass(frozen=True, slots=True, kw_only=True)
class LineageMappingProperties(_Properties):
    label: str | None = None
    description: str | None = None

    def values(self, replace: bool = False) -> dict[str, Any]:
        return _without_additional(self, replace)


def _without_additional(props: _Properties, replace: bool) -> dict[str, Any]:
    """Relationships have no additionalProperties in Egeria's types."""
    if props.additional_properties:
        raise ValueError(f"{type(props).__name__} takes no additional_properties")
    return _Properties.values(props, replace)
