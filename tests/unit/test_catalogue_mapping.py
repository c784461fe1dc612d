"""The cataloguer's pure parts: OpenLineage -> contributions -> merged instances -> OMRS events."""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson
import pytest

from agents.catalogue.instances import Home, change_event
from agents.catalogue.mapping import (
    Contribution,
    asset_type,
    entity_guid,
    map_event,
    qualified_name,
    relationship_guid,
)
from agents.catalogue.state import InstanceState, merge, settle
from schemas import open_metadata_types
from schemas.omrs import OMRSInstanceEventType, check_event_semantics, dump_omrs_event, parse_omrs_event
from schemas.openlineage import parse_event
from tests.support.catalogue import MemoryCatalogue

NS = "postgres://db:5432"
GUID_OF_LOAD = "6cb2221f-da24-5ec8-9053-67f5b58070ce"
HOME = Home("home-collection", "home collection", "lineage-server")


def facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": "https://example.com/p", "_schemaURL": "https://example.com/s", **fields}


def run_event(
    event_type: str = "COMPLETE",
    time: str = "2026-01-01T00:00:00Z",
    job: str = "load",
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    job_facets: dict[str, Any] | None = None,
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "eventTime": time,
        "producer": "https://example.com/p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8", "facets": run_facets or {}},
        "job": {"namespace": "etl", "name": job, "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }


def dataset(name: str, namespace: str = NS, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


def contributions(event: dict[str, Any]) -> list[Contribution]:
    return map_event(parse_event(orjson.dumps(event)))


def by_qn(items: list[Contribution]) -> dict[str, Contribution]:
    return {c.values["p:qualifiedName"]: c for c in items if c.kind == "entity"}


def rels(items: list[Contribution], type_name: str) -> set[tuple[str, str]]:
    return {
        (c.end1.qualified_name, c.end2.qualified_name)
        for c in items
        if c.kind == "relationship" and c.type_name == type_name and c.end1 and c.end2
    }


def catalogue(events: list[dict[str, Any]]) -> tuple[dict[str, InstanceState], list[Any]]:
    """Run events through mapping, merge and settle, as the agent does; returns states and events."""
    states: dict[str, InstanceState] = {}
    published = []
    for event in events:
        for c in contributions(event):
            state, touched = merge(states.get(c.guid), c)
            states[c.guid] = state
            if touched:
                change = settle(state, 1_000)
                if change is not None:
                    published.append(change_event(HOME, change))
    return states, published


# ------------------------------------------------------------------ mapping rules


def test_job_becomes_a_deployed_software_component_with_its_facets() -> None:
    items = by_qn(
        contributions(
            run_event(
                job_facets={
                    "documentation": facet(description="Loads things"),
                    "sql": facet(query="select 1", dialect="postgres"),
                    "ownership": facet(owners=[{"name": "team:data", "type": "TEAM"}, {"name": "bob"}]),
                    "jobType": facet(processingType="BATCH", integration="DBT", jobType="MODEL"),
                }
            )
        )
    )
    job = items["DeployedSoftwareComponent::etl::load"]
    assert job.type_name == "DeployedSoftwareComponent"
    assert job.guid == entity_guid("DeployedSoftwareComponent::etl::load")
    assert job.values["p:description"] == "Loads things"
    assert job.values["p:formula"] == "select 1"
    assert job.values["p:formulaType"] == "SQL:postgres"
    assert job.values["c:Ownership"] == {"owner": "team:data", "ownerPropertyName": "name"}
    assert job.values["a:jobType.processingType"] == "BATCH"


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("postgres://db:5432", "a.b.c", "TableDataSet"),
        ("snowflake://acct", "DB.S.T", "TableDataSet"),
        ("bigquery", "p.d.t", "TableDataSet"),
        ("kafka://broker:9092", "clicks", "KafkaTopic"),
        ("s3://bucket", "path/file.parquet", "DataFile"),
        ("s3://bucket", "path/folder/", "FileFolder"),
        ("file", "/tmp/x.csv", "DataFile"),
        ("custom://thing", "x", "DataSet"),
    ],
)
def test_dataset_type_fits_its_namespace(namespace: str, name: str, expected: str) -> None:
    assert asset_type(namespace, name) == expected
    items = by_qn(contributions(run_event(inputs=[dataset(name, namespace)])))
    assert qualified_name(expected, namespace, name) in items


def test_inputs_and_outputs_flow_through_the_job() -> None:
    items = contributions(run_event(inputs=[dataset("a"), dataset("b")], outputs=[dataset("c")]))
    job = "DeployedSoftwareComponent::etl::load"
    assert rels(items, "DataFlow") == {
        (f"TableDataSet::{NS}::a", job),
        (f"TableDataSet::{NS}::b", job),
        (job, f"TableDataSet::{NS}::c"),
    }


def test_parent_facet_gives_a_hierarchy_from_root_to_parent_to_job() -> None:
    parent = facet(
        run={"runId": "b5d2c6a4-1f0e-4e7a-8f3c-2a9d8e7c6b51"},
        job={"namespace": "dbt", "name": "project.build"},
        root={
            "run": {"runId": "c1e7a0f2-9b4d-4c3e-a5f6-7d8e9f0a1b2c"},
            "job": {"namespace": "airflow", "name": "dag"},
        },
    )
    items = contributions(run_event(run_facets={"parent": parent}))
    assert rels(items, "ProcessHierarchy") == {
        ("DeployedSoftwareComponent::airflow::dag", "DeployedSoftwareComponent::dbt::project.build"),
        ("DeployedSoftwareComponent::dbt::project.build", "DeployedSoftwareComponent::etl::load"),
    }
    hierarchy = next(c for c in items if c.type_name == "ProcessHierarchy")
    assert hierarchy.values == {"p:containmentType": "OWNED", "s:": "ACTIVE"}


def test_schema_gives_a_schema_type_with_columns_and_nested_columns() -> None:
    schema = facet(
        fields=[
            {"name": "id", "type": "int"},
            {"name": "address", "type": "struct", "fields": [{"name": "city", "type": "text"}]},
        ]
    )
    items = contributions(run_event(outputs=[dataset("t", schema=schema)]))
    entities = by_qn(items)
    schema_qn = f"TabularSchemaType::{NS}::t"
    assert rels(items, "AssetSchemaType") == {(f"TableDataSet::{NS}::t", schema_qn)}
    assert rels(items, "AttributeForSchema") == {
        (schema_qn, f"TabularColumn::{NS}::t::id"),
        (schema_qn, f"TabularColumn::{NS}::t::address"),
    }
    assert rels(items, "NestedSchemaAttribute") == {
        (f"TabularColumn::{NS}::t::address", f"TabularColumn::{NS}::t::address.city")
    }
    city = entities[f"TabularColumn::{NS}::t::address.city"]
    assert city.values["c:TypeEmbeddedAttribute"]["dataType"] == "text"
    assert entities[f"TabularColumn::{NS}::t::address"].values["p:position"] == 1


def test_column_lineage_gives_lineage_mappings_between_columns() -> None:
    lineage = facet(
        fields={
            "full_name": {
                "inputFields": [
                    {"namespace": NS, "name": "raw", "field": "first"},
                    {"namespace": NS, "name": "raw", "field": "last"},
                ]
            },
        }
    )
    items = contributions(run_event(inputs=[dataset("raw")], outputs=[dataset("out", columnLineage=lineage)]))
    assert rels(items, "LineageMapping") == {
        (f"TabularColumn::{NS}::raw::first", f"TabularColumn::{NS}::out::full_name"),
        (f"TabularColumn::{NS}::raw::last", f"TabularColumn::{NS}::out::full_name"),
    }
    # The source columns belong to their table, even with no schema facet for it.
    assert (f"TabularSchemaType::{NS}::raw", f"TabularColumn::{NS}::raw::first") in rels(
        items, "AttributeForSchema"
    )


def test_symlinks_make_one_asset_of_a_table_seen_under_two_names() -> None:
    links = facet(identifiers=[{"namespace": "hive://ms:9083", "name": "db.t", "type": "TABLE"}])
    by_path = by_qn(contributions(run_event(inputs=[dataset("warehouse/db/t", "s3://lake", symlinks=links)])))
    by_name = by_qn(contributions(run_event(inputs=[dataset("db.t", "hive://ms:9083")])))
    qn = "TableDataSet::hive://ms:9083::db.t"
    assert qn in by_path and qn in by_name
    assert not any(k.startswith("DataFile::") for k in by_path)
    assert by_path[qn].values["a:symlink:s3://lake::warehouse/db/t"] == "ALIAS"


def test_an_alias_known_to_the_read_model_is_resolved() -> None:
    catalogue = MemoryCatalogue()
    links = facet(identifiers=[{"namespace": "hive://ms:9083", "name": "db.t", "type": "TABLE"}])
    catalogue.catalogue(run_event(inputs=[dataset("warehouse/db/t", "s3://lake", symlinks=links)]))
    # A later event names the table by its path only, with no symlinks facet.
    event = parse_event(orjson.dumps(run_event(job="other", inputs=[dataset("warehouse/db/t", "s3://lake")])))
    items = by_qn(map_event(event, catalogue.index))
    assert "TableDataSet::hive://ms:9083::db.t" in items
    assert not any(qn.startswith("DataFile::") for qn in items)


def test_deleted_facets_remove_what_they_set() -> None:
    items = by_qn(
        contributions(
            run_event(
                job_facets={
                    "documentation": {"_deleted": True},
                    "sql": {"_deleted": True},
                    "ownership": {"_deleted": True},
                }
            )
        )
    )
    job = items["DeployedSoftwareComponent::etl::load"]
    assert job.values["p:description"] is None
    assert job.values["p:formula"] is None
    assert job.values["c:Ownership"] is None


def test_guids_are_deterministic_and_stable() -> None:
    event = run_event(inputs=[dataset("a")], outputs=[dataset("b")])
    first, second = contributions(event), contributions(copy.deepcopy(event))
    assert [c.to_json() for c in first] == [c.to_json() for c in second]
    # Fixed forever: a change would re-identify every catalogued instance.
    assert entity_guid("DeployedSoftwareComponent::etl::load") == GUID_OF_LOAD
    assert relationship_guid("DataFlow", "x", "y") == relationship_guid("DataFlow", "x", "y")
    assert relationship_guid("DataFlow", "x", "y") != relationship_guid("DataFlow", "y", "x")


def test_contributions_round_trip_as_json() -> None:
    for c in contributions(run_event(inputs=[dataset("a")], outputs=[dataset("b")])):
        assert Contribution.from_json(orjson.loads(orjson.dumps(c.to_json()))) == c


def test_written_types_come_from_the_cohort_type_catalogue() -> None:
    """Instance types as Egeria writes them: category, guid, name, version, headerVersion only
    (InstanceType.java, odpi/egeria 86e1137bf8ffbb59bb14612396e6adf1dbcbad96; the super types
    and valid statuses left InstanceType in be5260bea9, "Remove some InstanceType fields")."""
    table = open_metadata_types.instance_type("TableDataSet")
    assert table.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "class": "InstanceType",
        "headerVersion": 1,
        "typeDefCategory": "ENTITY_DEF",
        "typeDefGUID": "20c45531-5d2e-4eb6-9a47-035cb1067b82",
        "typeDefName": "TableDataSet",
        "typeDefVersion": 1,
    }
    column = open_metadata_types.instance_type("TabularColumn")
    assert column.type_def_guid == "d81a0425-4e9b-4f31-bc1c-e18c3566da10"
    assert column.type_def_super_types is None


# ------------------------------------------------------------------ merge and change detection


def test_the_same_events_twice_publish_nothing_the_second_time() -> None:
    events = [
        run_event("START", "2026-01-01T00:00:00Z", inputs=[dataset("a")], outputs=[dataset("b")]),
        run_event("COMPLETE", "2026-01-01T00:01:00Z", inputs=[dataset("a")], outputs=[dataset("b")]),
    ]
    _states, first = catalogue(events)
    _, again = catalogue(events + events)
    assert len(again) == len(first)
    assert {e.instance_event_section.event_type for e in first} == {
        OMRSInstanceEventType.NEW_ENTITY_EVENT,
        OMRSInstanceEventType.NEW_RELATIONSHIP_EVENT,
    }


def test_newer_facts_win_whatever_the_arrival_order() -> None:
    start = run_event("START", "2026-01-01T00:00:00Z", job_facets={"sql": facet(query="select 1")})
    complete = run_event("COMPLETE", "2026-01-01T00:05:00Z", job_facets={"sql": facet(query="select 2")})
    guid = entity_guid("DeployedSoftwareComponent::etl::load")
    in_order, _ = catalogue([start, complete])
    reversed_order, published = catalogue([complete, start])
    assert in_order[guid].content() == reversed_order[guid].content()
    assert reversed_order[guid].content()["properties"]["formula"] == "select 2"
    assert reversed_order[guid].version == 1 and len(published) == 1


def test_merge_is_order_independent_for_many_events() -> None:
    events = [
        run_event(
            "RUNNING",
            f"2026-01-01T00:0{i}:00Z",
            inputs=[dataset("a", schema=facet(fields=[{"name": f"c{i}"}]))],
            job_facets={"documentation": facet(description=f"v{i}")},
        )
        for i in range(6)
    ]
    reference, _ = catalogue(events)
    for seed in range(5):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        states, _ = catalogue(shuffled)
        assert {g: s.content() for g, s in states.items()} == {g: s.content() for g, s in reference.items()}


def test_a_change_bumps_the_version_and_is_an_update_or_classification_event() -> None:
    base = run_event("COMPLETE", "2026-01-01T00:00:00Z")
    described = run_event(
        "COMPLETE", "2026-01-01T00:01:00Z", job_facets={"documentation": facet(description="x")}
    )
    owned = run_event(
        "COMPLETE", "2026-01-01T00:02:00Z", job_facets={"ownership": facet(owners=[{"name": "ann"}])}
    )
    disowned = run_event("COMPLETE", "2026-01-01T00:03:00Z", job_facets={"ownership": {"_deleted": True}})
    _states, published = catalogue([base, described, owned, disowned])
    job = [e for e in published if e.instance_event_section.type_def_name == "DeployedSoftwareComponent"]
    assert [e.instance_event_section.event_type for e in job] == [
        OMRSInstanceEventType.NEW_ENTITY_EVENT,
        OMRSInstanceEventType.UPDATED_ENTITY_EVENT,
        OMRSInstanceEventType.CLASSIFIED_ENTITY_EVENT,
        OMRSInstanceEventType.DECLASSIFIED_ENTITY_EVENT,
    ]
    assert [e.instance_event_section.entity.version for e in job] == [1, 2, 3, 4]


def test_published_events_are_valid_egeria_events_homed_here() -> None:
    lineage = facet(fields={"y": {"inputFields": [{"namespace": NS, "name": "a", "field": "x"}]}})
    _, published = catalogue(
        [
            run_event(
                inputs=[dataset("a", schema=facet(fields=[{"name": "x", "type": "int"}]))],
                outputs=[dataset("b", columnLineage=lineage)],
                job_facets={"ownership": facet(owners=[{"name": "ann"}])},
            )
        ]
    )
    for event in published:
        parsed = parse_omrs_event(dump_omrs_event(event))
        assert check_event_semantics(parsed) == []
        section = parsed.instance_event_section
        assert section.home_metadata_collection_id == HOME.collection_id
        bean = section.entity or section.relationship
        assert bean.metadata_collection_id == HOME.collection_id
        assert bean.type.type_def_guid == open_metadata_types.known_type(bean.type.type_def_name).guid
    lineage_mapping = next(e for e in published if e.instance_event_section.type_def_name == "LineageMapping")
    assert lineage_mapping.instance_event_section.type_def_guid == "a5991bB2-660D-A3a1-2955-fAcDA2d5F4Ff"


def test_state_round_trips_as_json() -> None:
    states, _ = catalogue([run_event(job_facets={"ownership": facet(owners=[{"name": "ann"}])})])
    for state in states.values():
        again = InstanceState.from_json(orjson.loads(orjson.dumps(state.to_json())))
        assert again == state
