"""The lineage graph built from OMRS instance events, and its Marquez-shaped queries."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from agents.catalogue.instances import Home, change_event
from agents.catalogue.mapping import map_event
from agents.catalogue.state import InstanceState, merge, settle
from agents.lineage_model import LineageGraph, NodeIdError, NodeNotFound
from schemas.omrs import OMRSEventV1, parse_omrs_event
from schemas.openlineage import parse_event

NS = "postgres://db:5432"


def _event(job: str, inputs: list[str], outputs: list[str], **out_facets: Any) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": "https://example.com/p",
        "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
        "job": {"namespace": "etl", "name": job},
        "inputs": [{"namespace": NS, "name": n} for n in inputs],
        "outputs": [{"namespace": NS, "name": n, "facets": out_facets} for n in outputs],
    }


def _events(*ol_events: dict[str, Any], home: str = "home") -> list[OMRSEventV1]:
    states: dict[str, InstanceState] = {}
    out = []
    for ol in ol_events:
        for c in map_event(parse_event(orjson.dumps(ol))):
            state, touched = merge(states.get(c.guid), c)
            states[c.guid] = state
            change = settle(state, 1) if touched else None
            if change is not None:
                out.append(
                    parse_omrs_event(
                        orjson.dumps(
                            change_event(Home(home, home, home), change).model_dump(
                                mode="json", by_alias=True, exclude_none=True
                            )
                        )
                    )
                )
    return out


def _lineage(name: str, field: str) -> dict[str, Any]:
    return {
        "_producer": "https://example.com/p",
        "fields": {field: {"inputFields": [{"namespace": NS, "name": name, "field": field}]}},
    }


@pytest.fixture
def graph() -> LineageGraph:
    # a -> j1 -> b -> j2 -> c -> j3 -> d, and b -> j4 -> e ; columns a.x -> b.x -> c.x
    g = LineageGraph()
    for event in _events(
        _event("j1", ["a"], ["b"], columnLineage=_lineage("a", "x")),
        _event("j2", ["b"], ["c"], columnLineage=_lineage("b", "x")),
        _event("j3", ["c"], ["d"]),
        _event("j4", ["b"], ["e"]),
    ):
        g.apply(event)
    return g


def ids(answer: dict[str, Any]) -> set[str]:
    return {n["id"] for n in answer["graph"]}


def ds(name: str) -> str:
    return f"dataset:{NS}:{name}"


def test_graph_goes_upstream_and_downstream_to_the_depth_asked(graph: LineageGraph) -> None:
    assert ids(graph.lineage(ds("c"), 2)) == {ds("c"), "job:etl:j2", ds("b"), "job:etl:j3", ds("d")}
    assert ids(graph.lineage(ds("c"), 1)) == {ds("c"), "job:etl:j2", "job:etl:j3"}
    assert ids(graph.lineage(ds("c"), 0)) == {ds("c")}
    full = ids(graph.lineage(ds("b")))
    assert {ds("a"), ds("c"), ds("d"), ds("e")} <= full


def test_nodes_have_marquez_shape(graph: LineageGraph) -> None:
    nodes = {n["id"]: n for n in graph.lineage("job:etl:j2")["graph"]}
    job = nodes["job:etl:j2"]
    assert job["type"] == "JOB"
    assert job["inEdges"] == [{"origin": ds("b"), "destination": "job:etl:j2"}]
    assert job["outEdges"] == [{"origin": "job:etl:j2", "destination": ds("c")}]
    assert job["data"]["inputs"] == [{"namespace": NS, "name": "b"}]
    assert nodes[ds("c")]["data"]["id"] == {"namespace": NS, "name": "c"}
    assert nodes[ds("c")]["data"]["typeName"] == "TableDataSet"


def test_column_lineage(graph: LineageGraph) -> None:
    answer = graph.lineage(f"datasetField:{NS}:c:x")
    assert ids(answer) == {f"datasetField:{NS}:{t}:x" for t in "abc"}
    node = next(n for n in answer["graph"] if n["id"] == f"datasetField:{NS}:c:x")
    assert node["type"] == "DATASET_FIELD"
    assert node["data"]["inputFields"] == [{"namespace": NS, "dataset": "b", "field": "x"}]


def test_bad_and_unknown_node_ids(graph: LineageGraph) -> None:
    for bad in ("", "table:x:y", "dataset:", "dataset:onlyone", "datasetField:a:b"):
        with pytest.raises(NodeIdError):
            graph.lineage(bad)
    with pytest.raises(NodeNotFound):
        graph.lineage(ds("zzz"))


def test_duplicates_and_older_versions_change_nothing(graph: LineageGraph) -> None:
    before = graph.lineage(ds("b"))
    for event in _events(_event("j1", ["a"], ["b"]), _event("j2", ["b"], ["c"])):
        graph.apply(event)
    assert graph.lineage(ds("b")) == before


def test_another_member_with_the_same_table_is_one_node() -> None:
    g = LineageGraph()
    for event in _events(_event("j1", ["a"], ["b"]), home="one") + _events(
        _event("j9", ["b"], ["z"]), home="two"
    ):
        g.apply(event)
    answer = {n["id"]: n for n in g.lineage(ds("b"))["graph"]}
    assert {"job:etl:j1", "job:etl:j9", ds("z")} <= set(answer)
    assert len(answer[ds("b")]["data"]["guids"]) == 1


def test_a_deleted_relationship_leaves_the_graph(graph: LineageGraph) -> None:
    flow = next(
        lk
        for lk in graph.links.values()
        if lk.type_name == "DataFlow"
        and graph.elements[lk.end2].type_name == "DeployedSoftwareComponent"
        and graph.index().node_of[lk.end2] == "job:etl:j4"
    )
    event = parse_omrs_event(
        orjson.dumps(
            {
                "class": "OMRSEventV1",
                "protocolVersionId": "OMRS V1.0",
                "originator": {"metadataCollectionId": "home"},
                "eventCategory": "INSTANCE",
                "instanceEventSection": {
                    "eventType": "PURGED_RELATIONSHIP_EVENT",
                    "instanceGUID": flow.guid,
                    "typeDefName": "DataFlow",
                },
            }
        )
    )
    assert graph.apply(event)
    assert "job:etl:j4" not in ids(graph.lineage(ds("b")))
