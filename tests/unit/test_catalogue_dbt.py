"""A real dbt project's lineage, as the dbt OpenLineage integration reports it, catalogued.

Input: `tests/fixtures/dbt/events.json`, what `dbt-ol run` (openlineage-dbt 1.54 on
dbt-core 1.10 with dbt-duckdb, versions in the file's `provenance`) posted over HTTP for the
`tests/fixtures/dbt/shop` project. Expectations come from outside the code under test: the
models and their inputs from the project's own SQL (`ref()` and `source()` calls), the
column mappings from the `columnLineage` facets dbt-ol wrote.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.catalogue import MemoryCatalogue
from tests.support.dbt import NAMESPACE, PROJECT, captured_events

SCHEMAS = {"staging": "main_staging", "marts": "main_marts"}  # dbt's `{target schema}_{+schema}`


def project_models() -> dict[str, tuple[str, set[str]]]:
    """model name -> (its table, the tables it reads), from the project's SQL."""
    sources = yaml.safe_load((PROJECT / "models" / "sources.yml").read_text())["sources"][0]
    models: dict[str, tuple[str, set[str]]] = {}
    sql_files = sorted((PROJECT / "models").rglob("*.sql"))
    layer_of = {path.stem: path.parent.name for path in sql_files}
    for path in sql_files:
        sql = path.read_text()
        reads = {f"shop.{SCHEMAS[layer_of[m]]}.{m}" for m in re.findall(r"ref\('(\w+)'\)", sql)}
        reads |= {f"shop.{sources['schema']}.{t}" for _, t in re.findall(r"source\('(\w+)', '(\w+)'\)", sql)}
        models[path.stem] = (f"shop.{SCHEMAS[path.parent.name]}.{path.stem}", reads)
    return models


@pytest.fixture(scope="module")
def catalogued() -> tuple[MemoryCatalogue, list[dict[str, Any]]]:
    events = captured_events()
    catalogue = MemoryCatalogue()
    catalogue.catalogue(*events)
    return catalogue, events


def db(events: list[dict[str, Any]]) -> str:
    return next(o["namespace"] for e in events for o in e.get("outputs", []))


def test_every_model_is_a_process_under_the_dbt_run(
    catalogued: tuple[MemoryCatalogue, list[dict[str, Any]]],
) -> None:
    catalogue, _ = catalogued
    models = project_models()
    assert len(models) == 5
    jobs = {
        f"DeployedSoftwareComponent::{NAMESPACE}::shop.{table.split('.')[1]}.shop.{m}"
        for m, (table, _) in models.items()
    }
    run_job = f"DeployedSoftwareComponent::{NAMESPACE}::dbt-run-shop"
    assert catalogue.live_qns("DeployedSoftwareComponent") == jobs | {run_job}
    assert catalogue.live_links("ProcessHierarchy") == {(run_job, job) for job in jobs}


def test_every_model_reads_its_refs_and_sources_and_writes_its_table(
    catalogued: tuple[MemoryCatalogue, list[dict[str, Any]]],
) -> None:
    catalogue, events = catalogued
    ns = db(events)
    expected = set()
    for model, (table, reads) in project_models().items():
        job = f"DeployedSoftwareComponent::{NAMESPACE}::shop.{table.split('.')[1]}.shop.{model}"
        expected |= {(f"TableDataSet::{ns}::{read}", job) for read in reads}
        expected.add((job, f"TableDataSet::{ns}::{table}"))
    assert catalogue.live_links("DataFlow") == expected
    # Each model has an input port per table it reads and an output port for its table.
    ports = catalogue.live_qns("PortImplementation")
    assert len(ports) == len(expected)


def test_every_column_mapping_dbt_reports_is_a_lineage_mapping(
    catalogued: tuple[MemoryCatalogue, list[dict[str, Any]]],
) -> None:
    catalogue, events = catalogued
    reported: set[tuple[str, str]] = set()
    for event in events:
        for output in event.get("outputs", []):
            facet = output.get("facets", {}).get("columnLineage", {})
            for column, lineage in facet.get("fields", {}).items():
                for source in lineage["inputFields"]:
                    reported.add(
                        (
                            f"TabularColumn::{source['namespace']}::{source['name']}::{source['field']}",
                            f"TabularColumn::{output['namespace']}::{output['name']}::{column}",
                        )
                    )
    assert len(reported) >= 15
    assert catalogue.live_links("LineageMapping") == reported


def test_columns_keep_the_types_and_descriptions_dbt_documents(
    catalogued: tuple[MemoryCatalogue, list[dict[str, Any]]],
) -> None:
    catalogue, events = catalogued
    ns = db(events)
    columns = {
        s.published["properties"]["qualifiedName"]: s.published
        for s in catalogue.live("TabularColumn").values()
        if s.published
    }
    customer_id = columns[f"TabularColumn::{ns}::shop.main_staging.stg_customers::customer_id"]
    assert customer_id["properties"]["description"] == "The customer's id in the shop."
    assert customer_id["classifications"]["TypeEmbeddedAttribute"]["dataType"] == "integer"
    graph = catalogue.graph.lineage(f"datasetField:{ns}:shop.main_marts.customers:full_name")["graph"]
    assert {n["id"] for n in graph} >= {
        f"datasetField:{ns}:shop.main_raw.raw_customers:first_name",
        f"datasetField:{ns}:shop.main_raw.raw_customers:last_name",
    }


def test_the_run_catalogued_twice_publishes_nothing_more(
    catalogued: tuple[MemoryCatalogue, list[dict[str, Any]]],
) -> None:
    catalogue, events = catalogued
    assert catalogue.catalogue(*events) == []


def test_the_fixture_says_where_it_came_from() -> None:
    provenance = json.loads(Path(PROJECT.parent / "events.json").read_text())["provenance"]
    assert provenance["versions"]["dbt-core"].startswith("1.10.")
    assert "openlineage-dbt" in provenance["versions"]
