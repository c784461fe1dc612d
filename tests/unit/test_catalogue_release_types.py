"""What the cataloguer shares is valid for the types of the cohort's Egeria release.

Oracle: the release files `schemas/egeria_types/egeria-5.2.json` and `egeria-6.0.json`
(facts of Egeria's types archive at the odpi/egeria commits they name; `TabularDataSet` and
`Schema` of 6.0 as its `addedFacts` says), read here as plain JSON, apart from the code under
test. Every entity, relationship and classification of every OMRS event published for the
dbt fixture (what `dbt-ol run` posted, `tests/fixtures/dbt/events.json`), the Spark fixture
(`tests/fixtures/openlineage/spark_run_event.json`, the Spark integration's event) and one
hand-made event (a Kafka topic, owners, a rename, a job dependency; below) is checked as
the wire carries it: its type is one the release defines (same guid and category), every
property is one its type or a super type defines, with the attribute type's kind of value,
enum values by the release's ordinal, relationship ends of the end types, classifications
on entities their TypeDef accepts, and (Egeria 6) no end holds more relationships than its
cardinality allows.

What Egeria 6 itself writes for the same OpenLineage is the other oracle: odpi/egeria
fedfc36cef36670a653fff0e3708c02e2cbe2824 `OpenLineageCataloguerIntegrationConnector`
(`syncDataSet`: `{typeName}::{namespace}::{name}`, `displayName` and `resourceName` the name,
`namespacePath` the namespace; `getDataAssetProperties`: `TabularDataSet` for tables, `Topic`
with "Apache Kafka Topic" for Kafka; `createColumns`: the position on `AttributeForSchema`
counted from 1, the type in `TypeEmbeddedAttribute` as a `PrimitiveSchemaType`).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agents.catalogue.elements import DeleteMethod, SchemaAttributeProperties
from agents.catalogue.layout import EGERIA_5, EGERIA_6, Layout, announced_release, cohort_release, layout_for
from agents.catalogue.mapping import CataloguerOptions
from schemas.omrs import dump_omrs_event
from tests.support.catalogue import MemoryCatalogue
from tests.support.dbt import captured_events
from tests.support.egeria_types import ReleaseTypes, problems

SPARK = Path(__file__).resolve().parents[1] / "fixtures" / "openlineage" / "spark_run_event.json"
KAFKA_NS = "kafka://broker.example.com:9092"

HAND_MADE = [
    {  # hand-made: a job reading a table and writing a Kafka topic, with owners and a dependency
        "eventType": "START",
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": "https://example.com/hand-made",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {
            "runId": "0190a7a6-4b1b-7c3e-9a1e-0123456789ab",
            "facets": {
                "jobDependencies": {
                    "_producer": "https://example.com/hand-made",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/JobDependenciesRunFacet.json",
                    "upstream": [
                        {"job": {"namespace": "etl", "name": "extract"}, "dependency_type": "DIRECT"}
                    ],
                }
            },
        },
        "job": {
            "namespace": "etl",
            "name": "publish_orders",
            "facets": {
                "ownership": {
                    "_producer": "https://example.com/hand-made",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json",
                    "owners": [{"name": "team:data"}],
                },
                "documentation": {
                    "_producer": "https://example.com/hand-made",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/DocumentationJobFacet.json",
                    "description": "publishes orders",
                },
            },
        },
        "inputs": [{"namespace": "postgres://db:5432", "name": "shop.public.orders"}],
        "outputs": [
            {
                "namespace": KAFKA_NS,
                "name": "orders",
                "facets": {
                    "schema": {
                        "_producer": "https://example.com/hand-made",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                        "fields": [{"name": "id", "type": "long"}, {"name": "amount", "type": "decimal"}],
                    }
                },
            }
        ],
    },
    {  # hand-made: the table renamed (its old asset archived with a Memento)
        "eventType": "COMPLETE",
        "eventTime": "2026-01-01T00:01:00Z",
        "producer": "https://example.com/hand-made",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0190a7a6-4b1b-7c3e-9a1e-0123456789ab"},
        "job": {"namespace": "etl", "name": "publish_orders"},
        "inputs": [
            {
                "namespace": "postgres://db:5432",
                "name": "shop.public.orders_v2",
                "facets": {
                    "lifecycleStateChange": {
                        "_producer": "https://example.com/hand-made",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/LifecycleStateChangeDatasetFacet.json",
                        "lifecycleStateChange": "RENAME",
                        "previousIdentifier": {
                            "namespace": "postgres://db:5432",
                            "name": "shop.public.orders",
                        },
                    },
                    "ownership": {
                        "_producer": "https://example.com/hand-made",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json",
                        "owners": [{"name": "user:ana"}],
                    },
                },
            }
        ],
        "outputs": [],
    },
]


# ---------------------------------------------------------------------------------- runs


def catalogued(layout: Layout) -> MemoryCatalogue:
    catalogue = MemoryCatalogue(
        CataloguerOptions(catalog_runs=True, drop_method=DeleteMethod.ARCHIVE), layout=layout
    )
    catalogue.catalogue(*captured_events())
    catalogue.catalogue(json.loads(SPARK.read_text()))
    catalogue.catalogue(*HAND_MADE)
    return catalogue


@pytest.fixture(scope="module")
def by_release() -> dict[str, MemoryCatalogue]:
    return {"5.2": catalogued(EGERIA_5), "6.0": catalogued(EGERIA_6)}


def wire(catalogue: MemoryCatalogue) -> list[dict[str, Any]]:
    return [json.loads(dump_omrs_event(e)) for e in catalogue.published]


@pytest.mark.parametrize("release", ["5.2", "6.0"])
def test_every_instance_shared_is_valid_for_the_release_types(
    release: str, by_release: dict[str, MemoryCatalogue]
) -> None:
    types = ReleaseTypes(release)
    events = wire(by_release[release])
    kinds = Counter(
        (e["instanceEventSection"].get("entity") or e["instanceEventSection"].get("relationship"))["type"][
            "typeDefName"
        ]
        for e in events
    )
    # every kind of instance the cataloguer makes is there to be checked
    tables = "TableDataSet" if release == "5.2" else "TabularDataSet"
    topics = "KafkaTopic" if release == "5.2" else "Topic"
    schema_link = "AssetSchemaType" if release == "5.2" else "Schema"
    for name in (tables, topics, "DataFile", schema_link, "TabularColumn", "PortAlias", "ControlFlow"):
        assert kinds[name] > 0, name
    assert kinds["TransientEmbeddedProcess"] > 0 and kinds["LineageMapping"] > 0
    classifications = {
        c["name"]
        for e in events
        for c in (e["instanceEventSection"].get("entity") or {}).get("classifications") or []
    }
    assert {"Memento", "Ownership", "TypeEmbeddedAttribute"} <= classifications
    found = [p for e in events for p in problems(types, e)]
    assert found == []


def test_no_schema_type_is_described_by_two_elements_in_egeria_6(
    by_release: dict[str, MemoryCatalogue],
) -> None:
    """Egeria 6's Schema: end 1 (`describesStructureFor`) AT_MOST_ONE - a schema type has one
    describing element; ProcessPort: a port has one process (6.0 file)."""
    catalogue = by_release["6.0"]
    types = ReleaseTypes("6.0")
    for name in ("Schema", "ProcessPort", "AttributeForSchema", "NestedSchemaAttribute"):
        (end1, end2) = types.types[name]["ends"]
        links = catalogue.live_links(name)
        if end1[3] == "AT_MOST_ONE":
            assert max(Counter(two for _, two in links).values(), default=1) == 1, name
        if end2[3] == "AT_MOST_ONE":
            assert max(Counter(one for one, _ in links).values(), default=1) == 1, name
    assert catalogue.live_links("PortSchema") == set() and catalogue.live_links("Schema")


def _entity(catalogue: MemoryCatalogue, qualified: str) -> dict[str, Any]:
    state = next(
        s
        for s in catalogue.states.values()
        if s.published and s.published["properties"].get("qualifiedName") == qualified
    )
    assert state.published is not None
    return state.published


def test_egeria_6_names_tables_topics_and_columns_as_its_own_cataloguer(
    by_release: dict[str, MemoryCatalogue],
) -> None:
    catalogue = by_release["6.0"]
    ns, name = "postgres://db:5432", "shop.public.orders_v2"
    table = _entity(catalogue, f"TabularDataSet::{ns}::{name}")["properties"]
    assert (table["displayName"], table["resourceName"], table["namespacePath"]) == (name, name, ns)
    assert "name" not in table
    topic = _entity(catalogue, f"Topic::{KAFKA_NS}::orders")["properties"]
    assert topic["deployedImplementationType"] == "Apache Kafka Topic"
    job = _entity(catalogue, "DeployedSoftwareComponent::etl::publish_orders")["properties"]
    assert (job["displayName"], job["resourceName"], job["description"]) == (
        "publish_orders",
        "publish_orders",
        "publishes orders",
    )
    columns = {
        s.end2.qualified_name.rsplit("::", 1)[1]: s.registers["p:position"][1]
        for s in catalogue.live("AttributeForSchema").values()
        if s.end2 is not None and s.end2.qualified_name.startswith(f"TabularColumn::{KAFKA_NS}::orders::")
    }
    assert columns == {"id": 1, "amount": 2}
    column = _entity(catalogue, f"TabularColumn::{KAFKA_NS}::orders::id")
    assert "position" not in column["properties"]
    assert column["classifications"]["TypeEmbeddedAttribute"] == {
        "schemaTypeName": "PrimitiveSchemaType",
        "dataType": "long",
    }


def test_egeria_5_keeps_its_names(by_release: dict[str, MemoryCatalogue]) -> None:
    """The 5.2 file: an asset's name is `name`, a column's position its own, counted from 0."""
    catalogue = by_release["5.2"]
    table = _entity(catalogue, "TableDataSet::postgres://db:5432::shop.public.orders_v2")["properties"]
    assert table["name"] == "shop.public.orders_v2" and "displayName" not in table
    column = _entity(catalogue, f"KafkaTopic::{KAFKA_NS}::orders")
    assert "deployedImplementationType" not in column["properties"]
    assert _entity(catalogue, f"TabularColumn::{KAFKA_NS}::orders::id")["properties"]["position"] == 0


def test_the_cohort_graph_reads_both_layouts_alike(by_release: dict[str, MemoryCatalogue]) -> None:
    """The lineage a member's graph answers does not depend on the release the instances were
    written for: the same nodes, edges, column order, types and descriptions."""

    def answer(catalogue: MemoryCatalogue, node: str) -> list[tuple[Any, ...]]:
        graph = catalogue.graph.lineage(node, 5)["graph"]
        out = []
        for n in graph:
            data = n.get("data") or {}
            fields = [(f["name"], f.get("type"), f.get("description")) for f in data.get("fields") or []]
            out.append((n["id"], sorted(e["destination"] for e in n["outEdges"]), fields))
        return sorted(out)

    node = "dataset:s3://datalake:/warehouse/marts/sales_summary_0"
    five, six = answer(by_release["5.2"], node), answer(by_release["6.0"], node)
    assert five == six and len(five) > 3
    assert any(fields for _, _, fields in six)
    dbt = next(n for n, _, _ in answer(by_release["5.2"], node) if n.startswith("dataset:"))
    assert answer(by_release["5.2"], dbt) == answer(by_release["6.0"], dbt)


# ---------------------------------------------------------------------------------- choosing


def test_a_member_says_its_release_by_the_name_it_gives_the_renamed_typedef() -> None:
    """guid 815b004d...: AssetSchemaType in the 5.2 archive, Schema in the 6.0 archive."""
    five, six = ReleaseTypes("5.2"), ReleaseTypes("6.0")
    asset_schema, schema = five.types["AssetSchemaType"], six.types["Schema"]
    assert asset_schema["guid"] == schema["guid"]
    assert announced_release("AssetSchemaType", asset_schema["guid"]) == "5"
    assert announced_release("Schema", schema["guid"]) == "6"
    assert announced_release("DataFlow", six.types["DataFlow"]["guid"]) is None
    assert announced_release("Schema", "another-guid") is None


def test_auto_writes_the_cohort_release_and_egeria_5_until_it_is_known() -> None:
    assert layout_for("auto", None) is EGERIA_5
    assert layout_for("auto", "6") is EGERIA_6
    assert layout_for("5", "6") is EGERIA_5 and layout_for("6", None) is EGERIA_6
    assert cohort_release(["6", None, "6"]) == "6"
    assert cohort_release(["6", "5"]) is None and cohort_release([]) is None


def test_a_connector_s_own_cataloguing_is_written_in_the_catalogue_layout() -> None:
    """The cataloguing API names Egeria 5's types; in Egeria 6 a table is a TabularDataSet and a
    column's position, set or updated, is its AttributeForSchema's."""
    asyncio.run(_connector_cataloguing())


async def _connector_cataloguing() -> None:
    catalogue = MemoryCatalogue(layout=EGERIA_6)
    api = catalogue.api()
    async with api.batch() as w:
        table = w.create_data_asset("postgres://db:5432", "shop.public.orders", type_name="TableDataSet")
        schema = w.create_schema_type("postgres://db:5432", "shop.public.orders", asset=table)
        column = w.create_schema_attribute(
            schema, "postgres://db:5432", "shop.public.orders::id", SchemaAttributeProperties(position=3)
        )
    assert (table.type_name, table.qualified_name) == (
        "TabularDataSet",
        "TabularDataSet::postgres://db:5432::shop.public.orders",
    )
    assert catalogue.live_links("Schema") == {(table.qualified_name, schema.qualified_name)}
    await api.update_schema_attribute(column, SchemaAttributeProperties(position=5, description="key"))
    [link] = catalogue.live("AttributeForSchema").values()
    assert link.registers["p:position"][1] == 5
    published = catalogue.states[column.guid].published
    assert published is not None and published["properties"]["description"] == "key"
    assert "position" not in published["properties"]
    types = ReleaseTypes("6.0")
    assert [p for e in wire(catalogue) for p in problems(types, e)] == []
