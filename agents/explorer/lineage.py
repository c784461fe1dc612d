"""PURE: lineage graphs around a node, over the union of several graph sources.

A *source* is a lineage graph kept in a KeyValue store: the OpenLineage read model
(`agents.explorer.graph.OpenLineageGraph`) and the cohort's graph
(`agents.lineage_model.CohortGraph`). A query walks both at once: a node's neighbours are
the union of what every source knows, and its data merges what each says (the OpenLineage
model's Marquez fields first, the cohort's guids and types added). An edge whose history a
source knows (the read model knows when each of its edges held) is decided by that source
alone: the cohort graph still holds the DataFlow of an input a job stopped reading, and an
edge catalogued today for an event of last year; it adds the edges the read model never saw
(other members' lineage). Every step is an index lookup in each source, so the cost grows
with the answer, not with the graph.

Two answers:

- `lineage` (`GET /api/v1/lineage`): datasets and jobs up to `depth` edges upstream and
  downstream of a node, with `asOf` for the graph as it was at a time; or, for a
  `datasetField:` node, the columns it derives from and feeds.
- `column_lineage` (`GET /api/v1/column-lineage`): Marquez's column-lineage graph
  (`ColumnLineageService.java`, `ColumnLineageDao.getLineage` of MarquezProject/marquez at
  a89b89cad27f87c90dd964c40dae8dfb3f64031f): starting from a dataset's columns, one column,
  or a job's output columns, upstream (and downstream with `withDownstream`) for `depth`
  levels (at least one), each input field with its transformations.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agents.explorer import marquez

DEFAULT_DEPTH = 20
MAX_DEPTH = 100
MAX_NODE_ID_COLONS = 64
"""Colons a node id may hold. Namespaces and names may hold colons themselves, so a source
tries every way to cut an id into its parts, as many as the square of its colons for a
column: a bound keeps one request from holding a replica for seconds."""
IN, OUT = "in", "out"
_EMPTY: tuple[Any, ...] = (None, [], {}, "")
KINDS = ("dataset", "job", "datasetField")


class NodeIdError(ValueError):
    """A nodeId that is not `dataset:{ns}:{name}`, `job:{ns}:{name}` or `datasetField:{ns}:{name}:{field}`."""


class NodeNotFound(LookupError):
    """A well-formed nodeId that names nothing in any graph."""


@dataclass(frozen=True)
class FieldInfo:
    """A column: its dataset's namespace and name, its path, and what its schema says."""

    namespace: str
    dataset: str
    field: str
    type: str | None = None
    description: str | None = None


class Source(Protocol):
    """What a lineage query asks of one graph. Node ids are Marquez's strings."""

    def find(self, node_id: str) -> str | None:
        """The node this graph holds under that id (an alias resolved), None when it holds none."""
        ...

    def neighbours(self, node: str, direction: str, as_of: str | None) -> Iterable[str]:
        """Dataset/job nodes one edge upstream (IN) or downstream (OUT), at `as_of` or now."""
        ...

    def known(self, node: str, direction: str) -> Iterable[str]:
        """Every neighbour this graph knows the history of (when the edge held, and when it
        stopped): for those, later sources are not asked."""
        ...

    def identity(self, node: str) -> tuple[str, str] | None:
        """(namespace, name) of a dataset or job node this graph holds."""
        ...

    def node_data(
        self, node: str, as_of: str | None, have: frozenset[str] = frozenset()
    ) -> dict[str, Any] | None:
        """What this graph says about a dataset or job node (Marquez's DatasetData / JobData);
        `have` names what an earlier source already said (it need not be worked out again)."""
        ...

    def field_neighbours(self, node: str, direction: str) -> Iterable[str]:
        """Column nodes one column-lineage edge upstream (IN) or downstream (OUT)."""
        ...

    def field_info(self, node: str) -> FieldInfo | None: ...

    def field_input(self, node: str, source: str) -> dict[str, Any] | None:
        """How column `node` derives from column `source` (transformations), when known."""
        ...

    def dataset_fields(self, node: str) -> Iterable[str]:
        """The column nodes of a dataset node."""
        ...

    def job_output_fields(self, node: str) -> Iterable[str]:
        """The column nodes of the outputs of a job node."""
        ...


def check_node_id(node_id: str) -> str:
    """The kind of a well-formed node id; NodeIdError otherwise."""
    kind, _, rest = node_id.partition(":")
    if kind not in KINDS or not rest:
        raise NodeIdError(
            f"nodeId {node_id!r} must be dataset:{{namespace}}:{{name}}, job:{{namespace}}:{{name}} "
            "or datasetField:{namespace}:{name}:{field}"
        )
    if node_id.count(":") > MAX_NODE_ID_COLONS:
        raise NodeIdError(f"nodeId has more than {MAX_NODE_ID_COLONS} colons")
    needed = 3 if kind == "datasetField" else 2
    if rest.count(":") < needed - 1:
        raise NodeIdError(f"nodeId {node_id!r} has too few parts: {kind} needs {needed} after {kind!r}")
    return kind


class _Union:
    """Several sources seen as one graph, neighbours remembered for the length of a query."""

    def __init__(self, sources: Sequence[Source], as_of: str | None) -> None:
        self.sources = list(sources)
        self.as_of = as_of
        self._nodes: dict[tuple[str, str], list[str]] = {}
        self._fields: dict[tuple[str, str], list[str]] = {}

    def find(self, node_id: str) -> str:
        check_node_id(node_id)
        for source in self.sources:
            found = source.find(node_id)
            if found is not None:
                return found
        raise NodeNotFound(f"no node {node_id!r} in the lineage graph")

    def neighbours(self, node: str, direction: str) -> list[str]:
        held = self._nodes.get((node, direction))
        if held is None:
            found: set[str] = set()
            decided: set[str] = set()
            for source in self.sources:
                found.update(n for n in source.neighbours(node, direction, self.as_of) if n not in decided)
                decided.update(source.known(node, direction))
            found.discard(node)
            held = self._nodes[(node, direction)] = sorted(found)
        return held

    def field_neighbours(self, node: str, direction: str) -> list[str]:
        held = self._fields.get((node, direction))
        if held is None:
            found: set[str] = set()
            for source in self.sources:
                found.update(source.field_neighbours(node, direction))
            found.discard(node)
            held = self._fields[(node, direction)] = sorted(found)
        return held

    def identity(self, node: str) -> tuple[str, str] | None:
        for source in self.sources:
            found = source.identity(node)
            if found is not None:
                return found
        return None

    def field_info(self, node: str) -> FieldInfo | None:
        best: FieldInfo | None = None
        for source in self.sources:
            found = source.field_info(node)
            if found is None:
                continue
            if best is None:
                best = found
            elif best.type is None or best.description is None:
                best = FieldInfo(
                    best.namespace,
                    best.dataset,
                    best.field,
                    best.type or found.type,
                    best.description or found.description,
                )
        return best

    def field_input(self, node: str, source_node: str) -> dict[str, Any]:
        for source in self.sources:
            found = source.field_input(node, source_node)
            if found is not None:
                return found
        return {}

    def data(self, node: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for source in self.sources:
            have = frozenset(name for name, value in merged.items() if value not in _EMPTY)
            for name, value in (source.node_data(node, self.as_of, have) or {}).items():
                if name not in have:
                    merged[name] = value
        if not merged:
            ident = self.identity(node)
            if ident is not None:
                merged = {
                    "id": {"namespace": ident[0], "name": ident[1]},
                    "namespace": ident[0],
                    "name": ident[1],
                }
        if node.startswith("job:"):
            merged["inputs"] = self._ids(n for n in self.neighbours(node, IN) if n.startswith("dataset:"))
            merged["outputs"] = self._ids(n for n in self.neighbours(node, OUT) if n.startswith("dataset:"))
        return merged

    def _ids(self, nodes: Iterable[str]) -> list[dict[str, str]]:
        out = []
        for n in nodes:
            ident = self.identity(n)
            if ident is not None:
                out.append({"namespace": ident[0], "name": ident[1]})
        return out


def reach(start: str, step: Any, depth: int, directions: Sequence[str] = (IN, OUT)) -> set[str]:
    """Nodes reachable from start going each way separately, up to depth edges."""
    seen = {start}
    for direction in directions:
        frontier: deque[tuple[str, int]] = deque([(start, 0)])
        visited = {start}
        while frontier:
            node, d = frontier.popleft()
            if d >= depth:
                continue
            for nxt in step(node, direction):
                if nxt not in visited:
                    visited.add(nxt)
                    seen.add(nxt)
                    frontier.append((nxt, d + 1))
    return seen


def lineage(
    sources: Sequence[Source], node_id: str, depth: int = DEFAULT_DEPTH, as_of: str | None = None
) -> dict[str, Any]:
    """`GET /api/v1/lineage`: the graph around a node, Marquez's `Lineage` shape."""
    graph = _Union(sources, as_of)
    start = graph.find(node_id)
    if start.startswith("datasetField:"):
        return _field_graph(graph, start, depth)
    nodes = reach(start, graph.neighbours, depth)
    answer = []
    for node in sorted(nodes):
        ins = [a for a in graph.neighbours(node, IN) if a in nodes]
        outs = [b for b in graph.neighbours(node, OUT) if b in nodes]
        answer.append(
            {
                "id": node,
                "type": "JOB" if node.startswith("job:") else "DATASET",
                "data": graph.data(node),
                "inEdges": [{"origin": a, "destination": node} for a in ins],
                "outEdges": [{"origin": node, "destination": b} for b in outs],
            }
        )
    return {"graph": answer}


def _field_graph(graph: _Union, start: str, depth: int) -> dict[str, Any]:
    nodes = reach(start, graph.field_neighbours, depth)
    answer = []
    for node in sorted(nodes):
        info = graph.field_info(node)
        if info is None:
            continue
        inputs = graph.field_neighbours(node, IN)
        input_fields = []
        for a in inputs:
            source = graph.field_info(a)
            if source is None:
                continue
            how = graph.field_input(node, a)
            input_fields.append(
                {
                    "namespace": source.namespace,
                    "dataset": source.dataset,
                    "field": source.field,
                    "transformations": how.get("transformations") or [],
                }
            )
        answer.append(
            {
                "id": node,
                "type": "DATASET_FIELD",
                "data": {
                    "namespace": info.namespace,
                    "dataset": info.dataset,
                    "field": info.field,
                    "fieldType": info.type,
                    "description": info.description,
                    "inputFields": input_fields,
                },
                "inEdges": [{"origin": a, "destination": node} for a in inputs if a in nodes],
                "outEdges": [
                    {"origin": node, "destination": b}
                    for b in graph.field_neighbours(node, OUT)
                    if b in nodes
                ],
            }
        )
    return {"graph": answer}


def column_lineage(
    sources: Sequence[Source], node_id: str, depth: int = DEFAULT_DEPTH, with_downstream: bool = False
) -> dict[str, Any]:
    """`GET /api/v1/column-lineage`, as Marquez answers it.

    Rows are column-lineage edges (output column, input column). The first level is every
    edge into a starting column (with `withDownstream`, out of one too: Marquez starts from
    edges into them only, so a source column had no downstream answer); each further level
    adds the edges into the inputs found (upstream) and, with `withDownstream`, out of the
    outputs found; `depth` levels in all, at least one (`node.depth < :depth - 1`). A node per
    output column with its input fields, and a node per input column not itself an output.
    Edges keep Marquez's form: a node's `inEdges` go from it to its inputs, its `outEdges`
    from it to the columns it feeds (`ColumnLineageService.toLineage`).
    """
    graph = _Union(sources, None)
    kind = check_node_id(node_id)
    starts = _start_fields(graph, kind, node_id)
    if not starts:
        raise NodeNotFound(f"no column lineage for {node_id!r}")
    rows: set[tuple[str, str]] = set()
    level: set[tuple[str, str]] = set()
    for f in starts:
        level |= {(f, i) for i in graph.field_neighbours(f, IN)}
        if with_downstream:
            level |= {(o, f) for o in graph.field_neighbours(f, OUT)}
    for _ in range(max(depth, 1)):
        new = level - rows
        if not new:
            break
        rows |= new
        level = set()
        for out_field, in_field in new:
            level |= {(in_field, i) for i in graph.field_neighbours(in_field, IN)}
            if with_downstream:
                level |= {(o, out_field) for o in graph.field_neighbours(out_field, OUT)}
    return {"graph": _column_nodes(graph, rows)}


def _start_fields(graph: _Union, kind: str, node_id: str) -> list[str]:
    if kind == "datasetField":
        return [graph.find(node_id)]
    try:
        node = graph.find(node_id)
    except NodeNotFound:
        return []
    found: set[str] = set()
    for source in graph.sources:
        found.update(source.dataset_fields(node) if kind == "dataset" else source.job_output_fields(node))
    return sorted(found)


def _column_nodes(graph: _Union, rows: set[tuple[str, str]]) -> list[dict[str, Any]]:
    inputs_of: dict[str, list[str]] = {}
    outputs_of: dict[str, list[str]] = {}
    for out_field, in_field in sorted(rows):
        inputs_of.setdefault(out_field, []).append(in_field)
        outputs_of.setdefault(in_field, []).append(out_field)
    nodes = []
    for node in sorted(set(inputs_of) | set(outputs_of)):
        info = graph.field_info(node)
        if info is None:
            continue
        input_fields = []
        for source_node in inputs_of.get(node, []):
            source = graph.field_info(source_node)
            if source is not None:
                how = graph.field_input(node, source_node)
                input_fields.append(
                    marquez.column_input(how, source.namespace, source.dataset, source.field, None)
                )
        data: dict[str, Any] = {
            "namespace": info.namespace,
            "dataset": info.dataset,
            "datasetVersion": None,
            "field": info.field,
            "fieldType": info.type if node in inputs_of else "",
            "transformationDescription": input_fields[0]["transformationDescription"]
            if input_fields
            else None,
            "transformationType": input_fields[0]["transformationType"] if input_fields else None,
            "inputFields": input_fields,
        }
        nodes.append(
            {
                "id": node,
                "type": "DATASET_FIELD",
                "data": data,
                "inEdges": [{"origin": node, "destination": i} for i in inputs_of.get(node, [])],
                "outEdges": [{"origin": node, "destination": o} for o in outputs_of.get(node, [])],
            }
        )
    return nodes
