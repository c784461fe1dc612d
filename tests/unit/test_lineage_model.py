"""The lineage graph built from OMRS instance events, and its Marquez-shaped queries."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.catalogue.instances import Home, change_event
from agents.catalogue.mapping import map_event
from agents.catalogue.state import InstanceState, merge, settle
from agents.lineage_model import LineageGraph, NodeIdError, NodeNotFound
from schemas.omrs import OMRSEventV1, OMRSInstanceEventType, PrimitivePropertyValue, parse_omrs_event
from schemas.openlineage import parse_event
from tests.support.omrs_events import (
    Member,
    entity,
    entity_event,
    instance_type,
    relationship,
    relationship_event,
)

_I = OMRSInstanceEventType

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
    assert node["data"]["inputFields"] == [
        {"namespace": NS, "dataset": "b", "field": "x", "transformations": []}
    ]


def test_bad_and_unknown_node_ids(graph: LineageGraph) -> None:
    too_many_colons = "datasetField:" + ":".join("a" * 65)
    for bad in ("", "table:x:y", "dataset:", "dataset:onlyone", "datasetField:a:b", too_many_colons):
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
        and graph.node_of(lk.end2) == "job:etl:j4"
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


def _catalogued_history() -> list[OMRSEventV1]:
    """What the cataloguer publishes for the explorer history (official client events):
    tables, a table known by its path through a TABLE symlink, schemas, columns, column
    lineage, a process hierarchy; plus one hand-made event reading that path without its
    symlinks facet (a producer that does not always send it), so the path is catalogued
    under its own name too."""
    from tests.support.explorer_history import LAKE, history

    path_only = _event("audit", [], [])
    path_only["inputs"] = [{"namespace": LAKE, "name": "warehouse/raw/customers"}]
    path_only["outputs"] = [{"namespace": NS, "name": "audit"}]
    return _events(path_only, *[orjson.loads(e) for e in history().json() if '"run"' in e])


def _egeria_member() -> list[OMRSEventV1]:
    """Hand-made: a member that catalogues files the Egeria way, columns without any
    OpenLineage identity (placed by AssetSchemaType / AttributeForSchema /
    NestedSchemaAttribute), a nested column, a LineageMapping between columns and a
    DataFlow through a process; each instance in its own event so they can arrive in any order."""
    erp = Member("erp", collection_id="0f6c8a52-1111-4c6e-9d2b-0000000000e1")
    orders = entity(
        "e-orders",
        "DataFile",
        1,
        erp,
        qualified_name="DataFile::file:///erp::orders.csv",
    )
    totals = entity(
        "e-totals",
        "DataFile",
        1,
        erp,
        qualified_name="DataFile::file:///erp::totals.csv",
    )
    rollup = entity(
        "e-rollup",
        "DeployedSoftwareComponent",
        1,
        erp,
        qualified_name="DeployedSoftwareComponent::erp::rollup",
    )
    s1 = entity("e-s1", "TabularSchemaType", 1, erp, qualified_name="TabularSchemaType::orders")
    s2 = entity("e-s2", "TabularSchemaType", 1, erp, qualified_name="TabularSchemaType::totals")
    amount = entity("e-amount", "TabularColumn", 1, erp, qualified_name="TabularColumn::orders::amount")
    address = entity("e-address", "TabularColumn", 1, erp, qualified_name="TabularColumn::orders::address")
    city = entity("e-city", "TabularColumn", 1, erp, qualified_name="TabularColumn::orders::city")
    total = entity("e-total", "TabularColumn", 1, erp, qualified_name="TabularColumn::totals::total")
    links = [
        relationship("r-1", "AssetSchemaType", 1, erp, orders, s1),
        relationship("r-2", "AssetSchemaType", 1, erp, totals, s2),
        relationship("r-3", "AttributeForSchema", 1, erp, s1, amount),
        relationship("r-4", "AttributeForSchema", 1, erp, s1, address),
        relationship("r-5", "NestedSchemaAttribute", 1, erp, address, city),
        relationship("r-6", "AttributeForSchema", 1, erp, s2, total),
        relationship("r-7", "LineageMapping", 1, erp, amount, total),
        relationship("r-8", "DataFlow", 1, erp, orders, rollup),
        relationship("r-9", "DataFlow", 1, erp, rollup, totals),
    ]
    entities = [orders, totals, rollup, s1, s2, amount, address, city, total]
    return [entity_event(erp, _I.NEW_ENTITY_EVENT, e) for e in entities] + [
        relationship_event(erp, _I.NEW_RELATIONSHIP_EVENT, r) for r in links
    ]


CATALOGUED = _catalogued_history() + _egeria_member()


def _answers(g: LineageGraph) -> dict[str, Any]:
    nodes = sorted({node for guid in g.elements if (node := g.node_of(guid)) is not None})
    assert len(nodes) > 20
    return {node: g.lineage(node) for node in nodes}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(range(len(CATALOGUED))))
def test_the_index_is_the_same_whatever_order_instances_arrive_in(order: list[int]) -> None:
    """Relationships before their entities, a symlink's table after the path that names it,
    columns before their schema: the incremental index ends where the ordered stream does."""
    ordered, shuffled = LineageGraph(), LineageGraph()
    for event in CATALOGUED:
        ordered.apply(event)
    for i in order:
        shuffled.apply(CATALOGUED[i])
    assert dict(shuffled.kv.scan(b"")) == dict(ordered.kv.scan(b""))  # type: ignore[attr-defined]
    assert _answers(shuffled) == _answers(ordered)


def test_a_path_catalogued_first_moves_onto_the_table_that_names_it_later() -> None:
    """The path dataset is catalogued under its own name first; the table declaring it as a
    symlink arrives later: the path's node becomes the table's, and its edges follow."""
    g = LineageGraph()
    path = "dataset:s3://lake:warehouse/raw/customers"
    table = "dataset:postgres://db.example.com:5432:shop.raw.customers"
    alone = _catalogued_history()[:40]
    for event in alone:
        g.apply(event)
    assert "job:etl:audit" in ids(g.lineage(path, 1)), "before: the path is a node of its own"
    for event in _catalogued_history():
        g.apply(event)
    answer = {n["id"]: n for n in g.lineage(path, 1)["graph"]}
    assert table in answer and {"job:etl:audit", "job:warehouse-etl:customers.ingest"} <= set(answer)
    assert path not in answer
    assert "s3://lake:warehouse/raw/customers" in answer[table]["data"]["symlinks"]


def test_columns_placed_by_schema_links_in_any_order() -> None:
    """Hand-made Egeria-like member: columns are found through their schema, a nested one
    as `address.city`, and column lineage joins them, whatever order the instances came in."""
    for order in (_egeria_member(), list(reversed(_egeria_member()))):
        g = LineageGraph()
        for event in order:
            g.apply(event)
        column = "datasetField:file:///erp:totals.csv:total"
        assert ids(g.lineage(column)) == {column, "datasetField:file:///erp:orders.csv:amount"}
        orders = next(n for n in g.lineage("dataset:file:///erp:orders.csv", 0)["graph"])
        assert [f["name"] for f in orders["data"]["fields"]] == ["address", "address.city", "amount"]
        assert ids(g.lineage("job:erp:rollup", 1)) == {
            "job:erp:rollup",
            "dataset:file:///erp:orders.csv",
            "dataset:file:///erp:totals.csv",
        }


def test_values_marquez_holds_as_text_stay_text_whatever_type_a_member_gives_them() -> None:
    """Hand-made: a member types a file's description as an int (Egeria's `int` primitive,
    guid from its TypeDefs, `schemas/egeria_types/egeria-5.2.json`). Marquez's DatasetData
    holds `description` as text and every Field has `tags`
    (MarquezProject/marquez a89b89cad27f87c90dd964c40dae8dfb3f64031f,
    `api/src/main/java/marquez/service/models/DatasetData.java`, `common/models/Field.java`)."""
    events = _egeria_member()
    for event in events:
        section = event.instance_event_section
        bean = section.entity if section is not None else None
        if bean is not None and bean.guid == "e-orders" and bean.properties is not None:
            bean.properties.instance_properties["description"] = PrimitivePropertyValue(
                header_version=1,
                instance_property_category="PRIMITIVE",
                type_guid="7fc49104-fd3a-46c8-b6bf-f16b6074cd35",
                type_name="int",
                primitive_def_category="OM_PRIMITIVE_TYPE_INT",
                primitive_value=42,
            )
    g = LineageGraph()
    for event in events:
        g.apply(event)
    orders = next(n for n in g.lineage("dataset:file:///erp:orders.csv", 0)["graph"])
    assert orders["data"]["description"] == "42"
    assert [f["tags"] for f in orders["data"]["fields"]] == [[], [], []]


def _egeria_6_member() -> list[OMRSEventV1]:
    """The same member cataloguing in Egeria 6's types (schemas/egeria_types/egeria-6.0.json):
    an asset's schema through `Schema`, names in `displayName`, a column's position on its
    `AttributeForSchema` (amount first, address second)."""
    positions = {"r-3": 1, "r-4": 2}
    events = _egeria_member()
    for event in events:
        section = event.instance_event_section
        assert section is not None
        if section.relationship is not None:
            rel = section.relationship
            if rel.type is not None and rel.type.type_def_name == "AssetSchemaType":
                rel.type = instance_type("Schema")
                section.type_def_name, section.type_def_guid = "Schema", rel.type.type_def_guid
            if rel.guid in positions and rel.properties is not None:
                rel.properties.instance_properties = {
                    "position": PrimitivePropertyValue(
                        header_version=1,
                        instance_property_category="PRIMITIVE",
                        type_guid="7fc49104-fd3a-46c8-b6bf-f16b6074cd35",
                        type_name="int",
                        primitive_def_category="OM_PRIMITIVE_TYPE_INT",
                        primitive_value=positions[rel.guid],
                    )
                }
        if section.entity is not None and section.entity.properties is not None:
            props = section.entity.properties.instance_properties or {}
            props["displayName"] = props.pop("name")
    return events


def test_an_egeria_6_member_s_columns_are_placed_by_schema_and_ordered_by_their_links() -> None:
    for order in (_egeria_6_member(), list(reversed(_egeria_6_member()))):
        g = LineageGraph()
        for event in order:
            g.apply(event)
        column = "datasetField:file:///erp:totals.csv:total"
        assert ids(g.lineage(column)) == {column, "datasetField:file:///erp:orders.csv:amount"}
        orders = next(n for n in g.lineage("dataset:file:///erp:orders.csv", 0)["graph"])
        assert [f["name"] for f in orders["data"]["fields"]] == ["amount", "address", "address.city"]
