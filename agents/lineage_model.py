"""PURE: the lineage graph of a cohort, built from OMRS instance events, kept in a KeyValue store.

Every member's instance events go in (`LineageGraph.apply`); Marquez-shaped answers come out
(`LineageGraph.lineage`, or `agents.explorer.lineage` over this graph and the OpenLineage
read model together, through `LineageGraph.source()`). The graph holds the latest version of
each entity and relationship (an older or repeated version changes nothing, a delete
removes it), so it is the same on every replica that has read the same topic, whatever it
read twice.

Nodes, as Marquez names them:
- `job:{ns}:{name}`: a Process (any subtype);
- `dataset:{ns}:{name}`: any other element at an end of a lineage relationship (assets, ports);
- `datasetField:{ns}:{name}:{field}`: a schema attribute (a column), for column lineage.

`{ns}` and `{name}` come from the OpenLineage identity this server records on what it
catalogues (`additionalProperties.openLineageNamespace/Name/Field`), else from a qualified
name of the form `{type}::{ns}::{name}` (Egeria's OpenLineage cataloguer convention), else
`egeria:{home collection}` and the qualified name. Several elements with one node id (the
same table shared by two members, or a table also catalogued under a symlinked name) are
one node. A dataset declares its other names in `additionalProperties` (`symlink:{ns}::{name}`);
when several elements declare one name, the one with the smallest guid decides.

Edges: `DataFlow` and `LineageMapping` between datasets and jobs (the graph), and
`LineageMapping` between columns (column lineage); `ProcessHierarchy` gives a job its
parent and children. A column another member catalogued without an OpenLineage identity is
placed by its links: `AttributeForSchema` / `NestedSchemaAttribute` up to a schema type,
`AssetSchemaType` (Egeria 6: `Schema`) up to its asset. Both releases' layouts are read: a
name from `displayName` (Egeria 6) or `name`, a column's position from the column (Egeria 5)
or from the relationship to its parent (Egeria 6).

The index is incremental: a change re-derives the node of the elements it can move (the
element, the columns below it, the elements whose name an alias changed) and re-points only
their relationships, so the cost of an event does not grow with the graph. Key layout (tags
under `c/`, components as `agents.explorer.keys.key`):

| tag | components | value |
|---|---|---|
| `c/el/` | guid | element |
| `c/lk/` | guid | relationship |
| `c/end/` | element guid, relationship guid | the relationship's type: relationships by end |
| `c/node/` | element guid | its node id |
| `c/mem/` | node id, element guid | empty: members of a node |
| `c/id/` | node id | (namespace, name) of a dataset or job node, or (ns, name, path) of a column |
| `c/sum/` | node id | what an answer says of a node, from its members (guids, type, description, owner...) |
| `c/raw/` | ns, name, element guid | empty: elements whose own identity names that dataset (re-derived when an alias of it changes) |
| `c/rawof/` | element guid | the element's `c/raw/` key |
| `c/al/` | ns, name, declaring guid | the (ns, name) that name is an alias of |
| `c/alr/` | node id, ns, name, declaring guid | empty: aliases by the node they name |
| `c/fld/` | dataset node, column node | empty: the columns of a dataset |
| `c/le/` | relationship guid | the edge it makes: [`e`/`f`, from node, to node] |
| `c/e/`, `c/f/` | node, `o`/`i`, node, relationship guid | graph / column edges, both ways (one scan reads a node's); value: since (the relationship's create time) |
| `c/n/` | what | counts: `el`, `lk`, `applied` |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from agents.catalogue.mapping import FIELD_KEY, NAME_KEY, NS_KEY, parse_symlink_key
from agents.explorer import marquez
from agents.explorer.keys import canonical, key, normal_time, parts
from agents.explorer.lineage import (
    DEFAULT_DEPTH,
    IN,
    MAX_DEPTH,
    FieldInfo,
    NodeIdError,
    NodeNotFound,
    check_node_id,
)
from agents.explorer.lineage import lineage as union_lineage
from runtime.kv import KeyValue, MemoryKeyValue
from schemas import open_metadata_types
from schemas.omrs import (
    ArrayPropertyValue,
    EntityDetail,
    EntityProxy,
    EnumPropertyValue,
    InstanceProperties,
    InstanceType,
    MapPropertyValue,
    OMRSEventV1,
    PrimitivePropertyValue,
    Relationship,
    StructPropertyValue,
)
from schemas.omrs_instance_changes import InstanceHandlers, apply_instance_event

__all__ = [
    "DEFAULT_DEPTH",
    "MAX_DEPTH",
    "CohortGraph",
    "Element",
    "LineageGraph",
    "Link",
    "NodeIdError",
    "NodeNotFound",
    "plain",
]

JOB, DATASET, FIELD, SCHEMA, OTHER = "JOB", "DATASET", "DATASET_FIELD", "SCHEMA", "OTHER"
GRAPH_EDGE_TYPES = frozenset({"DataFlow", "LineageMapping"})
PARENT_LINKS = ("AttributeForSchema", "NestedSchemaAttribute")
ASSET_SCHEMA_LINKS = ("AssetSchemaType", "Schema")
STRUCTURE_TYPES = frozenset({*PARENT_LINKS, *ASSET_SCHEMA_LINKS})
_PROCESS = frozenset({"Process"})
_ATTRIBUTE = frozenset({"SchemaAttribute"})
_SCHEMA_TYPE = frozenset({"SchemaType"})
_NOT_NODES = frozenset({"Port", "TransientEmbeddedProcess"})
_MAX_NESTING = 32


T_ELEMENT = b"c/el/"
T_LINK = b"c/lk/"
T_END = b"c/end/"
T_NODE = b"c/node/"
T_MEMBER = b"c/mem/"
T_IDENT = b"c/id/"
T_RAW = b"c/raw/"
T_RAW_OF = b"c/rawof/"
T_ALIAS = b"c/al/"
T_ALIAS_OF = b"c/alr/"
T_FIELDS = b"c/fld/"
T_LINK_EDGE = b"c/le/"
T_EDGE = b"c/e/"
T_FIELD_EDGE = b"c/f/"
T_COUNT = b"c/n/"
T_SUMMARY = b"c/sum/"
OUT, INTO = "o", "i"


def plain(props: InstanceProperties | None) -> dict[str, Any]:
    """InstanceProperties as plain Python values."""
    out: dict[str, Any] = {}
    for name, value in ((props.instance_properties or {}) if props else {}).items():
        out[name] = _plain_value(value)
    return out


def _plain_value(value: Any) -> Any:
    if isinstance(value, PrimitivePropertyValue):
        return value.primitive_value
    if isinstance(value, EnumPropertyValue):
        return value.symbolic_name
    if isinstance(value, MapPropertyValue):
        return plain(value.map_values)
    if isinstance(value, StructPropertyValue):
        return plain(value.attributes)
    if isinstance(value, ArrayPropertyValue):
        items = plain(value.array_values)
        return [items[k] for k in sorted(items, key=lambda k: int(k) if k.isdigit() else 0)]
    return None


def text(value: Any) -> str | None:
    """A property value where Marquez's shapes hold text: a string as it is, any other value
    (another member may type a description or a formula as a number) as its JSON."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _type_info(t: InstanceType | None) -> tuple[str, str]:
    """The type name of an instance and the kind of node it makes."""
    if t is None:
        return "", DATASET
    name = t.type_def_name or ""
    return name, _kind(name, tuple([s.name for s in t.type_def_super_types or [] if s.name]))


@lru_cache(maxsize=1024)
def _kind(type_name: str, supers: tuple[str, ...]) -> str:
    """Once per (type, super types): every instance of a type asks the same questions. Ports
    and run records (transient processes) are no nodes of the graph."""
    if open_metadata_types.is_kind_of(type_name, supers, _NOT_NODES):
        return OTHER
    if open_metadata_types.is_kind_of(type_name, supers, _PROCESS):
        return JOB
    if open_metadata_types.is_kind_of(type_name, supers, _ATTRIBUTE):
        return FIELD
    if open_metadata_types.is_kind_of(type_name, supers, _SCHEMA_TYPE):
        return SCHEMA
    return DATASET


def _millis_time(value: int | None) -> str | None:
    if value is None:
        return None
    return normal_time(datetime.fromtimestamp(value / 1000, tz=UTC))


@dataclass
class Element:
    guid: str
    type_name: str
    kind: str
    props: dict[str, Any]
    home: str | None
    home_name: str | None
    version: int
    proxy: bool = False
    classifications: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def additional(self) -> dict[str, Any]:
        value = self.props.get("additionalProperties")
        return value if isinstance(value, dict) else {}

    @property
    def qualified_name(self) -> str:
        return str(self.props.get("qualifiedName") or self.guid)

    def identity(self) -> tuple[str, str]:
        """(namespace, name) of a dataset or job node."""
        extra = self.additional
        if NS_KEY in extra and NAME_KEY in extra:
            return str(extra[NS_KEY]), str(extra[NAME_KEY])
        parts_ = self.qualified_name.split("::")
        if len(parts_) >= 3:
            return parts_[1], "::".join(parts_[2:])
        return f"egeria:{self.home_name or self.home or 'unknown'}", self.qualified_name

    def field_identity(self) -> tuple[str, str, str] | None:
        extra = self.additional
        if NS_KEY in extra and NAME_KEY in extra and FIELD_KEY in extra:
            return str(extra[NS_KEY]), str(extra[NAME_KEY]), str(extra[FIELD_KEY])
        return None

    def aliases(self) -> set[tuple[str, str]]:
        """The other names this dataset declares (`symlink:{ns}::{name}` additional properties)."""
        if self.kind != DATASET:
            return set()
        return {alias for k in self.additional if (alias := parse_symlink_key(k)) is not None}

    def label(self) -> str:
        return str(self.props.get("displayName") or self.props.get("name") or self.qualified_name)


@dataclass
class Link:
    guid: str
    type_name: str
    end1: str
    end2: str
    props: dict[str, Any]
    version: int
    created: str | None = None


def _element(raw: bytes) -> Element:
    return Element(**orjson.loads(raw))


def _link(raw: bytes) -> Link:
    return Link(**orjson.loads(raw))


class _Records(Mapping[str, Any]):
    """The elements (or relationships) of the graph by guid, read from the store."""

    def __init__(self, graph: LineageGraph, tag: bytes, count_name: str, decode: Any) -> None:
        self._graph, self._tag, self._count, self._decode = graph, tag, count_name, decode

    def __getitem__(self, guid: str) -> Any:
        raw = self._graph.kv.get(key(self._tag, guid))
        if raw is None:
            raise KeyError(guid)
        return self._decode(raw)

    def __iter__(self) -> Iterator[str]:
        for raw, _ in self._graph.kv.scan(self._tag):
            yield parts(raw, self._tag)[0]

    def __len__(self) -> int:
        return self._graph.count(self._count)


class LineageGraph:
    """Entities and relationships of every member, kept at their latest version, indexed."""

    def __init__(self, kv: KeyValue | None = None) -> None:
        self.kv: KeyValue = kv if kv is not None else MemoryKeyValue()
        self.elements: Mapping[str, Element] = _Records(self, T_ELEMENT, "el", _element)
        self.links: Mapping[str, Link] = _Records(self, T_LINK, "lk", _link)

    # ------------------------------------------------------------------ small helpers

    def count(self, name: str) -> int:
        held = self.kv.get(key(T_COUNT, name))
        return int(held) if held else 0

    def _bump(self, name: str, delta: int = 1) -> None:
        self.kv.put(key(T_COUNT, name), str(self.count(name) + delta).encode())

    @property
    def applied(self) -> int:
        """Instance events the graph used."""
        return self.count("applied")

    def element(self, guid: str) -> Element | None:
        raw = self.kv.get(key(T_ELEMENT, guid))
        return None if raw is None else _element(raw)

    def link(self, guid: str) -> Link | None:
        raw = self.kv.get(key(T_LINK, guid))
        return None if raw is None else _link(raw)

    def node_of(self, guid: str) -> str | None:
        raw = self.kv.get(key(T_NODE, guid))
        return None if raw is None else raw.decode()

    def links_of(self, guid: str, type_name: str | None = None) -> list[Link]:
        found = []
        for raw, kind in self.kv.scan(key(T_END, guid)):
            if type_name is not None and kind.decode() != type_name:
                continue
            lk = self.link(parts(raw, T_END)[1])
            if lk is not None and (type_name is None or lk.type_name == type_name):
                found.append(lk)
        return found

    def members(self, node: str) -> list[str]:
        return [parts(raw, T_MEMBER)[1] for raw, _ in self.kv.scan(key(T_MEMBER, node))]

    def ident(self, node: str) -> list[str] | None:
        raw = self.kv.get(key(T_IDENT, node))
        return None if raw is None else list(orjson.loads(raw))

    def resolve_alias(self, namespace: str, name: str) -> tuple[str, str] | None:
        """The canonical (namespace, name) a dataset name is an alias of, if one is catalogued."""
        for _, value in self.kv.scan(key(T_ALIAS, namespace, name)):
            ns, nm = orjson.loads(value)
            return str(ns), str(nm)
        return None

    # ------------------------------------------------------------------ updates

    def apply(self, event: OMRSEventV1) -> bool:
        """Fold one OMRS event in; True when it was an instance event the graph used."""
        used = apply_instance_event(
            event,
            InstanceHandlers(
                put_entity=self._upsert_entity,
                remove_entity=self._remove_entity,
                put_relationship=self._upsert_link,
                remove_relationship=self._remove_link,
            ),
        )
        if used:
            self._bump("applied")
        return used

    def _upsert_entity(self, bean: EntityDetail | EntityProxy, proxy: bool = False) -> None:
        guid = bean.guid
        if not guid:
            return
        held = self.element(guid)
        version = bean.version or 0
        if held is not None and not held.proxy and (proxy or version < held.version):
            return
        type_name, kind = _type_info(bean.type)
        props = plain(bean.unique_properties if isinstance(bean, EntityProxy) else bean.properties)
        if held is not None and proxy and held.proxy:
            props = {**held.props, **props}
        classes = {c.name: plain(c.properties) for c in bean.classifications or [] if c.name}
        element = Element(
            guid=guid,
            type_name=type_name,
            kind=kind,
            props=props,
            home=bean.metadata_collection_id,
            home_name=bean.metadata_collection_name,
            version=version,
            proxy=proxy,
            classifications=classes,
        )
        if held is not None and held == element:
            return
        if held is None:
            self._bump("el")
        self.kv.put(key(T_ELEMENT, guid), canonical(vars(element)))
        self._changed(guid, held, element)

    def _remove_entity(self, guid: str | None) -> None:
        held = self.element(guid) if guid else None
        if held is None or guid is None:
            return
        self.kv.delete(key(T_ELEMENT, guid))
        self._bump("el", -1)
        self._changed(guid, held, None)

    def _upsert_link(self, rel: Relationship) -> None:
        guid = rel.guid
        one, two = rel.entity_one_proxy, rel.entity_two_proxy
        if not guid or one is None or two is None or not one.guid or not two.guid:
            return
        held = self.link(guid)
        if held is not None and (rel.version or 0) < held.version:
            return
        for end in (one, two):
            self._upsert_entity(end, proxy=True)
        link = Link(
            guid,
            (rel.type.type_def_name or "") if rel.type else "",
            one.guid,
            two.guid,
            plain(rel.properties),
            rel.version or 0,
            _millis_time(rel.create_time),
        )
        if held is not None and held == link:
            return
        if held is None:
            self._bump("lk")
        else:
            self._unlink(held)
        self.kv.put(key(T_LINK, guid), canonical(vars(link)))
        self.kv.put(key(T_END, link.end1, guid), link.type_name.encode())
        self.kv.put(key(T_END, link.end2, guid), link.type_name.encode())
        self._index_link(guid)
        if link.type_name in STRUCTURE_TYPES:
            self._renode_below(link.end2)

    def _remove_link(self, guid: str | None) -> None:
        held = self.link(guid) if guid else None
        if held is None or guid is None:
            return
        self.kv.delete(key(T_LINK, guid))
        self._bump("lk", -1)
        self._unlink(held)

    def _unlink(self, link: Link) -> None:
        self.kv.delete(key(T_END, link.end1, link.guid))
        self.kv.delete(key(T_END, link.end2, link.guid))
        self._index_link(link.guid)
        if link.type_name in STRUCTURE_TYPES:
            self._renode_below(link.end2)

    # ------------------------------------------------------------------ the index

    def _changed(self, guid: str, held: Element | None, element: Element | None) -> None:
        """Re-derive what an element's change can move: its aliases' namesakes, its node and
        the columns below it."""
        old = held.aliases() if held else set()
        new = element.aliases() if element else set()
        own = element.identity() if element and element.kind == DATASET else None
        old_own = held.identity() if held and held.kind == DATASET else None
        moved: set[tuple[str, str]] = set()
        for alias in old | new:
            before = old_own if alias in old else None
            after = own if alias in new else None
            if before == after:
                continue
            if before is not None:
                self.kv.delete(key(T_ALIAS, *alias, guid))
                self.kv.delete(key(T_ALIAS_OF, marquez.node_id("dataset", *before), *alias, guid))
            if after is not None:
                self.kv.put(key(T_ALIAS, *alias, guid), canonical(list(after)))
                self.kv.put(key(T_ALIAS_OF, marquez.node_id("dataset", *after), *alias, guid), b"")
            moved.add(alias)
        for alias in sorted(moved):
            for raw, _ in list(self.kv.scan(key(T_RAW, *alias))):
                other = parts(raw, T_RAW)[2]
                if other != guid:
                    self._renode_below(other)
        self._renode_below(guid)

    def _raw_identity(self, element: Element) -> tuple[str, str] | None:
        if element.kind == DATASET:
            return element.identity()
        if element.kind == FIELD:
            found = element.field_identity()
            return (found[0], found[1]) if found else None
        return None

    def _renode_below(self, guid: str) -> None:
        """Re-derive the node of an element and of every column below it (schema links)."""
        queue, seen = [guid], {guid}
        while queue:
            current = queue.pop(0)
            self._renode(current)
            for lk in self.links_of(current):
                if lk.type_name in STRUCTURE_TYPES and lk.end1 == current and lk.end2 not in seen:
                    seen.add(lk.end2)
                    queue.append(lk.end2)

    def _renode(self, guid: str) -> None:
        element = self.element(guid)
        old_raw = self.kv.get(key(T_NODE, guid))
        old = old_raw.decode() if old_raw is not None else None
        new, ident = self._derive(element) if element is not None else (None, None)
        raw_key = None
        if element is not None and (found := self._raw_identity(element)) is not None:
            raw_key = key(T_RAW, *found, guid)
        self._update_raw(guid, raw_key)
        if old == new:
            if new is not None and ident is not None:
                self._set_ident(new, ident)
                self._summarise(new)
            return
        if old is not None:
            self.kv.delete(key(T_NODE, guid))
            self.kv.delete(key(T_MEMBER, old, guid))
            self._forget_node(old)
            self._summarise(old)
        if new is not None and ident is not None:
            self.kv.put(key(T_NODE, guid), new.encode())
            self.kv.put(key(T_MEMBER, new, guid), b"")
            self._set_ident(new, ident)
            self._summarise(new)
        for raw, _ in list(self.kv.scan(key(T_END, guid))):
            self._index_link(parts(raw, T_END)[1])

    def _summarise(self, node: str) -> None:
        """Keep `c/sum/`: what an answer says of a node from its members (the full entity
        first, then by guid), so a query reads one value instead of every member."""
        members = [e for e in (self.element(g) for g in self.members(node)) if e is not None]
        members.sort(key=lambda e: (e.proxy, e.guid))
        k = key(T_SUMMARY, node)
        if not members:
            self.kv.delete(k)
            return
        main = members[0]
        extra: dict[str, Any] = {}
        for m in reversed(members):
            extra.update(m.additional)
        summary = {
            "ident": self.ident(node),
            "guids": [m.guid for m in members],
            "typeName": main.type_name,
            "qualifiedName": main.qualified_name,
            "description": next(
                (m.props["description"] for m in members if m.props.get("description")), None
            ),
            "homeMetadataCollectionIds": sorted({m.home for m in members if m.home}),
            "owner": next(
                (
                    m.classifications["Ownership"].get("owner")
                    for m in members
                    if "Ownership" in m.classifications
                ),
                None,
            ),
            "processingType": extra.get("jobType.processingType") or extra.get("processingType"),
            "formula": next((m.props.get("formula") for m in members if m.props.get("formula")), None),
            "dataType": main.classifications.get("TypeEmbeddedAttribute", {}).get("dataType"),
            "position": self._position(main),
        }
        data = canonical(summary)
        if self.kv.get(k) != data:
            self.kv.put(k, data)

    def _position(self, element: Element) -> Any:
        """A column's position: its own property (Egeria 5), else that of the relationship
        from its parent (Egeria 6)."""
        if element.props.get("position") is not None:
            return element.props["position"]
        for type_name in PARENT_LINKS:
            for lk in self.links_of(element.guid, type_name):
                if lk.end2 == element.guid:
                    return lk.props.get("position")
        return None

    def summary(self, node: str) -> dict[str, Any] | None:
        raw = self.kv.get(key(T_SUMMARY, node))
        return None if raw is None else dict(orjson.loads(raw))

    def _update_raw(self, guid: str, raw_key: bytes | None) -> None:
        """Keep the one `c/raw/` entry of an element (its own dataset identity)."""
        marker = key(T_RAW_OF, guid)
        held = self.kv.get(marker)
        if held == raw_key:
            return
        if held:
            self.kv.delete(held)
        if raw_key is None:
            self.kv.delete(marker)
        else:
            self.kv.put(raw_key, b"")
            self.kv.put(marker, raw_key)

    def _set_ident(self, node: str, ident: list[str]) -> None:
        k = key(T_IDENT, node)
        if self.kv.get(k) is None:
            self.kv.put(k, canonical(ident))
            if len(ident) == 3:
                self.kv.put(key(T_FIELDS, marquez.node_id("dataset", ident[0], ident[1]), node), b"")

    def _forget_node(self, node: str) -> None:
        """Drop what a node with no members left kept."""
        for _ in self.kv.scan(key(T_MEMBER, node)):
            return
        ident = self.ident(node)
        self.kv.delete(key(T_IDENT, node))
        if ident is not None and len(ident) == 3:
            self.kv.delete(key(T_FIELDS, marquez.node_id("dataset", ident[0], ident[1]), node))

    def _derive(self, element: Element) -> tuple[str | None, list[str] | None]:
        """The node an element belongs to now, and that node's identity."""
        if element.kind in (DATASET, JOB):
            ns, name = element.identity()
            if element.kind == DATASET:
                ns, name = self.resolve_alias(ns, name) or (ns, name)
            kind = "job" if element.kind == JOB else "dataset"
            return marquez.node_id(kind, ns, name), [ns, name]
        if element.kind != FIELD:
            return None, None
        found = element.field_identity() or self._field_by_links(element)
        if found is None:
            return None, None
        ns, name, path = found
        ns, name = self.resolve_alias(ns, name) or (ns, name)
        return marquez.node_id("datasetField", ns, name, path), [ns, name, path]

    def _field_by_links(self, element: Element) -> tuple[str, str, str] | None:
        """A column another member catalogued: its dataset through its schema, its name by display name."""
        path = [element.label()]
        current, seen = element, {element.guid}
        for _ in range(_MAX_NESTING):
            parent = None
            for lk in self.links_of(current.guid):
                if lk.end2 == current.guid and lk.type_name in PARENT_LINKS:
                    parent = self.element(lk.end1)
                    break
            if parent is None or parent.guid in seen:
                return None
            seen.add(parent.guid)
            if parent.kind == FIELD:
                path.insert(0, parent.label())
                current = parent
                continue
            for lk in (lk for t in ASSET_SCHEMA_LINKS for lk in self.links_of(parent.guid, t)):
                if lk.end2 == parent.guid:
                    node = self.node_of(lk.end1)
                    ident = self.ident(node) if node else None
                    if ident is not None and len(ident) == 2:
                        return ident[0], ident[1], ".".join(path)
            return None
        return None

    def _index_link(self, guid: str) -> None:
        """Point a relationship's edge at the nodes its ends belong to now (or drop it)."""
        marker = key(T_LINK_EDGE, guid)
        held = self.kv.get(marker)
        new = self._edge_of(self.link(guid))
        if held is not None and new is not None and orjson.loads(held) == new:
            return
        if held is not None:
            tag_name, a, b = orjson.loads(held)
            tag = T_EDGE if tag_name == "e" else T_FIELD_EDGE
            self.kv.delete(key(tag, a, OUT, b, guid))
            self.kv.delete(key(tag, b, INTO, a, guid))
            self.kv.delete(marker)
        if new is not None:
            tag_name, a, b = new
            tag = T_EDGE if tag_name == "e" else T_FIELD_EDGE
            link = self.link(guid)
            since = canonical(link.created if link else None)
            self.kv.put(key(tag, a, OUT, b, guid), since)
            self.kv.put(key(tag, b, INTO, a, guid), since)
            self.kv.put(marker, canonical(new))

    def _edge_of(self, link: Link | None) -> list[str] | None:
        if link is None or link.type_name not in GRAPH_EDGE_TYPES:
            return None
        if self.kv.get(key(T_END, link.end1, link.guid)) is None:
            return None
        a, b = self.node_of(link.end1), self.node_of(link.end2)
        if not a or not b or a == b:
            return None
        fields = a.startswith("datasetField:"), b.startswith("datasetField:")
        if fields == (False, False):
            return ["e", a, b]
        if fields == (True, True) and link.type_name == "LineageMapping":
            return ["f", a, b]
        return None

    # ------------------------------------------------------------------ queries

    def source(self) -> CohortGraph:
        """This graph as a source of `agents.explorer.lineage` queries."""
        return CohortGraph(self)

    def find(self, node_id: str) -> str:
        """The node a nodeId names (resolving aliases); NodeIdError or NodeNotFound."""
        check_node_id(node_id)
        found = self.source().find(node_id)
        if found is None:
            raise NodeNotFound(f"no node {node_id!r} in the lineage graph")
        return found

    def lineage(self, node_id: str, depth: int = DEFAULT_DEPTH, as_of: str | None = None) -> dict[str, Any]:
        """The graph around a node, upstream and downstream up to `depth` edges, Marquez-shaped."""
        return union_lineage([self.source()], node_id, depth, as_of)

    def status(self) -> dict[str, int]:
        return {
            "instanceEvents": self.applied,
            "elements": self.count("el"),
            "relationships": self.count("lk"),
        }


class CohortGraph:
    """The cohort's graph as an `agents.explorer.lineage.Source`: make one per query (it
    remembers the edges it read)."""

    def __init__(self, graph: LineageGraph) -> None:
        self.graph = graph
        self.kv = graph.kv
        self._seen: dict[tuple[bytes, str], dict[str, list[tuple[str, str | None]]]] = {}

    def _has(self, node: str) -> bool:
        return self.kv.get(key(T_IDENT, node)) is not None

    def find(self, node_id: str) -> str | None:
        if self._has(node_id):
            return node_id
        kind, _, rest = node_id.partition(":")
        colons = [i for i, ch in enumerate(rest) if ch == ":"]
        if kind == "dataset":
            for i in colons:
                alias = self.graph.resolve_alias(rest[:i], rest[i + 1 :])
                if alias is not None and self._has(marquez.node_id("dataset", *alias)):
                    return marquez.node_id("dataset", *alias)
        if kind == "datasetField":
            for i in colons:
                for j in colons:
                    if j <= i:
                        continue
                    alias = self.graph.resolve_alias(rest[:i], rest[i + 1 : j])
                    if alias is not None:
                        candidate = marquez.node_id("datasetField", *alias, rest[j + 1 :])
                        if self._has(candidate):
                            return candidate
        return None

    def _edges(self, tag: bytes, node: str, direction: str, as_of: str | None) -> list[str]:
        """A node's neighbours one way; one scan reads both ways, remembered for the query."""
        held = self._seen.get((tag, node))
        if held is None:
            held = {OUT: [], INTO: []}
            scope = key(tag, node)
            for raw, value in self.kv.scan(scope):
                side, other, _ = parts(raw[len(scope) :], b"")
                held[side].append((other, orjson.loads(value)))
            self._seen[(tag, node)] = held
        side = INTO if direction == IN else OUT
        return [other for other, since in held[side] if as_of is None or since is None or since <= as_of]

    def neighbours(self, node: str, direction: str, as_of: str | None) -> list[str]:
        return self._edges(T_EDGE, node, direction, as_of)

    def known(self, node: str, direction: str) -> list[str]:
        return []

    def identity(self, node: str) -> tuple[str, str] | None:
        ident = self.graph.ident(node)
        return (ident[0], ident[1]) if ident is not None and len(ident) == 2 else None

    def node_data(
        self, node: str, as_of: str | None, have: frozenset[str] = frozenset()
    ) -> dict[str, Any] | None:
        summary = self.graph.summary(node)
        if summary is None or summary["ident"] is None or len(summary["ident"]) != 2:
            return None
        ns, name = summary["ident"]
        data: dict[str, Any] = {
            "id": {"namespace": ns, "name": name},
            "namespace": ns,
            "name": name,
            "guids": summary["guids"],
            "typeName": summary["typeName"],
            "qualifiedName": summary["qualifiedName"],
            "description": text(summary["description"]),
            "homeMetadataCollectionIds": summary["homeMetadataCollectionIds"],
        }
        if summary["owner"]:
            data["owner"] = text(summary["owner"])
        if node.startswith("job:"):
            data.update(self._job_data(name, summary))
        else:
            data["type"] = marquez.dataset_type(ns)
            if "fields" not in have:
                data["fields"] = [self._field_summary(f) for f in self._fields_of(node)]
            aliases = sorted(f"{a[0]}:{a[1]}" for a in self._aliases_of(node, (ns, name)))
            if aliases:
                data["symlinks"] = aliases
        return data

    def _aliases_of(self, node: str, ident: tuple[str, str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for raw, _ in self.kv.scan(key(T_ALIAS_OF, node)):
            _, alias_ns, alias_name, _guid = parts(raw, T_ALIAS_OF)
            if self.graph.resolve_alias(alias_ns, alias_name) == ident:
                found.add((alias_ns, alias_name))
        return found

    def _job_data(self, name: str, summary: dict[str, Any]) -> dict[str, Any]:
        processing = text(summary["processingType"])
        data: dict[str, Any] = {
            "type": marquez.JOB_TYPE.get(str(processing or "BATCH").upper(), "BATCH"),
            "processingType": processing,
            "simpleName": name,
        }
        if summary["formula"]:
            data["sql"] = text(summary["formula"])
        parents, children = set(), set()
        for guid in summary["guids"]:
            for lk in self.graph.links_of(guid, "ProcessHierarchy"):
                if lk.end2 == guid and (p := self.graph.node_of(lk.end1)):
                    parents.add(p)
                if lk.end1 == guid and (c := self.graph.node_of(lk.end2)):
                    children.add(c)
        parent = self.identity(sorted(parents)[0]) if parents else None
        data["parentJob"] = {"namespace": parent[0], "name": parent[1]} if parent else None
        data["parentJobName"] = parent[1] if parent else None
        data["childJobs"] = [
            {"namespace": i[0], "name": i[1]} for c in sorted(children) if (i := self.identity(c))
        ]
        return data

    def _fields_of(self, node: str) -> list[str]:
        found = [parts(raw, T_FIELDS)[1] for raw, _ in self.kv.scan(key(T_FIELDS, node))]
        return sorted(found, key=self._field_order)

    def _field_order(self, node: str) -> tuple[tuple[int, str], ...]:
        """Columns in schema order: each level by its position, then by name."""
        ident = self.graph.ident(node) or ["", "", ""]
        ns, name, path = ident
        order = []
        pieces = path.split(".")
        for depth in range(1, len(pieces) + 1):
            prefix = ".".join(pieces[:depth])
            summary = self.graph.summary(marquez.node_id("datasetField", ns, name, prefix))
            position = summary.get("position") if summary else None
            order.append((position if isinstance(position, int) else 1 << 30, prefix))
        return tuple(order)

    def _field_summary(self, node: str) -> dict[str, Any]:
        info = self.field_info(node)
        return {
            "name": info.field if info else node,
            "type": info.type if info else None,
            "tags": [],
            "description": info.description if info else None,
            "nodeId": node,
        }

    def field_neighbours(self, node: str, direction: str) -> list[str]:
        return self._edges(T_FIELD_EDGE, node, direction, None)

    def field_info(self, node: str) -> FieldInfo | None:
        ident = self.graph.ident(node)
        if ident is None or len(ident) != 3:
            return None
        summary = self.graph.summary(node) or {}
        return FieldInfo(
            ident[0], ident[1], ident[2], text(summary.get("dataType")), text(summary.get("description"))
        )

    def field_input(self, node: str, source: str) -> dict[str, Any] | None:
        return None

    def dataset_fields(self, node: str) -> list[str]:
        return self._fields_of(node)

    def job_output_fields(self, node: str) -> list[str]:
        found: list[str] = []
        for dataset in self.neighbours(node, "out", None):
            found.extend(self._fields_of(dataset))
        return found
