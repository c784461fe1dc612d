"""The cataloguer writing Egeria 6's types, on a real broker: one worker whose cataloguer is
set to `types: "6"`, the dbt fixture's events (what `dbt-ol run` posted,
`tests/fixtures/dbt/events.json`) posted to it over HTTP, and the OMRS instance events it
shared read back from the cohort topic.

Oracle: the 6.0 release file (facts of Egeria 6's types archive; `tests.support.egeria_types`
reads it as plain JSON): every entity, relationship and classification shared is of a type
Egeria 6 defines, with properties its type defines. What Egeria 6's own OpenLineage
cataloguer writes (odpi/egeria fedfc36cef36670a653fff0e3708c02e2cbe2824,
`OpenLineageCataloguerIntegrationConnector.syncDataSet` / `createColumns`) is the other:
tables as `TabularDataSet::{namespace}::{name}` with `displayName` and `resourceName`,
columns positioned from 1 on their `AttributeForSchema`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from agents.catalogue.layout import EGERIA_6
from tests.conftest import WorkerFactory
from tests.support.catalogue import MemoryCatalogue
from tests.support.dbt import captured_events
from tests.support.egeria_types import ReleaseTypes, problems
from tests.support.kafka import Broker, consume
from tests.support.workers import wait_until

COHORT = "testCohort"


def _strings(props: dict[str, Any] | None) -> dict[str, Any]:
    return {
        name: value.get("primitiveValue")
        for name, value in ((props or {}).get("instanceProperties") or {}).items()
        if value.get("instancePropertyCategory") == "PRIMITIVE"
    }


def test_a_cataloguer_set_to_egeria_6_shares_instances_valid_for_its_types(
    broker: Broker, server_env: dict[str, str], workers: WorkerFactory, tmp_path: Path
) -> None:
    connectors = tmp_path / "connectors.json"
    connectors.write_bytes(orjson.dumps({"connectors": [{"name": "cataloguer", "settings": {"types": "6"}}]}))
    worker = workers({"LINEAGE_CONNECTORS": str(connectors)})
    worker.wait_ready(timeout=120)
    events = captured_events()
    for event in events:
        response = worker.post("/api/v1/lineage", json=event)
        assert response.status_code in (200, 201), response.text

    # What to wait for: the NEW events the same events make when catalogued in memory.
    memory = MemoryCatalogue(layout=EGERIA_6)
    memory.catalogue(*events)
    wanted = {k: n for k, n in memory.kinds().items() if k[0].startswith("NEW_")}
    topic = f"{server_env['LINEAGE_TOPIC_ROOT']}.openmetadata.repositoryservices.cohort.{COHORT}.OMRSTopic.instances"

    def shared() -> list[dict[str, Any]] | None:
        records = consume(broker.bootstrap, topic, expect=sum(wanted.values()), timeout=10)
        found = [orjson.loads(r.value or b"{}") for r in records]
        ours = [e for e in found if e["originator"].get("serverName") == server_env["LINEAGE_SERVER_NAME"]]
        counts = Counter(
            (e["instanceEventSection"]["eventType"], e["instanceEventSection"]["typeDefName"]) for e in ours
        )
        return ours if all(counts[k] >= n for k, n in wanted.items()) else None

    ours = wait_until(shared, timeout=180, message="the dbt run's instance events never all arrived")
    types = ReleaseTypes("6.0")
    assert [p for e in ours for p in problems(types, e)] == []
    names = {e["instanceEventSection"]["typeDefName"] for e in ours}
    assert {"TabularDataSet", "Schema", "AttributeForSchema", "LineageMapping"} <= names
    assert not names & {"TableDataSet", "AssetSchemaType", "PortSchema", "KafkaTopic"}

    tables = [
        e["instanceEventSection"]["entity"]
        for e in ours
        if e["instanceEventSection"]["typeDefName"] == "TabularDataSet"
    ]
    for table in tables:
        props = _strings(table["properties"])
        _, namespace, name = str(props["qualifiedName"]).split("::", 2)
        assert (props["displayName"], props["resourceName"], props["namespacePath"]) == (
            name,
            name,
            namespace,
        )
    positions = sorted(
        _strings(e["instanceEventSection"]["relationship"]["properties"]).get("position")
        for e in ours
        if e["instanceEventSection"]["typeDefName"] == "AttributeForSchema"
        and e["instanceEventSection"]["eventType"] == "NEW_RELATIONSHIP_EVENT"
    )
    assert positions and min(p for p in positions if p is not None) == 1

    # The worker's own lineage graph reads what it shared in Egeria 6's layout: its columns
    # in the order dbt-ol reported them, from the positions on AttributeForSchema.
    mart = next(
        f"dataset:{ns}:{name}"
        for ns, name in (str(_strings(t["properties"])["qualifiedName"]).split("::", 2)[1:] for t in tables)
        if name.endswith("main_marts.customers")
    )
    graph = wait_until(
        lambda: (
            (r := worker.get("/api/v1/lineage", params={"nodeId": mart, "depth": "20"})).status_code == 200
            and {n["id"]: n for n in r.json()["graph"]}
        ),
        timeout=60,
        message=f"the worker's graph never answered for {mart}",
    )
    reported = next(
        o["facets"]["schema"]["fields"]
        for e in events
        for o in e.get("outputs", [])
        if o["name"].endswith("main_marts.customers") and "schema" in (o.get("facets") or {})
    )
    assert [f["name"] for f in graph[mart]["data"]["fields"]] == [f["name"] for f in reported]
