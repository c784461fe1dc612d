"""PURE: the catalogue's read model - what `find` answers and what removals cascade through.

`apply_event(kv, event)` folds one OMRS instance event into a key-value store
(`runtime.kv.KeyValue`); `KeyValueCatalogue(kv)` answers queries from it. Fed with the
instance events of the cohort topics (this server's own come back through them like any
member's), every replica holds the same read model once it has read the same records: the
latest version of each entity and relationship, an older or repeated version changing
nothing, a delete or purge removing it.

Keys (UTF-8; `\\0` separates parts that may hold any character):

| key | value |
|---|---|
| `e/{guid}` | an entity: type, qualified name, properties, classification names, version |
| `r/{guid}` | a relationship: type, both ends (guid, type, qualified name), properties, version |
| `l/{entity guid}\\0{relationship guid}` | empty: the relationships of each entity (either end) |
| `q/{qualifiedName}\\0{guid}` | empty: entities by qualified name |
| `i/{source}\\0{id}\\0{guid}` | empty: entities by the third party's identity (`openLineageNamespace/Name`) |
| `a/{source}\\0{id}\\0{guid}` | JSON `[source, id]`: the identity an alias (`symlink:` entry) names |
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import orjson

from agents.catalogue.contribution import NAME_KEY, NS_KEY, EntityRef
from runtime.kv import KeyValue
from schemas import open_metadata_types
from schemas.json_text import dump_json
from schemas.omrs import (
    EntityDetail,
    EntityProxy,
    InstanceProperties,
    OMRSEventV1,
    Relationship,
)
from schemas.omrs_instance_changes import InstanceHandlers, apply_instance_event

SYMLINK_PREFIX = "symlink:"
_SEP = "\0"


def symlink_key(namespace: str, name: str) -> str:
    """The additional property recording another name of a dataset: `symlink:{ns}::{name}`."""
    return f"{SYMLINK_PREFIX}{namespace}::{name}"


def parse_symlink_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(SYMLINK_PREFIX) or "::" not in key:
        return None
    namespace, _, name = key[len(SYMLINK_PREFIX) :].partition("::")
    return namespace, name


@dataclass(frozen=True, slots=True)
class ElementSummary:
    """An entity as the read model holds it."""

    guid: str
    type_name: str
    qualified_name: str
    properties: dict[str, Any]
    classifications: tuple[str, ...]
    version: int
    home: str | None

    @property
    def ref(self) -> EntityRef:
        return EntityRef(self.guid, self.type_name, self.qualified_name)

    @property
    def additional(self) -> dict[str, Any]:
        value = self.properties.get("additionalProperties")
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class RelationshipSummary:
    """A relationship as the read model holds it."""

    guid: str
    type_name: str
    end1: EntityRef
    end2: EntityRef
    properties: dict[str, Any]
    version: int

    def other(self, guid: str) -> EntityRef:
        """The end that is not `guid`."""
        return self.end2 if self.end1.guid == guid else self.end1


class CatalogueReader(Protocol):
    """What the cataloguing API reads: elements, their relationships, dataset aliases."""

    def element(self, guid: str) -> ElementSummary | None: ...

    def relationships(self, guid: str, type_name: str | None = None) -> list[RelationshipSummary]: ...

    def resolve_alias(self, namespace: str, name: str) -> tuple[str, str] | None: ...


# ---------------------------------------------------------------------------------- values


def _plain(props: InstanceProperties | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in ((props.instance_properties or {}) if props else {}).items():
        out[name] = _plain_value(value)
    return out


def _plain_value(value: Any) -> Any:
    category = getattr(value, "instance_property_category", None)
    name = getattr(category, "value", category)
    if name == "PRIMITIVE":
        return value.primitive_value
    if name == "ENUM":
        return value.symbolic_name
    if name == "MAP":
        return _plain(value.map_values)
    if name == "STRUCT":
        return _plain(value.attributes)
    if name == "ARRAY":
        items = _plain(value.array_values)
        return [items[k] for k in sorted(items, key=lambda k: int(k) if k.isdigit() else 0)]
    return None


def _enc(*parts: str) -> bytes:
    return _SEP.join(parts).encode("utf-8", "surrogatepass")


def _ref(proxy: EntityProxy) -> EntityRef:
    qualified = _plain(proxy.unique_properties).get("qualifiedName") or proxy.guid or ""
    type_name = (proxy.type.type_def_name or "") if proxy.type else ""
    return EntityRef(proxy.guid or "", type_name, str(qualified))


# ---------------------------------------------------------------------------------- updates


def apply_event(kv: KeyValue, event: OMRSEventV1) -> bool:
    """Fold one OMRS event in; True when it was an instance event the read model used."""
    return apply_instance_event(
        event,
        InstanceHandlers(
            put_entity=partial(_put_entity, kv),
            remove_entity=partial(_remove_entity, kv),
            put_relationship=partial(_put_relationship, kv),
            remove_relationship=partial(_remove_relationship, kv),
        ),
    )


def _index_keys(guid: str, data: dict[str, Any]) -> list[bytes]:
    keys = [b"q/" + _enc(data["qn"], guid)]
    extra = data["props"].get("additionalProperties")
    extra = extra if isinstance(extra, dict) else {}
    if NS_KEY in extra and NAME_KEY in extra:
        keys.append(b"i/" + _enc(str(extra[NS_KEY]), str(extra[NAME_KEY]), guid))
    for key in extra:
        alias = parse_symlink_key(str(key))
        if alias is not None:
            keys.append(b"a/" + _enc(alias[0], alias[1], guid))
    return keys


def _put_entity(kv: KeyValue, bean: EntityDetail) -> None:
    guid = bean.guid
    if not guid:
        return
    held = _load(kv, b"e/" + _enc(guid))
    version = bean.version or 0
    if held is not None and version < held["version"]:
        return
    props = _plain(bean.properties)
    data = {
        "type": (bean.type.type_def_name or "") if bean.type else "",
        "qn": str(props.get("qualifiedName") or guid),
        "props": props,
        "cls": sorted(c.name for c in bean.classifications or [] if c.name),
        "version": version,
        "home": bean.metadata_collection_id,
    }
    if held is not None:
        for key in _index_keys(guid, held):
            kv.delete(key)
    kv.put(b"e/" + _enc(guid), dump_json(data))
    extra = props.get("additionalProperties")
    extra = extra if isinstance(extra, dict) else {}
    identity = (str(extra.get(NS_KEY)), str(extra.get(NAME_KEY))) if NS_KEY in extra else None
    for key in _index_keys(guid, data):
        value = dump_json(list(identity)) if key.startswith(b"a/") and identity else b""
        kv.put(key, value)


def _remove_entity(kv: KeyValue, guid: str | None) -> None:
    if not guid:
        return
    held = _load(kv, b"e/" + _enc(guid))
    if held is None:
        return
    for key in _index_keys(guid, held):
        kv.delete(key)
    kv.delete(b"e/" + _enc(guid))


def _put_relationship(kv: KeyValue, rel: Relationship) -> None:
    one, two = rel.entity_one_proxy, rel.entity_two_proxy
    if not rel.guid or one is None or two is None or not one.guid or not two.guid:
        return
    held = _load(kv, b"r/" + _enc(rel.guid))
    if held is not None and (rel.version or 0) < held["version"]:
        return
    if held is not None:
        _unlink(kv, rel.guid, held)
    end1, end2 = _ref(one), _ref(two)
    data = {
        "type": (rel.type.type_def_name or "") if rel.type else "",
        "end1": [end1.guid, end1.type_name, end1.qualified_name],
        "end2": [end2.guid, end2.type_name, end2.qualified_name],
        "props": _plain(rel.properties),
        "version": rel.version or 0,
    }
    kv.put(b"r/" + _enc(rel.guid), dump_json(data))
    for end in (end1, end2):
        kv.put(b"l/" + _enc(end.guid, rel.guid), b"")


def _remove_relationship(kv: KeyValue, guid: str | None) -> None:
    if not guid:
        return
    held = _load(kv, b"r/" + _enc(guid))
    if held is not None:
        _unlink(kv, guid, held)
        kv.delete(b"r/" + _enc(guid))


def _unlink(kv: KeyValue, guid: str, held: dict[str, Any]) -> None:
    for end in (held["end1"], held["end2"]):
        kv.delete(b"l/" + _enc(end[0], guid))


def _load(kv: KeyValue, key: bytes) -> dict[str, Any] | None:
    raw = kv.get(key)
    if raw is None:
        return None
    data: dict[str, Any] = orjson.loads(raw)
    return data


# ---------------------------------------------------------------------------------- queries


class KeyValueCatalogue:
    """Queries over a read model kept by `apply_event` (the `CatalogueReader` of the API)."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    def apply(self, event: OMRSEventV1) -> bool:
        return apply_event(self.kv, event)

    def element(self, guid: str) -> ElementSummary | None:
        data = _load(self.kv, b"e/" + _enc(guid))
        if data is None:
            return None
        return ElementSummary(
            guid=guid,
            type_name=data["type"],
            qualified_name=data["qn"],
            properties=data["props"],
            classifications=tuple(data["cls"]),
            version=data["version"],
            home=data.get("home"),
        )

    def relationship(self, guid: str) -> RelationshipSummary | None:
        data = _load(self.kv, b"r/" + _enc(guid))
        if data is None:
            return None
        return RelationshipSummary(
            guid=guid,
            type_name=data["type"],
            end1=EntityRef(*data["end1"]),
            end2=EntityRef(*data["end2"]),
            properties=data["props"],
            version=data["version"],
        )

    def relationships(self, guid: str, type_name: str | None = None) -> list[RelationshipSummary]:
        """Every relationship with `guid` at either end (of that type, subtypes included)."""
        prefix = b"l/" + _enc(guid) + _SEP.encode()
        found = []
        for key, _ in self.kv.scan(prefix):
            rel = self.relationship(key[len(prefix) :].decode("utf-8", "surrogatepass"))
            if rel is not None and (type_name is None or _is_a(rel.type_name, type_name)):
                found.append(rel)
        return found

    def related(self, guid: str, type_name: str, *, at_end: int) -> list[EntityRef]:
        """The entities at end `at_end` (1 or 2) of `guid`'s relationships of a type, `guid` at the other."""
        ends = []
        for rel in self.relationships(guid, type_name):
            here, there = (rel.end2, rel.end1) if at_end == 1 else (rel.end1, rel.end2)
            if here.guid == guid:
                ends.append(there)
        return ends

    def by_qualified_name(self, qualified: str) -> list[ElementSummary]:
        return self._elements(b"q/" + _enc(qualified) + _SEP.encode())

    def by_identity(self, source: str, identifier: str) -> list[ElementSummary]:
        """Elements catalogued under the third party's (source, id)."""
        return self._elements(b"i/" + _enc(source, identifier) + _SEP.encode())

    def resolve_alias(self, namespace: str, name: str) -> tuple[str, str] | None:
        """The (source, id) of the element another name is an alias of (the smallest guid's)."""
        for _, value in self.kv.scan(b"a/" + _enc(namespace, name) + _SEP.encode()):
            if value:
                source, identifier = orjson.loads(value)
                return str(source), str(identifier)
        return None

    def find(self, search: str, type_name: str | None = None, limit: int = 100) -> list[ElementSummary]:
        """Elements (of a type, subtypes included) whose qualified name matches `search`, a
        regular expression as Egeria's find operations take it; an invalid one is matched literally."""
        try:
            pattern = re.compile(search)
        except re.error:
            pattern = re.compile(re.escape(search))
        found: list[ElementSummary] = []
        for key, _ in self.kv.scan(b"q/"):
            qualified, _, guid = key[2:].decode("utf-8", "surrogatepass").rpartition(_SEP)
            if not pattern.search(qualified):
                continue
            element = self.element(guid)
            if element is not None and (type_name is None or _is_a(element.type_name, type_name)):
                found.append(element)
                if len(found) >= limit:
                    break
        return found

    def _elements(self, prefix: bytes) -> list[ElementSummary]:
        found = []
        for key, _ in self.kv.scan(prefix):
            element = self.element(key[len(prefix) :].decode("utf-8", "surrogatepass"))
            if element is not None:
                found.append(element)
        return found

    def iter_guids(self) -> Iterator[str]:
        for key, _ in self.kv.scan(b"e/"):
            yield key[2:].decode("utf-8", "surrogatepass")


def _is_a(type_name: str, wanted: str) -> bool:
    return open_metadata_types.is_kind_of(type_name, (), frozenset({wanted}))
