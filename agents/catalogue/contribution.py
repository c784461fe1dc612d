"""PURE: what the catalogue merges, per instance guid: contributions, their keys, their guids.

A *contribution* is what one source says about one instance (an entity or a relationship) at
one time: its deterministic guid, its Egeria type, and some of its values. `state.merge`
folds every contribution for a guid into that instance; `state.settle` decides what the
cohort is told. Everything about one element is keyed by its guid, so one writer (the
partition that owns the guid) sees it all, in order.

Value keys:

- `p:{name}` an entity or relationship property (`p:qualifiedName`, `p:description`);
- `a:{name}` an entry of its `additionalProperties` map;
- `c:{name}` a classification: its properties, or None once removed;
- `s:` the instance's status: `ACTIVE` (every create or update says so), `DELETED` (a soft
  delete) or `PURGED` (gone for good). An instance nothing ever created is never published.

A key whose name starts with `^` (`a:^startTime`) keeps its *earliest* value instead of its
latest: a fact about the first time something happened.

Guids are uuid5 of the qualified name for entities and of `{type}:{end1}:{end2}` for
relationships, in a namespace fixed forever, so every replica and every replay names an
instance the same.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

GUID_NAMESPACE = uuid.UUID("0b9f3a52-6e0d-5c1e-8f7a-4c2d9e1b7a30")
"""uuid5 namespace of every guid the catalogue mints: never change it (guids would move)."""

P, A, C = "p:", "a:", "c:"
STATUS = "s:"
EARLIEST = "^"

ACTIVE, DELETED, PURGED = "ACTIVE", "DELETED", "PURGED"
STATUSES = (ACTIVE, DELETED, PURGED)

NS_KEY, NAME_KEY, FIELD_KEY = "openLineageNamespace", "openLineageName", "openLineageField"
"""Additional properties recording the third party's identity of an element (OpenLineage
calls the source a namespace): the lineage graph names its nodes with them."""

ENTITY, RELATIONSHIP = "entity", "relationship"


def clean_text(value: str) -> str:
    """The string with every lone surrogate replaced by U+FFFD (they cannot be encoded as
    UTF-8, so they could be neither hashed into a guid nor written as JSON)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def clean_value(value: Any) -> Any:
    """`clean_text` applied to every string in a value (dict keys included); a value JSON
    can hold as it is (nearly all) is returned as it is."""
    try:
        orjson.dumps(value)
    except TypeError:
        return _clean(value)
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def qualified_name(type_name: str, source: str, identifier: str) -> str:
    """`{type}::{source}::{id}`: Egeria's OpenLineage cataloguer convention for the elements it creates."""
    return f"{type_name}::{source}::{identifier}"


def entity_guid(qualified: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, clean_text(qualified)))


def relationship_guid(type_name: str, end1: str, end2: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{type_name}:{end1}:{end2}"))


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity the catalogue knows by guid: what a relationship's end (a proxy) carries."""

    guid: str
    type_name: str
    qualified_name: str


@dataclass(slots=True)
class Contribution:
    """What one source says about one instance at one time (epoch ms)."""

    kind: str  # ENTITY | RELATIONSHIP
    guid: str
    type_name: str
    time: int
    values: dict[str, Any] = field(default_factory=dict)
    end1: EntityRef | None = None
    end2: EntityRef | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "guid": self.guid,
            "type": self.type_name,
            "t": self.time,
            "values": self.values,
        }
        for key, end in (("end1", self.end1), ("end2", self.end2)):
            if end is not None:
                data[key] = [end.guid, end.type_name, end.qualified_name]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Contribution:
        ends = [EntityRef(*data[k]) if data.get(k) else None for k in ("end1", "end2")]
        return cls(
            kind=data["kind"],
            guid=data["guid"],
            type_name=data["type"],
            time=int(data["t"]),
            values=dict(data.get("values") or {}),
            end1=ends[0],
            end2=ends[1],
        )
