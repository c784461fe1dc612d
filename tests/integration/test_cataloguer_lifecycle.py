"""The cataloguer's lifecycle, control flow and awkward input on a real broker and worker:
events sent with the official openlineage-python client over HTTP, outcomes read back as
the OMRS instance events the worker shares on the cohort instances topic.

- `jobDependencies` gives ControlFlow (Egeria's OpenLineage cataloguer, `ensureControlFlow`);
- a `lifecycleStateChange` DROP deletes the table, its schema, columns and relationships
  (DELETED_ENTITY_EVENT / DELETED_RELATIONSHIP_EVENT, Egeria's soft delete);
- a namespace with credentials is catalogued without them;
- a streaming job's RUNNING events after the first publish nothing (a last event that
  updates the job and its input is the sentinel that they were all applied).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    documentation_dataset,
    documentation_job,
    job_dependencies_run,
    job_type_job,
    lifecycle_state_change_dataset,
    schema_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.http import HttpConfig, HttpTransport

from agents.catalogue.mapping import map_event
from schemas.openlineage import parse_event
from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, consume
from tests.support.workers import WorkerProcess, wait_until

PRODUCER = "https://github.com/lineage-integrator/tests/lifecycle"
SECRET_DB = "postgres://etl_user:s3cr3t@warehouse:5432"
DB = "postgres://warehouse:5432"
T0 = datetime(2026, 6, 1, tzinfo=UTC)


class Worker:
    def __init__(self, broker: Broker, env: dict[str, str], worker: WorkerProcess) -> None:
        self.broker, self.env, self.worker = broker, env, worker
        self.client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=worker.base_url, timeout=30)))
        self.topic = f"{env['LINEAGE_TOPIC_ROOT']}.openmetadata.repositoryservices.cohort.testCohort.OMRSTopic.instances"
        self.sent = 0

    def emit(self, *events: RunEvent) -> None:
        for event in events:
            self.client.emit(event)
            self.sent += len(map_event(parse_event(Serde.to_json(event))))

    def shared(self, expect: int = 0) -> list[dict[str, Any]]:
        records = consume(self.broker.bootstrap, self.topic, expect=expect, timeout=10)
        events = [orjson.loads(r.value or b"{}") for r in records]
        return [e for e in events if e["originator"].get("serverName") == self.env["LINEAGE_SERVER_NAME"]]

    def catalogued(self) -> int:
        for line in self.worker.get("/metrics").text.splitlines():
            if line.startswith('lineage_events_in_total{stream="catalogue"}'):
                return int(float(line.split()[-1]))
        return 0


def key(event: dict[str, Any]) -> tuple[str, str, int]:
    """An instance event's identity: which instance, what happened, at which version."""
    section = event["instanceEventSection"]
    instance = section.get("entity") or section.get("relationship") or {}
    return section["instanceGUID"], section["eventType"], int(instance.get("version") or 0)


def kinds(events: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter(
        (e["instanceEventSection"]["eventType"], e["instanceEventSection"]["typeDefName"]) for e in events
    )


def run_event(state: RunState, minute: int, job: str, **kwargs: Any) -> RunEvent:
    return RunEvent(
        eventType=state,
        eventTime=(T0 + timedelta(minutes=minute)).isoformat(),
        run=Run(runId=kwargs.pop("run_id", str(uuid.uuid4())), facets=kwargs.pop("run_facets", {})),
        job=Job(namespace="etl", name=job, facets=kwargs.pop("job_facets", {})),
        producer=PRODUCER,
        **kwargs,
    )


def test_control_flow_drop_credentials_and_streaming_on_a_real_worker(
    broker: Broker, server_env: dict[str, str], workers: WorkerFactory, tmp_path: Path
) -> None:
    process = workers()
    process.wait_ready(timeout=120)
    w = Worker(broker, server_env, process)
    schema = schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name="id", type="int")]
    )
    lineage = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "id": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(namespace=SECRET_DB, name="raw.orders", field="id")
                ]
            )
        }
    )
    dependencies = job_dependencies_run.JobDependenciesRunFacet(
        upstream=[
            job_dependencies_run.JobDependency(
                job=job_dependencies_run.JobIdentifier(namespace="etl", name="extract"),
                status_trigger_rule="EXECUTE_ON_SUCCESS",
            )
        ]
    )
    w.emit(
        run_event(
            RunState.COMPLETE,
            0,
            "load",
            inputs=[InputDataset(namespace=SECRET_DB, name="raw.orders", facets={"schema": schema})],
            outputs=[
                OutputDataset(
                    namespace=SECRET_DB,
                    name="mart.orders",
                    facets={"schema": schema, "columnLineage": lineage},
                )
            ],
            run_facets={"jobDependencies": dependencies},
        )
    )
    mart = f"dataset:{DB}:mart.orders"
    wait_until(
        lambda: (
            (r := process.get("/api/v1/lineage", params={"nodeId": mart})).status_code == 200
            and "job:etl:load" in {n["id"] for n in r.json()["graph"]}
        ),
        timeout=120,
        message="the load job's lineage never showed",
    )
    first = w.shared()
    assert kinds(first)[("NEW_RELATIONSHIP_EVENT", "ControlFlow")] == 1
    assert all(b"s3cr3t" not in orjson.dumps(e) and b"etl_user" not in orjson.dumps(e) for e in first)

    # The table is dropped: it, its schema and column and its relationships are deleted.
    drop = lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
        lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange.DROP
    )
    w.emit(
        run_event(
            RunState.COMPLETE,
            10,
            "cleanup",
            outputs=[
                OutputDataset(namespace=SECRET_DB, name="mart.orders", facets={"lifecycleStateChange": drop})
            ],
        )
    )
    wanted = {
        ("DELETED_ENTITY_EVENT", "TableDataSet"): 1,
        ("DELETED_ENTITY_EVENT", "TabularSchemaType"): 1,
        ("DELETED_ENTITY_EVENT", "TabularColumn"): 1,
        ("DELETED_RELATIONSHIP_EVENT", "DataFlow"): 1,
        ("DELETED_RELATIONSHIP_EVENT", "LineageMapping"): 1,
    }
    after_drop = wait_until(
        lambda: (
            (events := w.shared(len(first)))
            and all(kinds(events)[k] >= n for k, n in wanted.items())
            and events
        ),
        timeout=120,
        message="the drop's delete events never arrived",
    )
    wait_until(
        lambda: process.get("/api/v1/lineage", params={"nodeId": mart}).status_code == 404,
        timeout=60,
        message="the dropped table stayed in the lineage graph",
    )

    # A streaming job: after its first events, RUNNING for days publishes nothing.
    streaming = {"jobType": job_type_job.JobTypeJobFacet(processingType="STREAMING", integration="FLINK")}
    stream_run = str(uuid.uuid4())
    topic_in = [InputDataset(namespace="kafka://broker:9092", name="clicks")]
    w.emit(
        run_event(RunState.START, 20, "clickstream", run_id=stream_run, inputs=topic_in, job_facets=streaming)
    )
    before_stream = {key(e) for e in after_drop}
    started = {
        ("NEW_ENTITY_EVENT", "DeployedSoftwareComponent"),
        ("NEW_ENTITY_EVENT", "KafkaTopic"),
        ("NEW_ENTITY_EVENT", "PortImplementation"),
        ("NEW_RELATIONSHIP_EVENT", "DataFlow"),
        ("NEW_RELATIONSHIP_EVENT", "ProcessPort"),
    }
    streamed = wait_until(
        lambda: (
            (events := w.shared(len(before_stream) + len(started)))
            and started <= set(kinds([e for e in events if key(e) not in before_stream]))
            and events
        ),
        timeout=120,
        message="the streaming job's first events never showed",
    )
    seen = {key(e) for e in streamed}
    w.emit(
        *(
            run_event(
                RunState.RUNNING,
                20 + 5 * i,
                "clickstream",
                run_id=stream_run,
                inputs=topic_in,
                job_facets=streaming,
            )
            for i in range(1, 40)
        )
    )
    # Sentinel: one more event of the job that changes the job's process and its input; the
    # catalogue applies each guid's contributions in order, so once both updates are shared
    # every RUNNING event before them has been applied to those instances.
    described = {**streaming, "documentation": documentation_job.DocumentationJobFacet(description="clicks")}
    topic_doc = [
        InputDataset(
            namespace="kafka://broker:9092",
            name="clicks",
            facets={
                "documentation": documentation_dataset.DocumentationDatasetFacet(description="raw clicks")
            },
        )
    ]
    w.emit(
        run_event(
            RunState.RUNNING, 300, "clickstream", run_id=stream_run, inputs=topic_doc, job_facets=described
        )
    )
    updates = {("UPDATED_ENTITY_EVENT", "DeployedSoftwareComponent"), ("UPDATED_ENTITY_EVENT", "KafkaTopic")}

    def new_events() -> list[dict[str, Any]] | None:
        fresh = [e for e in w.shared(len(seen) + 2) if key(e) not in seen]
        return fresh if updates <= set(kinds(fresh)) and w.catalogued() >= w.sent else None

    fresh = wait_until(new_events, timeout=120, message="the sentinel's updates never arrived")
    assert sorted(kinds(fresh).elements()) == sorted(updates), "RUNNING events published something"
