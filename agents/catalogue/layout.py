"""PURE: the open metadata layout of an Egeria release - which types and properties the
catalogue writes for a cohort of that release.

The cataloguing operations (`writer`, `elements`) speak Egeria 5's types: `TableDataSet`, an
asset's `name`, a column's `position`, `AssetSchemaType`, `PortSchema`. A `Layout` writes what
they say with the types a release defines, read from its types archive
(`schemas/egeria_types/egeria-<release>.json`):

| Egeria 5.2 | Egeria 6.0 |
|---|---|
| `TableDataSet` | `TabularDataSet` |
| `KafkaTopic` | `Topic`, `deployedImplementationType` "Apache Kafka Topic" |
| an asset's `name` | `displayName` and `resourceName`; `namespacePath` its source (namespace) |
| a schema attribute's `position` (from 0) | `position` of its `AttributeForSchema` / `NestedSchemaAttribute` (from 1: 0 means "not set" in 6.0) |
| `AssetSchemaType` | `Schema` |
| `PortSchema` | nothing: `Schema` lets one element describe a schema type, and that is the asset |
| `Memento.archiveProperties` (map) | its JSON text (6.0 types it `string`) |

The Egeria 6 column is what Egeria 6's own OpenLineage cataloguer writes (odpi/egeria
fedfc36cef36670a653fff0e3708c02e2cbe2824, `OpenLineageCataloguerIntegrationConnector`:
`getDataAssetProperties` types tables `TABULAR_DATA_SET` and Kafka topics `TOPIC` with
`APACHE_KAFKA_TOPIC`; `syncDataSet` sets `displayName`, `resourceName` and `namespacePath`;
`createColumns` puts the position, counted from 1, on the parent relationship; the schema
type hangs from the asset by `Schema`, `SCHEMA_RELATIONSHIP` in `OpenMetadataType` at
97e29599a4d1e9491106e781f8fca7400cd73cd4). Any other property the release's type (with its
super types) does not define is left out, so no instance shared with the cohort carries a
property its type does not define. Egeria 5.2's layout leaves what the operations write as
it is.

`layout_for(setting, cohort_release)` chooses: `"5"`, `"6"`, or `"auto"`, the release the
cohort's members announced (`announced_release`), Egeria 5's when none did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import orjson

from agents.catalogue.contribution import EARLIEST, STATUS, A, C, P
from schemas.open_metadata_types import KnownType, release_types

TypesSetting = Literal["5", "6", "auto"]
"""The cataloguer's `types` setting: which Egeria release's types it writes."""

_RELEASES: dict[str, str] = {"5": "5.2", "6": "6.0"}
_FAMILY: dict[str, str] = {release: family for family, release in _RELEASES.items()}

_TYPE_NAMES_6: dict[str, str | None] = {
    "TableDataSet": "TabularDataSet",
    "KafkaTopic": "Topic",
    "AssetSchemaType": "Schema",
    "PortSchema": None,
}
"""Egeria 5 names -> the Egeria 6 type written instead (None: none is)."""

_IMPLEMENTATION_TYPES_6: dict[str, str] = {"KafkaTopic": "Apache Kafka Topic"}
"""What a renamed type leaves in `deployedImplementationType` (Egeria 6's
`DeployedImplementationType.APACHE_KAFKA_TOPIC`)."""

_NAMED_BY = ("displayName", "resourceName")
"""Where Egeria 6 writes what Egeria 5 calls an asset's `name`."""

PARENT_LINKS = ("AttributeForSchema", "NestedSchemaAttribute")
"""The relationships from a schema attribute's parent (schema type or attribute) to it."""


@dataclass(frozen=True, slots=True)
class Layout:
    """The types and properties of one Egeria release."""

    release: str

    @property
    def family(self) -> str:
        """ "5" or "6"."""
        return _FAMILY[self.release]

    # ------------------------------------------------------------------ types

    def entity_type(self, name: str) -> str:
        """The entity type this release writes for an operation's type name."""
        renamed = _renames(self.release).get(name, name)
        if renamed is None:
            raise ValueError(f"Egeria {self.release} has no entity type for {name}")
        return renamed

    def relationship_type(self, name: str) -> str | None:
        """The relationship type this release writes for an operation's (None: none)."""
        return _renames(self.release).get(name, name)

    def entity_values(self, name: str, source: str) -> dict[str, Any]:
        """What an entity of an operation's type says in this release beyond its identity:
        the implementation type a renamed type leaves, and an asset's namespace."""
        values: dict[str, Any] = {}
        if self.release == _RELEASES["6"]:
            wire = self.entity_type(name)
            if name in _IMPLEMENTATION_TYPES_6:
                values[f"{P}deployedImplementationType"] = _IMPLEMENTATION_TYPES_6[name]
            if "namespacePath" in _attributes(self.release, wire):
                values[f"{P}namespacePath"] = source
        return values

    # ------------------------------------------------------------------ properties

    def values(self, type_name: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The registers an instance of `type_name` (this release's name) gets for `values`:
        properties moved where the release defines them, undefined ones left out,
        classification properties likewise. A type the release file does not hold (a
        connector's own) keeps its values as they are."""
        if not _holds(self.release, type_name):
            return dict(values)
        defined = _attributes(self.release, type_name)
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key == STATUS or key.startswith(A):
                if key == STATUS or "additionalProperties" in defined:
                    out[key] = value
            elif key.startswith(C):
                out[key] = self._classification(key[len(C) :], value)
            elif key.startswith(P):
                name = key[len(P) :]
                earliest = EARLIEST if name.startswith(EARLIEST) else ""
                for home in self._homes(name.removeprefix(EARLIEST), defined):
                    out[P + earliest + home] = _typed(value, defined[home])
            else:
                out[key] = value
        return out

    def _homes(self, name: str, defined: Mapping[str, str]) -> tuple[str, ...]:
        if name in defined:
            return (name,)
        if name == "name":
            return tuple(n for n in _NAMED_BY if n in defined)
        return ()

    def _classification(self, name: str, value: Any) -> Any:
        if not isinstance(value, Mapping) or not _holds(self.release, name):
            return value
        defined = _attributes(self.release, name)
        return {k: _typed(v, defined[k]) for k, v in value.items() if k in defined}

    @property
    def position_on_link(self) -> bool:
        """Whether a schema attribute's position belongs to the relationship from its parent."""
        return "position" not in _attributes(self.release, "SchemaAttribute") and "position" in _attributes(
            self.release, PARENT_LINKS[0]
        )

    @property
    def first_position(self) -> int:
        """The position of a schema's first attribute: 1 where it is a relationship property
        (Egeria 6 defines 0 as "no position set"), else 0 as Egeria 5's cataloguing did."""
        return 1 if self.position_on_link else 0

    # ------------------------------------------------------------------ what the cohort gets

    def types(self) -> tuple[KnownType, ...]:
        """This release's TypeDefs of the types the catalogue uses (what to announce)."""
        return release_types(self.release).types


EGERIA_5 = Layout(_RELEASES["5"])
EGERIA_6 = Layout(_RELEASES["6"])
LAYOUTS: dict[str, Layout] = {"5": EGERIA_5, "6": EGERIA_6}


def layout_for(setting: str, cohort_release: str | None = None) -> Layout:
    """The layout a `types` setting chooses; `auto` takes the cohort's release (a family,
    "5" or "6"), Egeria 5's while no member has announced one."""
    if setting == "auto":
        return LAYOUTS.get(cohort_release or "5", EGERIA_5)
    return LAYOUTS[setting]


def announced_release(name: str | None, guid: str | None) -> str | None:
    """The release family ("5" or "6") a member announcing this TypeDef runs: the name it
    gives a TypeDef the releases name differently (guid 815b004d... is `AssetSchemaType`
    in Egeria 5.2's archive, `Schema` in Egeria 6's), None for any other TypeDef."""
    if not name or not guid:
        return None
    return _markers().get((name, guid))


def cohort_release(releases: Iterable[str | None]) -> str | None:
    """The release of the cohorts this server is in: the one they announced, None when none
    did or they disagree (`auto` then writes Egeria 5's layout)."""
    found = {r for r in releases if r}
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------------------------- facts


@cache
def _renames(release: str) -> Mapping[str, str | None]:
    return _TYPE_NAMES_6 if release == _RELEASES["6"] else {}


@cache
def _holds(release: str, type_name: str) -> bool:
    """Whether a release file holds a type (a connector's own types it does not)."""
    return any(t.name == type_name for t in release_types(release).types)


@cache
def _attributes(release: str, type_name: str) -> Mapping[str, str]:
    """Property name -> attribute type name, for a type and its super types in a release
    (empty for a type the release file does not hold)."""
    types = {t.name: t for t in release_types(release).types}
    found: dict[str, str] = {}
    current, seen = types.get(type_name), set()
    while current is not None and current.name not in seen:
        seen.add(current.name)
        for attribute in (current.facts or {}).get("attributes", ()):
            found.setdefault(attribute["name"], attribute["type"])
        current = types.get(current.super_type) if current.super_type else None
    return found


@cache
def _markers() -> Mapping[tuple[str, str], str]:
    """(name, guid) of the TypeDefs two releases name differently -> the release family."""
    by_release = {family: release_types(release).types for family, release in _RELEASES.items()}
    names: dict[str, dict[str, str]] = {
        family: {t.guid: t.name for t in types} for family, types in by_release.items()
    }
    markers: dict[tuple[str, str], str] = {}
    for family, guids in names.items():
        for guid, name in guids.items():
            others = [n[guid] for f, n in names.items() if f != family and guid in n]
            if others and all(other != name for other in others):
                markers[(name, guid)] = family
    return markers


def _typed(value: Any, attribute_type: str) -> Any:
    """A value as its attribute type holds it: a map written where the release types a
    property `string` becomes its JSON text (keys sorted)."""
    if attribute_type == "string" and isinstance(value, Mapping):
        return orjson.dumps(dict(value), option=orjson.OPT_SORT_KEYS).decode()
    return value
