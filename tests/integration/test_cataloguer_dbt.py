"""A real dbt project's lineage, sent by the dbt OpenLineage integration over HTTP to a real
worker, read back as the OMRS instance events the worker shares on the cohort topic.

`dbt seed` then `dbt-ol run` (openlineage-dbt with dbt-core 1.10 and dbt-duckdb) on
`tests/fixtures/dbt/shop`, with `OPENLINEAGE_URL` set to the worker: the integration's own
HTTP transport posts to the worker's `/api/v1/lineage`. What must be catalogued comes from
outside the service: the models and their inputs from the project's SQL, the column
mappings from what dbt-ol reported for this project (`tests/fixtures/dbt/events.json`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from tests.conftest import WorkerFactory
from tests.support.dbt import NAMESPACE, captured_events, run_dbt_ol
from tests.support.kafka import Broker, consume
from tests.support.workers import wait_until
from tests.unit.test_catalogue_dbt import project_models

COHORT = "testCohort"


def qualified(instance: dict[str, Any]) -> str:
    props = instance.get("properties") or instance.get("uniqueProperties") or {}
    return str(props["instanceProperties"]["qualifiedName"]["primitiveValue"])


def without_namespace(qn: str) -> str:
    """`{type}::{ns}::{name}` -> `{type}::{name}` (the DuckDB namespace names the run's directory)."""
    type_name, _, rest = qn.partition("::")
    return f"{type_name}::{rest.partition('::')[2]}"


def expected_mappings() -> set[tuple[str, str]]:
    mappings = set()
    for event in captured_events():
        for output in event.get("outputs", []):
            for column, lineage in output["facets"].get("columnLineage", {}).get("fields", {}).items():
                for source in lineage["inputFields"]:
                    mappings.add(
                        (
                            f"TabularColumn::{source['name']}::{source['field']}",
                            f"TabularColumn::{output['name']}::{column}",
                        )
                    )
    return mappings


def test_dbt_ol_run_over_http_is_catalogued_and_shared(
    broker: Broker, server_env: dict[str, str], workers: WorkerFactory, tmp_path: Path
) -> None:
    worker = workers()
    worker.wait_ready(timeout=120)
    done = run_dbt_ol(worker.base_url, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Emitted 12 OpenLineage events" in done.stdout + done.stderr

    topic = f"{server_env['LINEAGE_TOPIC_ROOT']}.openmetadata.repositoryservices.cohort.{COHORT}.OMRSTopic.instances"
    models = project_models()
    flows = sum(len(reads) + 1 for _, reads in models.values())
    mappings = expected_mappings()
    wanted = {
        ("NEW_ENTITY_EVENT", "DeployedSoftwareComponent"): len(models) + 1,
        ("NEW_RELATIONSHIP_EVENT", "DataFlow"): flows,
        ("NEW_RELATIONSHIP_EVENT", "LineageMapping"): len(mappings),
        ("NEW_ENTITY_EVENT", "PortImplementation"): flows,
    }

    def shared() -> list[dict[str, Any]] | None:
        records = consume(broker.bootstrap, topic, expect=sum(wanted.values()), timeout=10)
        events = [orjson.loads(r.value or b"{}") for r in records]
        ours = [e for e in events if e["originator"].get("serverName") == server_env["LINEAGE_SERVER_NAME"]]
        counts = Counter(
            (e["instanceEventSection"]["eventType"], e["instanceEventSection"]["typeDefName"]) for e in ours
        )
        return ours if all(counts[k] >= n for k, n in wanted.items()) else None

    events = wait_until(shared, timeout=180, message="the dbt run's instance events never all arrived")
    instances: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        section = event["instanceEventSection"]
        instances.setdefault(section["typeDefName"], []).append(
            section.get("entity") or section.get("relationship")
        )

    processes = {without_namespace(qualified(p)) for p in instances["DeployedSoftwareComponent"]}
    assert processes == {
        f"DeployedSoftwareComponent::shop.{table.split('.')[1]}.shop.{model}"
        for model, (table, _) in models.items()
    } | {"DeployedSoftwareComponent::dbt-run-shop"}
    data_flows = {
        (without_namespace(qualified(r["entityOneProxy"])), without_namespace(qualified(r["entityTwoProxy"])))
        for r in instances["DataFlow"]
    }
    for model, (table, reads) in models.items():
        job = f"DeployedSoftwareComponent::shop.{table.split('.')[1]}.shop.{model}"
        assert (job, f"TableDataSet::{table}") in data_flows
        assert {(f"TableDataSet::{read}", job) for read in reads} <= data_flows
    column_mappings = {
        (
            without_namespace(qualified(r["entityOneProxy"])),
            without_namespace(qualified(r["entityTwoProxy"])),
        )
        for r in instances["LineageMapping"]
    }
    assert column_mappings == mappings
    home = worker.status()["metadataCollectionId"]
    assert {e["instanceEventSection"]["homeMetadataCollectionId"] for e in events} == {home}

    # The worker's lineage graph answers for the mart, from raw source to mart.
    namespace = next(
        qualified(t).split("::")[1] for t in instances["TableDataSet"] if qualified(t).endswith("customers")
    )
    mart = f"dataset:{namespace}:shop.main_marts.customers"
    graph = wait_until(
        lambda: (
            (r := worker.get("/api/v1/lineage", params={"nodeId": mart, "depth": "20"})).status_code == 200
            and {n["id"] for n in r.json()["graph"]}
        ),
        timeout=60,
    )
    assert f"dataset:{namespace}:shop.main_raw.raw_payments" in graph
    assert f"job:{NAMESPACE}:shop.main_marts.shop.orders" in graph
