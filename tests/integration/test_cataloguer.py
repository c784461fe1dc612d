"""The cataloguer and lineage queries, as a user meets them: two real worker replicas, a real
broker, events sent with the official openlineage-python client, instance events read back
from the cohort topic, graphs asked of both replicas."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import job_type_job, sql_job
from openlineage.client.serde import Serde
from openlineage.client.transport.http import HttpConfig, HttpTransport

from agents.catalogue.mapping import map_event
from schemas.openlineage import parse_event
from tests.support.kafka import Broker, Record, consume, produce, unique
from tests.support.pipeline import COLUMN_MAPPINGS, DB, MODELS, PRODUCER, Pipeline, symlinked_table_event
from tests.support.repository import Repository
from tests.support.workers import WorkerProcess, server_variables, wait_until

COHORT = "testCohort"


class Server:
    """Two replicas of one server, its topics, and the official client pointed at the first."""

    def __init__(self, broker: Broker, env: dict[str, str], replicas: list[WorkerProcess]) -> None:
        self.broker = broker
        self.env = env
        self.replicas = replicas
        root, name = env["LINEAGE_TOPIC_ROOT"], env["LINEAGE_SERVER_NAME"]
        self.instances_topic = f"{root}.openmetadata.repositoryservices.cohort.{COHORT}.OMRSTopic.instances"
        self.client = OpenLineageClient(
            transport=HttpTransport(HttpConfig(url=replicas[0].base_url, timeout=30))
        )
        self.server_name = name
        self.sent_contributions = 0

    def emit(self, *events: RunEvent) -> None:
        for event in events:
            self.client.emit(event)
            self.sent_contributions += len(map_event(parse_event(Serde.to_json(event))))

    def instance_events(self, expect: int = 0, settle: float = 0.0) -> list[dict[str, Any]]:
        records: list[Record] = consume(
            self.broker.bootstrap, self.instances_topic, expect=expect, timeout=90, settle=settle
        )
        return [orjson.loads(r.value or b"{}") for r in records]

    def ours(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if e["originator"].get("serverName") == self.server_name]

    def catalogued(self) -> int:
        """Contributions the catalogue agents of all replicas have handled (from /metrics)."""
        total = 0
        for worker in self.replicas:
            for line in worker.get("/metrics").text.splitlines():
                if line.startswith('lineage_events_in_total{stream="catalogue"}'):
                    total += int(float(line.split()[-1]))
        return total

    def wait_catalogued(self) -> None:
        wait_until(
            lambda: self.catalogued() >= self.sent_contributions,
            timeout=120,
            message=f"the catalogue agents never handled {self.sent_contributions} contributions",
        )

    def lineage(self, node_id: str, depth: int = 20, worker: int = 0) -> requests.Response:
        return self.replicas[worker].get("/api/v1/lineage", params={"nodeId": node_id, "depth": str(depth)})

    def graph(self, node_id: str, depth: int = 20, worker: int = 0) -> dict[str, dict[str, Any]]:
        response = self.lineage(node_id, depth, worker)
        assert response.status_code == 200, response.text
        return {n["id"]: n for n in response.json()["graph"]}

    def wait_graph(self, node_id: str, needed: set[str], depth: int = 20) -> dict[str, dict[str, Any]]:
        """Wait until every replica's graph around node_id holds the needed nodes; return the first's."""

        def ready() -> dict[str, dict[str, Any]] | None:
            graphs = []
            for i in range(len(self.replicas)):
                response = self.lineage(node_id, depth, i)
                if response.status_code != 200:
                    return None
                graph = {n["id"]: n for n in response.json()["graph"]}
                if not needed <= set(graph):
                    return None
                graphs.append(graph)
            return graphs[0]

        return wait_until(ready, timeout=120, message=f"graph around {node_id} never held {sorted(needed)}")


@pytest.fixture(scope="module")
def server(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    name = unique("cat")
    env = server_variables(broker.url, name, cohort=COHORT)
    base: Path = tmp_path_factory.mktemp("cataloguer")
    replicas = [WorkerProcess(env=dict(env), data_dir=base / f"r{i}").start() for i in range(2)]
    try:
        for worker in replicas:
            worker.wait_ready(timeout=120)
        yield Server(broker, env, replicas)
    finally:
        for worker in replicas:
            worker.kill()


def ds(name: str) -> str:
    return f"dataset:{DB}:{name}"


def by_type(events: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter(
        (e["instanceEventSection"]["eventType"], e["instanceEventSection"]["typeDefName"]) for e in events
    )


def shared_instances_are_read_back(repository: Repository, events: list[dict[str, Any]]) -> None:
    """Every entity and relationship of a NEW_ENTITY_EVENT / NEW_RELATIONSHIP_EVENT in `events`,
    read with getEntityDetail / getRelationship, is the instance of the newest event about its
    guid: its guid, type, version and properties, ends included. Home copies are recorded when
    this server's own events come back from the cohort topic: waited for, not assumed."""
    newest: dict[str, dict[str, Any]] = {}
    for event in events:
        section = event["instanceEventSection"]
        instance = section.get("entity") or section.get("relationship")
        if instance["version"] >= newest.get(instance["guid"], {"version": 0})["version"]:
            newest[instance["guid"]] = instance
    created = {
        section["instanceGUID"]: section["eventType"]
        for section in (e["instanceEventSection"] for e in events)
        if section["eventType"] in ("NEW_ENTITY_EVENT", "NEW_RELATIONSHIP_EVENT")
    }
    assert created

    read: dict[str, dict[str, Any]] = {}

    def answered() -> bool:
        for guid in sorted(created.keys() - read.keys()):
            if created[guid] == "NEW_ENTITY_EVENT":
                answer = repository.call(f"/instances/entity/{guid}")
                instance = answer.get("entity")
            else:
                answer = repository.call(f"/instances/relationship/{guid}")
                instance = answer.get("relationship")
            if instance is None or instance["version"] < newest[guid]["version"]:
                return False  # not recorded yet: ask again for it and those after it
            assert answer["relatedHTTPCode"] == 200, answer
            read[guid] = instance
        return True

    wait_until(answered, timeout=60, message="the REST API never answered every shared instance")
    for guid, instance in read.items():
        shared = newest[guid]
        assert instance["guid"] == guid
        assert instance["type"]["typeDefName"] == shared["type"]["typeDefName"], guid
        assert instance["version"] == shared["version"], guid
        assert instance.get("properties") == shared.get("properties"), guid
        assert instance["metadataCollectionId"] == shared["metadataCollectionId"], guid
        for end in ("entityOneProxy", "entityTwoProxy"):
            if end in shared:
                assert instance[end]["guid"] == shared[end]["guid"], (guid, end)
        assert instance == shared, guid


def test_dbt_pipeline_is_catalogued_shared_and_queryable(server: Server) -> None:
    pipeline = Pipeline.build()
    server.emit(*pipeline.events)
    tables = {t for inputs, output, _ in MODELS.values() for t in [*inputs, output]}
    flows = sum(len(inputs) + 1 for inputs, _, _ in MODELS.values())
    expected = {
        ("NEW_ENTITY_EVENT", "DeployedSoftwareComponent"): len(MODELS) + 2,  # models, parent, root
        ("NEW_ENTITY_EVENT", "TableDataSet"): len(tables),
        ("NEW_RELATIONSHIP_EVENT", "DataFlow"): flows,
        ("NEW_RELATIONSHIP_EVENT", "LineageMapping"): COLUMN_MAPPINGS,
        ("NEW_RELATIONSHIP_EVENT", "ProcessHierarchy"): 1 + len(MODELS),
        ("NEW_ENTITY_EVENT", "TabularSchemaType"): len(tables),
        ("NEW_RELATIONSHIP_EVENT", "AssetSchemaType"): len(tables),
    }

    def complete() -> list[dict[str, Any]] | None:
        events = server.ours(server.instance_events())
        counts = by_type(events)
        return events if all(counts[k] >= v for k, v in expected.items()) else None

    events = wait_until(complete, timeout=120, message="the pipeline's instance events never all arrived")
    counts = by_type(events)
    for key, value in expected.items():
        assert counts[key] == value, (key, counts[key], value)
    home = server.replicas[0].status()["metadataCollectionId"]
    for event in events:
        section = event["instanceEventSection"]
        instance = section.get("entity") or section.get("relationship")
        assert event["class"] == "OMRSEventV1"
        assert section["homeMetadataCollectionId"] == home
        assert instance["metadataCollectionId"] == home
        assert instance["version"] >= 1
    versions: dict[str, list[int]] = {}
    for event in events:
        section = event["instanceEventSection"]
        versions.setdefault(section["instanceGUID"], []).append(
            (section.get("entity") or section.get("relationship"))["version"]
        )
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values()), (
        "versions must go 1, 2, 3... per guid"
    )

    # Issue 14: Egeria's REST repository connector reads every instance this server is home of,
    # from either replica, as the newest event about it shared it.
    for worker in server.replicas:
        shared_instances_are_read_back(Repository(worker, server.server_name), events)

    mart = ds("shop.marts.customers")
    needed = {
        mart,
        ds("shop.raw.customers"),
        ds("shop.raw.orders"),
        "job:dbt:shop.customers",
        "job:dbt:shop.stg_orders",
    }
    graph = server.wait_graph(mart, needed)
    assert server.graph(mart, worker=1) == graph, "both replicas answer the same"
    job = graph["job:dbt:shop.customers"]
    assert job["type"] == "JOB"
    assert {e["origin"] for e in job["inEdges"]} == {
        ds("shop.staging.stg_customers"),
        ds("shop.staging.stg_orders"),
    }
    assert [e["destination"] for e in job["outEdges"]] == [mart]
    assert job["data"]["sql"].startswith("select * from")
    assert job["data"]["parentJob"] == {"namespace": "dbt", "name": "shop.build"}
    assert job["data"]["owner"] == "team:analytics"
    assert [f["name"] for f in graph[mart]["data"]["fields"]] == [
        "customer_id",
        "full_name",
        "lifetime_value",
    ]

    assert set(server.graph(mart, depth=1)) == {mart, "job:dbt:shop.customers"}
    downstream = server.graph(ds("shop.raw.orders"))
    assert mart in downstream and ds("shop.raw.customers") not in downstream

    column = server.graph(f"datasetField:{DB}:shop.marts.customers:full_name")
    assert set(column) == {
        f"datasetField:{DB}:shop.marts.customers:full_name",
        f"datasetField:{DB}:shop.staging.stg_customers:full_name",
        f"datasetField:{DB}:shop.raw.customers:first_name",
        f"datasetField:{DB}:shop.raw.customers:last_name",
    }

    unknown = server.lineage(ds("shop.nope"))
    assert unknown.status_code == 404 and "no node" in unknown.json()["errors"][0]["message"]
    bad = server.lineage("table:x")
    assert bad.status_code == 400 and "nodeId" in bad.json()["errors"][0]["message"]
    assert server.lineage(mart, depth=-1).status_code == 400

    # Replaying the whole pipeline changes nothing: not one more instance event.
    before = len(server.ours(server.instance_events()))
    server.emit(*pipeline.events)
    server.wait_catalogued()
    after = server.ours(server.instance_events(expect=before, settle=2.0))
    assert len(after) == before, by_type(after) - by_type(events)
    # Runs are not catalogued unless asked (`catalog_runs`, off by default as Egeria's catalogRuns).
    assert not [e for e in after if e["instanceEventSection"]["typeDefName"] == "TransientEmbeddedProcess"]


def _event(state: RunState, job: str, minute: int, run_id: str, **kwargs: Any) -> RunEvent:
    return RunEvent(
        eventType=state,
        eventTime=(datetime(2026, 2, 1, tzinfo=UTC) + timedelta(minutes=minute)).isoformat(),
        run=Run(runId=run_id),
        job=Job(namespace="cycle", name=job, facets=kwargs.pop("facets", {})),
        producer=PRODUCER,
        **kwargs,
    )


def test_run_cycle_out_of_order_unfinished_failed_and_streaming(server: Server) -> None:
    a, b, c, d, s = (str(uuid.uuid4()) for _ in range(5))
    src = [InputDataset(namespace=DB, name="cycle.src")]

    def out(name: str) -> list[OutputDataset]:
        return [OutputDataset(namespace=DB, name=name)]

    new_sql = {"sql": sql_job.SQLJobFacet(query="select 2")}
    old_sql = {"sql": sql_job.SQLJobFacet(query="select 1")}
    streaming = {"jobType": job_type_job.JobTypeJobFacet(processingType="STREAMING", integration="FLINK")}
    topic_in = [InputDataset(namespace="kafka://broker:9092", name="clicks")]
    file_out = [OutputDataset(namespace="s3://lake", name="clicks/")]
    server.emit(
        # A COMPLETE overtaking its START: the newer facts (COMPLETE's) win.
        _event(RunState.COMPLETE, "late-start", 10, a, inputs=src, outputs=out("cycle.a"), facets=new_sql),
        _event(RunState.START, "late-start", 5, a, inputs=src, outputs=out("cycle.a"), facets=old_sql),
        # A START that never completes, a FAIL and an ABORT: lineage all the same.
        _event(RunState.START, "never-ends", 1, b, inputs=src, outputs=out("cycle.b")),
        _event(RunState.START, "fails", 1, c, inputs=src, outputs=out("cycle.c")),
        _event(RunState.FAIL, "fails", 2, c, inputs=src, outputs=out("cycle.c")),
        _event(RunState.ABORT, "aborted", 3, d, inputs=src, outputs=out("cycle.d")),
        # A streaming job: RUNNING events only (one of them twice), never a COMPLETE.
        _event(RunState.RUNNING, "clickstream", 1, s, inputs=topic_in, outputs=file_out, facets=streaming),
        _event(RunState.RUNNING, "clickstream", 1, s, inputs=topic_in, outputs=file_out, facets=streaming),
        _event(RunState.RUNNING, "clickstream", 2, s, inputs=topic_in, outputs=file_out, facets=streaming),
    )
    jobs = {f"job:cycle:{n}" for n in ("late-start", "never-ends", "fails", "aborted")}
    graph = server.wait_graph(ds("cycle.src"), jobs | {ds(f"cycle.{x}") for x in "abcd"})
    assert graph["job:cycle:late-start"]["data"]["sql"] == "select 2"
    streamed = {"dataset:kafka://broker:9092:clicks", "dataset:s3://lake:clicks/"}
    server.wait_graph("job:cycle:clickstream", streamed)
    # A node can show (through a DataFlow) before its asset's own event has been read: wait
    # for the assets' data too.
    stream = wait_until(
        lambda: (
            (g := server.graph("job:cycle:clickstream"))
            and all("typeName" in (g[n].get("data") or {}) for n in streamed)
            and g
        ),
        timeout=60,
        message="the streaming job's assets never showed their data",
    )
    clickstream = stream["job:cycle:clickstream"]["data"]
    assert (clickstream["type"], clickstream["processingType"]) == ("STREAM", "STREAMING")
    assert stream["dataset:kafka://broker:9092:clicks"]["data"]["typeName"] == "KafkaTopic"
    assert stream["dataset:s3://lake:clicks/"]["data"]["typeName"] == "FileFolder"

    server.wait_catalogued()
    events = server.ours(server.instance_events(settle=1.0))
    seen = Counter(
        (
            e["instanceEventSection"]["instanceGUID"],
            (e["instanceEventSection"].get("entity") or e["instanceEventSection"].get("relationship"))[
                "version"
            ],
        )
        for e in events
    )
    assert max(seen.values()) == 1, "an instance version was published twice"


def test_symlinked_table_is_one_asset(server: Server) -> None:
    server.emit(symlinked_table_event(datetime(2026, 3, 1, tzinfo=UTC)))
    server.wait_graph("job:spark:audit.customers", {ds("shop.raw.customers")})
    # The asset's new name arrives as an update of the asset (on its own partition): wait for it.
    graph = wait_until(
        lambda: (
            (g := server.graph("job:spark:audit.customers"))[ds("shop.raw.customers")]["data"].get("symlinks")
            and g
        ),
        timeout=60,
    )
    assert "dataset:s3://lake:warehouse/raw/customers" not in graph
    assert graph[ds("shop.raw.customers")]["data"]["symlinks"] == ["s3://lake:warehouse/raw/customers"]
    by_alias = server.graph("dataset:s3://lake:warehouse/raw/customers", depth=1)
    assert ds("shop.raw.customers") in by_alias


def _instance(kind: str, type_name: str, type_guid: str, guid: str, **fields: Any) -> dict[str, Any]:
    return {
        "class": kind,
        "headerVersion": 1,
        "type": {
            "class": "InstanceType",
            "typeDefCategory": "ENTITY_DEF" if kind != "Relationship" else "RELATIONSHIP_DEF",
            "typeDefGUID": type_guid,
            "typeDefName": type_name,
            "typeDefVersion": 1,
        },
        "instanceProvenanceType": "LOCAL_COHORT",
        "metadataCollectionId": "other-member-collection",
        "metadataCollectionName": "otherMember",
        "version": 1,
        "status": "ACTIVE",
        "guid": guid,
        **fields,
    }


def _qn(value: str) -> dict[str, Any]:
    return {
        "class": "InstanceProperties",
        "instanceProperties": {
            "qualifiedName": {
                "class": "PrimitivePropertyValue",
                "instancePropertyCategory": "PRIMITIVE",
                "primitiveDefCategory": "OM_PRIMITIVE_TYPE_STRING",
                "primitiveValue": value,
            }
        },
    }


def _member_event(section: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {
            "class": "OMRSEventV1",
            "protocolVersionId": "OMRS V1.0",
            "timestamp": 1767225600000,
            "originator": {
                "metadataCollectionId": "other-member-collection",
                "serverName": "otherMember",
                "serverType": "Metadata Access Store",
            },
            "eventCategory": "INSTANCE",
            "instanceEventSection": {**section, "homeMetadataCollectionId": "other-member-collection"},
        }
    )


def test_lineage_another_member_shares_appears_in_the_graph(server: Server) -> None:
    mart = ds("shop.marts.customers")
    ours = server.wait_graph(mart, {mart})[mart]["data"]
    process_guid, export_guid, flow1, flow2 = (str(uuid.uuid4()) for _ in range(4))
    process = _instance(
        "EntityDetail",
        "DeployedSoftwareComponent",
        "486af62c-dcfd-4859-ab24-eab2e380ecfd",
        process_guid,
        properties=_qn("DeployedSoftwareComponent::spark::export.customers"),
    )
    export_proxy = _instance(
        "EntityProxy",
        "DataFile",
        "10752b4a-4b5d-4519-9eae-fdd6d162122f",
        export_guid,
        uniqueProperties=_qn("DataFile::s3://exports::customers.csv"),
    )
    mart_proxy = _instance(
        "EntityProxy",
        "TableDataSet",
        "20c45531-5d2e-4eb6-9a47-035cb1067b82",
        ours["guids"][0],
        uniqueProperties=_qn(ours["qualifiedName"]),
    )
    mart_proxy["metadataCollectionId"] = ours["homeMetadataCollectionIds"][0]
    process_proxy = _instance(
        "EntityProxy",
        "DeployedSoftwareComponent",
        "486af62c-dcfd-4859-ab24-eab2e380ecfd",
        process_guid,
        uniqueProperties=_qn("DeployedSoftwareComponent::spark::export.customers"),
    )

    def flow(guid: str, one: dict[str, Any], two: dict[str, Any]) -> dict[str, Any]:
        rel = _instance(
            "Relationship",
            "DataFlow",
            "d2490c0c-06cc-458a-add2-33cf2f5dd724",
            guid,
            entityOneProxy=one,
            entityTwoProxy=two,
        )
        return {
            "eventType": "NEW_RELATIONSHIP_EVENT",
            "typeDefGUID": rel["type"]["typeDefGUID"],
            "typeDefName": "DataFlow",
            "instanceGUID": guid,
            "relationship": rel,
        }

    produce(
        server.broker.bootstrap,
        server.instances_topic,
        [
            _member_event(
                {
                    "eventType": "NEW_ENTITY_EVENT",
                    "typeDefGUID": process["type"]["typeDefGUID"],
                    "typeDefName": "DeployedSoftwareComponent",
                    "instanceGUID": process_guid,
                    "entity": process,
                }
            ),
            _member_event(flow(flow1, mart_proxy, process_proxy)),
            _member_event(flow(flow2, process_proxy, export_proxy)),
        ],
        keys=[process_guid.encode(), flow1.encode(), flow2.encode()],
    )
    graph = server.wait_graph(mart, {"job:spark:export.customers", "dataset:s3://exports:customers.csv"})
    assert graph["job:spark:export.customers"]["data"]["homeMetadataCollectionIds"] == [
        "other-member-collection"
    ]
    assert {"origin": mart, "destination": "job:spark:export.customers"} in graph[mart]["outEdges"]
