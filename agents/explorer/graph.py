"""PURE: the OpenLineage read model as a lineage graph source (`agents.explorer.lineage.Source`).

Make one per query: it remembers which (namespace, name) each node id string it handed out
stands for (Marquez's ids are ambiguous where a namespace holds colons, the store's keys are
not).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from agents.explorer import intervals, layout, marquez
from agents.explorer.fold import load, schema_fields
from agents.explorer.keys import key, parts
from agents.explorer.lineage import IN, OUT, FieldInfo
from agents.explorer.queries import ReadModel

Node = tuple[str, str, str]


def _splits(rest: str, pieces: int) -> Iterator[list[str]]:
    """Every way to cut `rest` at colons into `pieces` parts (left cuts first)."""
    if pieces == 1:
        yield [rest]
        return
    for i, ch in enumerate(rest):
        if ch == ":":
            for tail in _splits(rest[i + 1 :], pieces - 1):
                yield [rest[:i], *tail]


class OpenLineageGraph:
    """Lineage edges, node data and column lineage from the OpenLineage read model."""

    def __init__(self, model: ReadModel) -> None:
        self.model = model.remembering()
        self.kv = model.kv
        self._nodes: dict[str, Node] = {}
        self._fields: dict[str, tuple[str, str, str]] = {}
        self._edges: dict[tuple[str, str], list[tuple[str, list[intervals.Interval]]]] = {}

    # ------------------------------------------------------------------ nodes

    def _name(self, node: Node) -> str:
        text = marquez.node_id(*node)
        self._nodes[text] = node
        return text

    def _field_name(self, ns: str, ds: str, field: str) -> str:
        text = marquez.node_id("datasetField", ns, ds, field)
        self._fields[text] = (ns, ds, field)
        return text

    def _node(self, node_id: str) -> Node | None:
        held = self._nodes.get(node_id)
        if held is not None:
            return held
        kind, _, rest = node_id.partition(":")
        tag = {"dataset": layout.DATASET, "job": layout.JOB}.get(kind)
        if tag is None:
            return None
        for ns, name in _splits(rest, 2):
            if self.kv.get(key(tag, ns, name)) is not None:
                self._nodes[node_id] = (kind, ns, name)
                return kind, ns, name
        return None

    def _field(self, node_id: str) -> tuple[str, str, str] | None:
        held = self._fields.get(node_id)
        if held is not None:
            return held
        kind, _, rest = node_id.partition(":")
        if kind != "datasetField":
            return None
        for ns, ds, field in _splits(rest, 3):
            if self._field_exists(ns, ds, field):
                self._fields[node_id] = (ns, ds, field)
                return ns, ds, field
        return None

    def _field_exists(self, ns: str, ds: str, field: str) -> bool:
        for tag in (layout.COLUMN, layout.COLUMN_REVERSE):
            for _ in self.kv.scan(key(tag, ns, ds, field)):
                return True
        record = load(self.kv, key(layout.DATASET, ns, ds))
        return record is not None and field in _paths(_schema(record))

    def find(self, node_id: str) -> str | None:
        kind, _, rest = node_id.partition(":")
        if kind == "datasetField":
            found = self._field(node_id)
            if found is not None:
                return node_id
            for ns, ds, field in _splits(rest, 3):
                ident = self.model.resolve_dataset(ns, ds)
                if ident is not None and ident != (ns, ds) and self._field_exists(*ident, field):
                    return self._field_name(*ident, field)
            return None
        if self._node(node_id) is not None:
            return node_id
        if kind == "dataset":
            for ns, name in _splits(rest, 2):
                ident = self.model.resolve_dataset(ns, name)
                if ident is not None:
                    return self._name(("dataset", *ident))
        return None

    # ------------------------------------------------------------------ edges and data

    def _history(self, node: str, direction: str) -> list[tuple[str, list[intervals.Interval]]]:
        """Every edge a node has ever had one way, with the intervals it held over (one scan
        reads both ways)."""
        held = self._edges.get((node, direction))
        if held is not None:
            return held
        me = self._node(node)
        ways: dict[str, list[tuple[str, list[intervals.Interval]]]] = {IN: [], OUT: []}
        if me is not None:
            scope = key(layout.EDGE_HISTORY, *me)
            for raw, value in self.kv.scan(scope):
                side, kind, ns, name = parts(raw[len(scope) :], b"")
                spans = [(s, e) for s, e in orjson.loads(value)]
                ways[IN if side == layout.IN else OUT].append((self._name((kind, ns, name)), spans))
        self._edges[(node, IN)], self._edges[(node, OUT)] = ways[IN], ways[OUT]
        return ways[direction]

    def neighbours(self, node: str, direction: str, as_of: str | None) -> list[str]:
        if as_of is None:
            return [other for other, spans in self._history(node, direction) if intervals.is_open(spans)]
        return [other for other, spans in self._history(node, direction) if intervals.contains(spans, as_of)]

    def known(self, node: str, direction: str) -> list[str]:
        return [other for other, _ in self._history(node, direction)]

    def identity(self, node: str) -> tuple[str, str] | None:
        me = self._node(node)
        return None if me is None else (me[1], me[2])

    def node_data(
        self, node: str, as_of: str | None, have: frozenset[str] = frozenset()
    ) -> dict[str, Any] | None:
        me = self._node(node)
        if me is None:
            return None
        kind, ns, name = me
        if kind == "job":
            record = load(self.kv, key(layout.JOB, ns, name))
            if record is None:
                return None
            data = self.model.job_data(ns, name, record, as_of)
        else:
            record = load(self.kv, key(layout.DATASET, ns, name))
            if record is None:
                return None
            data = self.model.dataset_data(ns, name, record)
        return data

    # ------------------------------------------------------------------ columns

    def field_neighbours(self, node: str, direction: str) -> list[str]:
        me = self._field(node)
        if me is None:
            return []
        tag = layout.COLUMN if direction == IN else layout.COLUMN_REVERSE
        out = []
        for raw, _ in self.kv.scan(key(tag, *me)):
            found = parts(raw, tag)
            out.append(self._field_name(found[3], found[4], found[5]))
        return out

    def field_info(self, node: str) -> FieldInfo | None:
        me = self._field(node)
        if me is None:
            return None
        ns, ds, field = me
        record = load(self.kv, key(layout.DATASET, ns, ds))
        spec = _paths(_schema(record)).get(field, {}) if record else {}
        return FieldInfo(ns, ds, field, spec.get("type"), spec.get("description"))

    def field_input(self, node: str, source: str) -> dict[str, Any] | None:
        out, into = self._field(node), self._field(source)
        if out is None or into is None:
            return None
        found: dict[str, Any] | None = load(self.kv, key(layout.COLUMN, *out, *into))
        return found

    def dataset_fields(self, node: str) -> list[str]:
        me = self._node(node)
        if me is None or me[0] != "dataset":
            return []
        _, ns, name = me
        found = set()
        record = load(self.kv, key(layout.DATASET, ns, name))
        for field in _paths(_schema(record)) if record else {}:
            found.add(self._field_name(ns, name, field))
        for raw, _ in self.kv.scan(key(layout.COLUMN, ns, name)):
            found.add(self._field_name(ns, name, parts(raw, layout.COLUMN)[2]))
        return sorted(found)

    def job_output_fields(self, node: str) -> list[str]:
        me = self._node(node)
        if me is None or me[0] != "job":
            return []
        io = self.model.job_io(me[1], me[2])
        found: list[str] = []
        for ns, name in (io or {}).get("out", []):
            found.extend(self.dataset_fields(self._name(("dataset", ns, name))))
        return found


def _schema(record: dict[str, Any]) -> list[dict[str, Any]]:
    facets = {k: v for k, (_, v) in (record.get("facets") or {}).items()}
    return schema_fields(facets) or []


def _paths(fields: list[dict[str, Any]], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every field of a schema by its path (nested fields as `parent.child`)."""
    out: dict[str, dict[str, Any]] = {}
    for f in fields:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            path = f"{prefix}{f['name']}"
            out[path] = f
            out.update(_paths(f.get("fields") or [], f"{path}."))
    return out
