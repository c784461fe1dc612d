"""PURE: the lineage graph of a cohort, built from OMRS instance events, and its queries.

Every member's instance events go in (`apply`); Marquez-shaped answers come out (`lineage`).
The graph holds the latest version of each entity and relationship (an older or repeated
version changes nothing, a delete removes it), so it is the same on every replica that has
read the same topic, whatever it read twice.

Nodes, as Marquez names them:
- `job:{ns}:{name}`: a Process (any subtype);
- `dataset:{ns}:{name}`: any other element at an end of a lineage relationship (assets, ports);
- `datasetField:{ns}:{name}:{field}`: a schema attribute (a column), for column lineage.

`{ns}` and `{name}` come from the OpenLineage identity this server records on what it
catalogues (`additionalProperties.openLineageNamespace/Name/Field`), else from a qualified
name of the form `{type}::{ns}::{name}` (Egeria's OpenLineage cataloguer convention), else
`egeria:{home collection}` and the qualified name. Several elements with one node id (the
same table shared by two members, or a table also catalogued under a symlinked name) are
one node.

Edges: `DataFlow` and `LineageMapping` between datasets and jobs (the graph), and
`LineageMapping` between columns (column lineage); `ProcessHierarchy` gives a job its
parent and children.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from agents.catalogue.mapping import FIELD_KEY, NAME_KEY, NS_KEY, parse_symlink_key
from schemas import open_metadata_types
from schemas.omrs import (
    ArrayPropertyValue,
    EntityDetail,
    EntityProxy,
    EnumPropertyValue,
    InstanceProperties,
    InstanceType,
    MapPropertyValue,
    OMRSEventCategory,
    OMRSEventV1,
    OMRSInstanceEventType,
    PrimitivePropertyValue,
    Relationship,
    StructPropertyValue,
)

DEFAULT_DEPTH = 20
MAX_DEPTH = 100

JOB, DATASET, FIELD, SCHEMA, OTHER = "JOB", "DATASET", "DATASET_FIELD", "SCHEMA", "OTHER"
GRAPH_EDGE_TYPES = frozenset({"DataFlow", "LineageMapping"})
_PROCESS = frozenset({"Process"})
_ATTRIBUTE = frozenset({"SchemaAttribute"})
_SCHEMA_TYPE = frozenset({"SchemaType"})
_NOT_NODES = frozenset({"Port", "TransientEmbeddedProcess"})

_E = OMRSInstanceEventType
_ENTITY_UPSERTS = frozenset(
    {
        _E.NEW_ENTITY_EVENT, _E.UPDATED_ENTITY_EVENT, _E.UNDONE_ENTITY_EVENT, _E.CLASSIFIED_ENTITY_EVENT,
        _E.DECLASSIFIED_ENTITY_EVENT, _E.RECLASSIFIED_ENTITY_EVENT, _E.RESTORED_ENTITY_EVENT,
        _E.RETYPED_ENTITY_EVENT, _E.RE_HOMED_ENTITY_EVENT, _E.REFRESHED_ENTITY_EVENT,
    }
)  # fmt: skip
_ENTITY_REMOVALS = frozenset({_E.DELETED_ENTITY_EVENT, _E.PURGED_ENTITY_EVENT, _E.DELETE_PURGED_ENTITY_EVENT})
_LINK_UPSERTS = frozenset(
    {
        _E.NEW_RELATIONSHIP_EVENT, _E.UPDATED_RELATIONSHIP_EVENT, _E.UNDONE_RELATIONSHIP_EVENT,
        _E.RESTORED_RELATIONSHIP_EVENT, _E.RETYPED_RELATIONSHIP_EVENT, _E.RE_HOMED_RELATIONSHIP_EVENT,
        _E.REFRESHED_RELATIONSHIP_EVENT,
    }
)  # fmt: skip
_LINK_REMOVALS = frozenset(
    {_E.DELETED_RELATIONSHIP_EVENT, _E.PURGED_RELATIONSHIP_EVENT, _E.DELETE_PURGED_RELATIONSHIP_EVENT}
)


class NodeIdError(ValueError):
    """A nodeId that is not `dataset:{ns}:{name}`, `job:{ns}:{name}` or `datasetField:{ns}:{name}:{field}`."""


class NodeNotFound(LookupError):
    """A well-formed nodeId that names nothing in the graph."""


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
        parts = self.qualified_name.split("::")
        if len(parts) >= 3:
            return parts[1], "::".join(parts[2:])
        return f"egeria:{self.home_name or self.home or 'unknown'}", self.qualified_name

    def field_identity(self) -> tuple[str, str, str] | None:
        extra = self.additional
        if NS_KEY in extra and NAME_KEY in extra and FIELD_KEY in extra:
            return str(extra[NS_KEY]), str(extra[NAME_KEY]), str(extra[FIELD_KEY])
        return None


@dataclass
class Link:
    guid: str
    type_name: str
    end1: str
    end2: str
    props: dict[str, Any]
    version: int


@dataclass
class _Index:
    node_of: dict[str, str] = field(default_factory=dict)  # element guid -> node id
    members: dict[str, set[str]] = field(default_factory=dict)  # node id -> element guids
    aliases: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    fields_of: dict[str, list[str]] = field(default_factory=dict)  # dataset node -> field node ids
    field_info: dict[str, tuple[str, str, str, str]] = field(
        default_factory=dict
    )  # node -> ns, name, field, guid
    ident: dict[str, tuple[str, str]] = field(default_factory=dict)  # dataset/job node -> (ns, name)

    def id_of(self, node: str) -> dict[str, str]:
        ns, name = self.ident[node]
        return {"namespace": ns, "name": name}


class LineageGraph:
    """Entities and relationships of every member, kept at their latest version."""

    def __init__(self) -> None:
        self.elements: dict[str, Element] = {}
        self.links: dict[str, Link] = {}
        self._by_end: dict[str, set[str]] = {}
        self._index: _Index | None = None
        self.applied = 0

    # ------------------------------------------------------------------ updates

    def apply(self, event: OMRSEventV1) -> bool:
        """Fold one OMRS event in; True when it was an instance event the graph used."""
        section = event.instance_event_section
        if event.event_category is not OMRSEventCategory.INSTANCE or section is None or event.error_section:
            return False
        kind = section.event_type
        used = True
        if kind in _ENTITY_UPSERTS and section.entity is not None:
            self._upsert_entity(section.entity)
        elif kind in _ENTITY_REMOVALS:
            self._remove_entity(section.instance_guid or (section.entity.guid if section.entity else None))
        elif kind is _E.RE_IDENTIFIED_ENTITY_EVENT and section.entity is not None:
            self._remove_entity(section.original_instance_guid)
            self._upsert_entity(section.entity)
        elif kind in _LINK_UPSERTS and section.relationship is not None:
            self._upsert_link(section.relationship)
        elif kind in _LINK_REMOVALS:
            self._remove_link(
                section.instance_guid or (section.relationship.guid if section.relationship else None)
            )
        elif kind is _E.RE_IDENTIFIED_RELATIONSHIP_EVENT and section.relationship is not None:
            self._remove_link(section.original_instance_guid)
            self._upsert_link(section.relationship)
        elif kind is _E.BATCH_INSTANCES_EVENT and section.instance_batch is not None:
            for entity in section.instance_batch.entities or []:
                self._upsert_entity(entity)
            for rel in section.instance_batch.relationships or []:
                self._upsert_link(rel)
        else:
            used = False
        if used:
            self.applied += 1
            self._index = None
        return used

    def _upsert_entity(self, bean: EntityDetail | EntityProxy, proxy: bool = False) -> None:
        guid = bean.guid
        if not guid:
            return
        held = self.elements.get(guid)
        version = bean.version or 0
        if held is not None and not held.proxy and (proxy or version < held.version):
            return
        type_name, kind = _type_info(bean.type)
        props = plain(bean.unique_properties if isinstance(bean, EntityProxy) else bean.properties)
        if held is not None and proxy and held.proxy:
            props = {**held.props, **props}
        classes = {c.name: plain(c.properties) for c in bean.classifications or [] if c.name}
        self.elements[guid] = Element(
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

    def _remove_entity(self, guid: str | None) -> None:
        if guid:
            self.elements.pop(guid, None)

    def _upsert_link(self, rel: Relationship) -> None:
        guid = rel.guid
        one, two = rel.entity_one_proxy, rel.entity_two_proxy
        if not guid or one is None or two is None or not one.guid or not two.guid:
            return
        held = self.links.get(guid)
        if held is not None and (rel.version or 0) < held.version:
            return
        for end in (one, two):
            self._upsert_entity(end, proxy=True)
        if held is not None:
            self._unlink(held)
        link = Link(
            guid,
            (rel.type.type_def_name or "") if rel.type else "",
            one.guid,
            two.guid,
            plain(rel.properties),
            rel.version or 0,
        )
        self.links[guid] = link
        self._by_end.setdefault(link.end1, set()).add(guid)
        self._by_end.setdefault(link.end2, set()).add(guid)

    def _remove_link(self, guid: str | None) -> None:
        held = self.links.pop(guid, None) if guid else None
        if held is not None:
            self._unlink(held)

    def _unlink(self, link: Link) -> None:
        for end in (link.end1, link.end2):
            self._by_end.get(end, set()).discard(link.guid)

    def links_of(self, guid: str, type_name: str | None = None) -> list[Link]:
        found = [self.links[g] for g in self._by_end.get(guid, ()) if g in self.links]
        return [lk for lk in found if type_name is None or lk.type_name == type_name]

    # ------------------------------------------------------------------ identity

    def index(self) -> _Index:
        if self._index is None:
            self._index = self._build_index()
        return self._index

    def _build_index(self) -> _Index:
        idx = _Index()
        for el in self.elements.values():
            if el.kind == DATASET:
                for key in el.additional:
                    alias = parse_symlink_key(key)
                    if alias is not None:
                        idx.aliases.setdefault(alias, el.identity())
        for el in sorted(self.elements.values(), key=lambda e: e.guid):
            if el.kind in (DATASET, JOB):
                ns, name = el.identity()
                if el.kind == DATASET:
                    ns, name = idx.aliases.get((ns, name), (ns, name))
                node = f"{'job' if el.kind == JOB else 'dataset'}:{ns}:{name}"
                idx.ident.setdefault(node, (ns, name))
                idx.node_of[el.guid] = node
                idx.members.setdefault(node, set()).add(el.guid)
        for el in sorted(self.elements.values(), key=lambda e: e.guid):
            if el.kind != FIELD:
                continue
            ident = el.field_identity() or self._field_by_links(el, idx)
            if ident is None:
                continue
            ns, name, path = ident
            ns, name = idx.aliases.get((ns, name), (ns, name))
            node = f"datasetField:{ns}:{name}:{path}"
            idx.node_of[el.guid] = node
            idx.members.setdefault(node, set()).add(el.guid)
            idx.field_info[node] = (ns, name, path, el.guid)
            fields = idx.fields_of.setdefault(f"dataset:{ns}:{name}", [])
            if node not in fields:
                fields.append(node)
        for fields in idx.fields_of.values():
            fields.sort(key=lambda f: self._field_order(idx, f))
        return idx

    def _field_order(self, idx: _Index, node: str) -> tuple[tuple[int, str], ...]:
        """Columns in schema order: each level by its position, then by name."""
        ns, name, path, _ = idx.field_info[node]
        key = []
        parts = path.split(".")
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            info = idx.field_info.get(f"datasetField:{ns}:{name}:{prefix}")
            el = self.elements.get(info[3]) if info else None
            position = el.props.get("position") if el else None
            key.append((position if isinstance(position, int) else 1 << 30, prefix))
        return tuple(key)

    def _field_by_links(self, el: Element, idx: _Index) -> tuple[str, str, str] | None:
        """A column another member catalogued: its dataset through its schema, its name by display name."""
        path = [str(el.props.get("displayName") or el.props.get("name") or el.qualified_name)]
        current, seen = el, {el.guid}
        for _ in range(32):
            parent = None
            for lk in self.links_of(current.guid):
                if lk.end2 == current.guid and lk.type_name in (
                    "AttributeForSchema",
                    "NestedSchemaAttribute",
                ):
                    parent = self.elements.get(lk.end1)
                    break
            if parent is None or parent.guid in seen:
                return None
            seen.add(parent.guid)
            if parent.kind == FIELD:
                path.insert(0, str(parent.props.get("displayName") or parent.qualified_name))
                current = parent
                continue
            for lk in self.links_of(parent.guid, "AssetSchemaType"):
                if lk.end2 == parent.guid and lk.end1 in idx.node_of:
                    ns, name = idx.ident[idx.node_of[lk.end1]]
                    return ns, name, ".".join(path)
            return None
        return None

    def resolve_alias(self, namespace: str, name: str) -> tuple[str, str] | None:
        """The canonical (namespace, name) a dataset name is an alias of, if one is catalogued."""
        return self.index().aliases.get((namespace, name))

    # ------------------------------------------------------------------ queries

    def find(self, node_id: str) -> str:
        """The node a nodeId names (resolving aliases); NodeIdError or NodeNotFound."""
        kind, _, rest = node_id.partition(":")
        if kind not in ("dataset", "job", "datasetField") or not rest:
            raise NodeIdError(
                f"nodeId {node_id!r} must be dataset:{{namespace}}:{{name}}, job:{{namespace}}:{{name}} "
                "or datasetField:{namespace}:{name}:{field}"
            )
        needed = 3 if kind == "datasetField" else 2
        if rest.count(":") < needed - 1:
            raise NodeIdError(f"nodeId {node_id!r} has too few parts: {kind} needs {needed} after {kind!r}")
        idx = self.index()
        if node_id in idx.members:
            return node_id
        colons = [i for i, ch in enumerate(rest) if ch == ":"]
        if kind == "dataset":
            for i in colons:
                alias = idx.aliases.get((rest[:i], rest[i + 1 :]))
                if alias is not None and f"dataset:{alias[0]}:{alias[1]}" in idx.members:
                    return f"dataset:{alias[0]}:{alias[1]}"
        if kind == "datasetField":
            for i in colons:
                for j in colons:
                    if j <= i:
                        continue
                    alias = idx.aliases.get((rest[:i], rest[i + 1 : j]))
                    if alias is not None:
                        candidate = f"datasetField:{alias[0]}:{alias[1]}:{rest[j + 1 :]}"
                        if candidate in idx.members:
                            return candidate
        raise NodeNotFound(f"no node {node_id!r} in the lineage graph")

    def lineage(self, node_id: str, depth: int = DEFAULT_DEPTH) -> dict[str, Any]:
        """The graph around a node, upstream and downstream up to `depth` edges, Marquez-shaped."""
        start = self.find(node_id)
        if start.startswith("datasetField:"):
            return self._column_lineage(start, depth)
        edges = self._graph_edges()
        nodes = _reach(start, edges, depth)
        return {"graph": [self._node(n, edges, nodes) for n in sorted(nodes)]}

    def _graph_edges(self) -> set[tuple[str, str]]:
        idx = self.index()
        edges: set[tuple[str, str]] = set()
        for lk in self.links.values():
            if lk.type_name not in GRAPH_EDGE_TYPES:
                continue
            a, b = idx.node_of.get(lk.end1), idx.node_of.get(lk.end2)
            if a and b and a != b and not a.startswith("datasetField:") and not b.startswith("datasetField:"):
                edges.add((a, b))
        return edges

    def _field_edges(self) -> set[tuple[str, str]]:
        idx = self.index()
        edges: set[tuple[str, str]] = set()
        for lk in self.links.values():
            if lk.type_name != "LineageMapping":
                continue
            a, b = idx.node_of.get(lk.end1), idx.node_of.get(lk.end2)
            if a and b and a != b and a.startswith("datasetField:") and b.startswith("datasetField:"):
                edges.add((a, b))
        return edges

    def _node(self, node: str, edges: set[tuple[str, str]], nodes: set[str]) -> dict[str, Any]:
        ins = sorted((a, b) for a, b in edges if b == node and a in nodes)
        outs = sorted((a, b) for a, b in edges if a == node and b in nodes)
        kind = "JOB" if node.startswith("job:") else "DATASET"
        return {
            "id": node,
            "type": kind,
            "data": self._job_data(node, edges) if kind == "JOB" else self._dataset_data(node),
            "inEdges": [{"origin": a, "destination": b} for a, b in ins],
            "outEdges": [{"origin": a, "destination": b} for a, b in outs],
        }

    def _members(self, node: str) -> list[Element]:
        guids = self.index().members.get(node, set())
        found = [self.elements[g] for g in sorted(guids) if g in self.elements]
        return sorted(found, key=lambda e: (e.proxy, e.guid))

    def _common(self, node: str) -> dict[str, Any]:
        members = self._members(node)
        main = members[0] if members else None
        ns, name = self.index().ident[node]
        data: dict[str, Any] = {
            "id": {"namespace": ns, "name": name},
            "namespace": ns,
            "name": name,
            "guids": [m.guid for m in members],
            "typeName": main.type_name if main else None,
            "qualifiedName": main.qualified_name if main else None,
            "description": next(
                (m.props["description"] for m in members if m.props.get("description")), None
            ),
            "homeMetadataCollectionIds": sorted({m.home for m in members if m.home}),
        }
        owner = next(
            (
                m.classifications["Ownership"].get("owner")
                for m in members
                if "Ownership" in m.classifications
            ),
            None,
        )
        if owner:
            data["owner"] = owner
        return data

    def _dataset_data(self, node: str) -> dict[str, Any]:
        data = self._common(node)
        data["type"] = "DATASET"
        data["fields"] = [self._field_summary(f) for f in self.index().fields_of.get(node, [])]
        aliases = sorted(
            f"{ns}:{name}"
            for (ns, name), canon in self.index().aliases.items()
            if f"dataset:{canon[0]}:{canon[1]}" == node
        )
        if aliases:
            data["symlinks"] = aliases
        return data

    def _field_summary(self, field_node: str) -> dict[str, Any]:
        _ns, _name, path, guid = self.index().field_info[field_node]
        el = self.elements.get(guid)
        type_info = el.classifications.get("TypeEmbeddedAttribute", {}) if el else {}
        return {
            "name": path,
            "type": type_info.get("dataType"),
            "description": el.props.get("description") if el else None,
            "nodeId": field_node,
        }

    def _job_data(self, node: str, edges: set[tuple[str, str]]) -> dict[str, Any]:
        data = self._common(node)
        members = self._members(node)
        extra: dict[str, Any] = {}
        for m in reversed(members):
            extra.update(m.additional)
        data["type"] = str(extra.get("jobType.processingType") or extra.get("processingType") or "BATCH")
        data["simpleName"] = data["name"]
        formula = next((m.props.get("formula") for m in members if m.props.get("formula")), None)
        if formula:
            data["sql"] = formula
        idx = self.index()
        data["inputs"] = [idx.id_of(a) for a, b in sorted(edges) if b == node and a.startswith("dataset:")]
        data["outputs"] = [idx.id_of(b) for a, b in sorted(edges) if a == node and b.startswith("dataset:")]
        parents, children = set(), set()
        for m in members:
            for lk in self.links_of(m.guid, "ProcessHierarchy"):
                if lk.end2 == m.guid and lk.end1 in idx.node_of:
                    parents.add(idx.node_of[lk.end1])
                if lk.end1 == m.guid and lk.end2 in idx.node_of:
                    children.add(idx.node_of[lk.end2])
        data["parentJob"] = idx.id_of(sorted(parents)[0]) if parents else None
        data["parentJobName"] = data["parentJob"]["name"] if parents else None
        data["childJobs"] = [idx.id_of(c) for c in sorted(children)]
        return data

    def _column_lineage(self, start: str, depth: int) -> dict[str, Any]:
        edges = self._field_edges()
        nodes = _reach(start, edges, depth)
        idx = self.index()
        graph = []
        for node in sorted(nodes):
            ns, name, path, _guid = idx.field_info[node]
            summary = self._field_summary(node)
            inputs = sorted(a for a, b in edges if b == node)
            graph.append(
                {
                    "id": node,
                    "type": "DATASET_FIELD",
                    "data": {
                        "namespace": ns,
                        "dataset": name,
                        "field": path,
                        "fieldType": summary["type"],
                        "description": summary["description"],
                        "inputFields": [
                            {
                                "namespace": idx.field_info[a][0],
                                "dataset": idx.field_info[a][1],
                                "field": idx.field_info[a][2],
                            }
                            for a in inputs
                        ],
                    },
                    "inEdges": [{"origin": a, "destination": node} for a in inputs if a in nodes],
                    "outEdges": [
                        {"origin": node, "destination": b}
                        for a, b in sorted(edges)
                        if a == node and b in nodes
                    ],
                }
            )
        return {"graph": graph}


def _reach(start: str, edges: Iterable[tuple[str, str]], depth: int) -> set[str]:
    """Nodes reachable from start going upstream and going downstream, each up to depth edges."""
    ups: dict[str, list[str]] = {}
    downs: dict[str, list[str]] = {}
    for a, b in edges:
        downs.setdefault(a, []).append(b)
        ups.setdefault(b, []).append(a)
    seen = {start}
    for neighbours in (ups, downs):
        frontier: deque[tuple[str, int]] = deque([(start, 0)])
        visited = {start}
        while frontier:
            node, d = frontier.popleft()
            if d >= depth:
                continue
            for nxt in neighbours.get(node, ()):
                if nxt not in visited:
                    visited.add(nxt)
                    seen.add(nxt)
                    frontier.append((nxt, d + 1))
    return seen
