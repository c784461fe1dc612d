"""The cataloguer's lifecycle, control flow and awkward input on a real broker and worker:
events sent with the official openlineage-python client over HTTP, outcomes read back as
the OMRS instance events the worker shares on the cohort instances topic.

- `jobDependencies` gives ControlFlow (Egeria's OpenLineage cataloguer, `ensureControlFlow`);
- a `lifecycleStateChange` DROP deletes the table, its schema, columns and relationships
  (DELETED_ENTITY_EVENT / DELETED_RELATIONSHIP_EVENT, Egeria's soft delete);
- a namespace with credentials is catalogued without them;
- a streaming job's RUNNING events after the first publish nothing (a last event that
  updates the job and its input is the sentinel that they were all applied);
- and, on the same worker (one start for the module), the rest of issue 15's list: see
  "Many cases, one worker" below.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
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

from agents.catalogue.mapping import CataloguerOptions, map_event
from schemas.openlineage import parse_event
from tests.support.connectors import connector_env, write_connectors_file
from tests.support.events import column_transformations
from tests.support.kafka import Broker, consume, read_to_end, unique
from tests.support.workers import WorkerProcess, server_variables, wait_until

PRODUCER = "https://github.com/lineage-integrator/tests/lifecycle"
SECRET_DB = "postgres://etl_user:s3cr3t@warehouse:5432"
DB = "postgres://warehouse:5432"
T0 = datetime(2026, 6, 1, tzinfo=UTC)
RUNS = CataloguerOptions(catalog_runs=True)  # the module worker's cataloguer setting


class Worker:
    """The module's worker as one test drives it: what it sent, and the instances of its own
    names it reads back (the worker is shared with the cases below, whose names differ)."""

    def __init__(self, broker: Broker, env: dict[str, str], worker: WorkerProcess) -> None:
        self.broker, self.env, self.worker = broker, env, worker
        self.client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=worker.base_url, timeout=30)))
        self.topic = f"{env['LINEAGE_TOPIC_ROOT']}.openmetadata.repositoryservices.cohort.testCohort.OMRSTopic.instances"
        self.sent = self.catalogued()  # contributions handled before, then those this test sends

    def emit(self, *events: RunEvent) -> None:
        for event in events:
            self.client.emit(event)
            self.sent += len(map_event(parse_event(Serde.to_json(event)), options=RUNS))

    def shared(self, expect: int = 0) -> list[dict[str, Any]]:
        """This test's instance events (none of the other cases' names)."""
        records = consume(self.broker.bootstrap, self.topic, expect=expect, timeout=10)
        events = [orjson.loads(r.value or b"{}") for r in records]
        return [
            e
            for e in events
            if e["originator"].get("serverName") == self.env["LINEAGE_SERVER_NAME"]
            and not _foreign(Shared(e))
        ]

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


def test_control_flow_drop_credentials_and_streaming_on_a_real_worker(cases: Cases) -> None:
    process = cases.worker
    w = Worker(cases.broker, cases.env, process)
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
    # With catalog_runs on (this module's worker), the run record follows the run from START
    # to RUNNING once (its first RUNNING event); no later RUNNING event changes it.
    runs = [e for e in fresh if e["instanceEventSection"]["typeDefName"] == "TransientEmbeddedProcess"]
    assert [
        _values(r["instanceEventSection"]["entity"]["properties"])["additionalProperties"]["lastEventType"]
        for r in runs
    ] == ["RUNNING"]
    rest = [e for e in fresh if e not in runs]
    assert sorted(kinds(rest).elements()) == sorted(updates), "RUNNING events published something"


# ---------------------------------------------------------------------------------------------
# Many cases, one worker: the rest of issue 15's list on a real broker.
#
# One worker runs the cataloguer with `catalog_runs: true` and the README's example connector
# (tests/support/readme_scheduler.py, the README's code verbatim, registered by `class:`). Every
# case's events go in two phases (first facts, then the changes), each phase closed by a
# sentinel: a JobEvent of its own job, sent last, whose process must reach the cohort topic,
# and the catalogue agents' count of handled contributions reaching what was sent. The cohort
# instances topic is then read once, and each test below asserts its own case.
#
# Expected outcomes are written out by hand from Egeria's OpenLineage cataloguer
# (odpi/egeria f5eb2ee8989e1938c388d6020b8e83ef88d5a2df,
# open-metadata-implementation/adapters/open-connectors/integration-connectors/
# openlineage-integration-connectors/docs/open-lineage-cataloguing.md and
# OpenLineageCataloguerIntegrationConnector.java: `appendTransformation`, `syncRun`,
# `catalogRuns`) and, where this service differs, the README's cataloguer table; the same
# facts as tests/unit/test_catalogue_openlineage.py and test_catalogue_awkward_input.py.
# The names and the third-party scheduler export are hand-made (the README's own example).
# ---------------------------------------------------------------------------------------------

CASES_DB = "postgres://cases:5432"
T1 = datetime(2026, 7, 1, tzinfo=UTC)
ODD_NAMES = ["../../etc/passwd", "dir/sub/file.csv", 'it\'s "quoted"', "données/été.parquet", "表.列"]
RERUN_ID = "6f1c3c52-8d7e-4b7a-9a55-0d6f3e1f2a10"
README = Path(__file__).resolve().parents[2] / "README.md"
DELETED = ("DELETED_ENTITY_EVENT", "DELETED_RELATIONSHIP_EVENT", "DELETE_PURGED_ENTITY_EVENT")


def _at(minute: int) -> str:
    return (T1 + timedelta(minutes=minute)).isoformat()


def _values(props: dict[str, Any] | None) -> dict[str, Any]:
    """InstanceProperties as plain values (primitives, enums, maps and arrays)."""
    out: dict[str, Any] = {}
    for name, value in ((props or {}).get("instanceProperties") or {}).items():
        category = value.get("instancePropertyCategory")
        if category == "PRIMITIVE":
            out[name] = value.get("primitiveValue")
        elif category == "ENUM":
            out[name] = value.get("symbolicName")
        elif category == "MAP":
            out[name] = _values(value.get("mapValues"))
        elif category == "ARRAY":
            items = _values(value.get("arrayValues"))
            out[name] = [items[k] for k in sorted(items, key=int)]
    return out


class Shared:
    """One OMRS instance event as a cohort member reads it."""

    def __init__(self, event: dict[str, Any]) -> None:
        section = event["instanceEventSection"]
        self.event_type: str = section["eventType"]
        self.type_name: str = section["typeDefName"]
        self.guid: str = section["instanceGUID"]
        self.home: str = section.get("homeMetadataCollectionId", "")
        entity, rel = section.get("entity"), section.get("relationship")
        instance = entity or rel or {}
        self.version = int(instance.get("version") or 0)
        self.props = _values(instance.get("properties"))
        self.classifications = {
            c["name"]: _values(c.get("properties")) for c in (entity or {}).get("classifications") or []
        }
        self.qn: str | None = self.props.get("qualifiedName")
        ends = [
            _values((rel or {}).get(end, {}).get("uniqueProperties")).get("qualifiedName")
            for end in ("entityOneProxy", "entityTwoProxy")
        ]
        self.ends: tuple[str | None, str | None] = (ends[0], ends[1])


class Cases:
    """The module's worker and the instance events its cases shared (read once, at the end)."""

    def __init__(
        self, broker: Broker, env: dict[str, str], worker: WorkerProcess, events: list[Shared]
    ) -> None:
        self.broker, self.env, self.worker, self.events = broker, env, worker, events
        self.home = worker.status()["metadataCollectionId"]

    def latest(self) -> dict[str, Shared]:
        """The last event of each instance (highest version)."""
        last: dict[str, Shared] = {}
        for e in self.events:
            if e.guid not in last or e.version >= last[e.guid].version:
                last[e.guid] = e
        return last

    def entity(self, qn: str) -> Shared:
        (found,) = [e for e in self.latest().values() if e.qn == qn]
        return found

    def live_links(self, type_name: str, touching: str) -> set[tuple[str | None, str | None]]:
        return {
            e.ends
            for e in self.latest().values()
            if e.type_name == type_name
            and e.event_type not in DELETED
            and touching in " ".join(map(str, e.ends))
        }

    def of(self, kind: tuple[str, str], touching: str) -> list[Shared]:
        return [
            e
            for e in self.events
            if (e.event_type, e.type_name) == kind and touching in " ".join(map(str, (e.qn, *e.ends)))
        ]

    def graph(self, node_id: str, depth: int = 20) -> set[str]:
        response = self.worker.get("/api/v1/lineage", params={"nodeId": node_id, "depth": str(depth)})
        assert response.status_code == 200, response.text
        return {n["id"] for n in response.json()["graph"]}


def _readme_example(name: str) -> str:
    text = README.read_text()
    match = re.search(
        rf"<!-- example: {re.escape(name)} -->\n```\w+\n(.*?)```\n<!-- /example -->", text, re.S
    )
    assert match, name
    return match.group(1)


def _snapshot(mode: str) -> dict[str, Any]:
    pattern = job_type_job.EmissionPattern(eventTrigger="PERIODIC", eventContentMode=mode, windowDuration=300)
    return {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="STREAMING", integration="FLINK", jobType="JOB", emissionPattern=pattern
        )
    }


def _run(state: RunState, minute: int, namespace: str, job: str, **kwargs: Any) -> RunEvent:
    return RunEvent(
        eventType=state,
        eventTime=_at(minute),
        run=Run(runId=kwargs.pop("run_id", str(uuid.uuid4()))),
        job=Job(namespace=namespace, name=job, facets=kwargs.pop("job_facets", {})),
        producer=PRODUCER,
        **kwargs,
    )


def _ins(*names: str, ns: str = CASES_DB) -> list[InputDataset]:
    return [InputDataset(namespace=ns, name=n) for n in names]


def _outs(*names: str, **facets: Any) -> list[OutputDataset]:
    return [OutputDataset(namespace=CASES_DB, name=n, facets=facets) for n in names]


def _id_schema(*columns: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="text") for c in columns]
    )


def _transformations() -> column_lineage_dataset.ColumnLineageDatasetFacet:
    facet: column_lineage_dataset.ColumnLineageDatasetFacet = column_transformations(CASES_DB, "tx.raw")
    return facet


def _phase_one() -> list[Any]:
    return [
        # RENAME, before: ren.orders_v1 written by ren/load.
        _run(
            RunState.COMPLETE,
            0,
            "ren",
            "load",
            inputs=_ins("ren.raw"),
            outputs=_outs("ren.orders_v1", schema=_id_schema("id")),
        ),
        # COMPLETE_SNAPSHOT, before: a, b -> snap/load -> x.
        _run(
            RunState.RUNNING,
            0,
            "snap",
            "load",
            inputs=_ins("snap.a", "snap.b"),
            outputs=_outs("snap.x"),
            job_facets=_snapshot("COMPLETE_SNAPSHOT"),
        ),
        # ACCUMULATIVE: a, then b.
        _run(RunState.RUNNING, 0, "acc", "load", inputs=_ins("acc.a"), job_facets=_snapshot("ACCUMULATIVE")),
        _run(RunState.RUNNING, 5, "acc", "load", inputs=_ins("acc.b"), job_facets=_snapshot("ACCUMULATIVE")),
        # A run (catalog_runs is on): its COMPLETE overtakes its START.
        _run(RunState.COMPLETE, 5, "runs", "load", run_id=RERUN_ID, outputs=_outs("runs.out")),
        _run(RunState.START, 0, "runs", "load", run_id=RERUN_ID, outputs=_outs("runs.out")),
        # Static lineage: a JobEvent and a DatasetEvent.
        JobEvent(
            eventTime=_at(0),
            job=Job(namespace="static", name="load"),
            producer=PRODUCER,
            inputs=_ins("static.raw"),
            outputs=_outs("static.clean"),
        ),
        DatasetEvent(
            eventTime=_at(1),
            producer=PRODUCER,
            dataset=StaticDataset(
                namespace=CASES_DB,
                name="static.clean",
                facets={
                    "documentation": documentation_dataset.DocumentationDatasetFacet(
                        description="Clean rows"
                    ),
                    "schema": _id_schema("id"),
                },
            ),
        ),
        # Column transformations.
        _run(
            RunState.COMPLETE,
            0,
            "tx",
            "load",
            inputs=_ins("tx.raw"),
            outputs=_outs("tx.users", columnLineage=_transformations()),
        ),
        # Names with `/`, `..`, quotes and non-ASCII, in the job's name too.
        _run(RunState.COMPLETE, 0, "odd", "j/../k", inputs=_ins(*ODD_NAMES, ns="file")),
    ]


def _phase_two() -> list[Any]:
    renamed = lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
        lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange.RENAME,
        previousIdentifier=lifecycle_state_change_dataset.PreviousIdentifier(
            namespace=CASES_DB, name="ren.orders_v1"
        ),
    )
    return [
        _run(
            RunState.COMPLETE,
            10,
            "ren",
            "rename",
            outputs=_outs("ren.orders", schema=_id_schema("id"), lifecycleStateChange=renamed),
        ),
        _run(
            RunState.RUNNING,
            5,
            "snap",
            "load",
            inputs=_ins("snap.a"),
            outputs=_outs("snap.y"),
            job_facets=_snapshot("COMPLETE_SNAPSHOT"),
        ),
        _run(RunState.RUNNING, 9, "acc", "load", inputs=_ins("acc.c")),  # no pattern: accumulative
        # The same runId reused by a re-run an hour later.
        _run(RunState.START, 60, "runs", "load", run_id=RERUN_ID, outputs=_outs("runs.out")),
        _run(RunState.COMPLETE, 63, "runs", "load", run_id=RERUN_ID, outputs=_outs("runs.out")),
    ]


def _sentinel(name: str) -> JobEvent:
    return JobEvent(eventTime=_at(0), job=Job(namespace="sentinel", name=name), producer=PRODUCER)


README_CONNECTOR_NEW = {
    ("NEW_ENTITY_EVENT", "DeployedSoftwareComponent"): 3,  # the pipeline and its two steps
    ("NEW_ENTITY_EVENT", "TableDataSet"): 2,
    ("NEW_ENTITY_EVENT", "TabularSchemaType"): 2,
    ("NEW_ENTITY_EVENT", "TabularColumn"): 5,
    ("NEW_ENTITY_EVENT", "PortImplementation"): 3,  # extract writes 1 table, aggregate reads 1, writes 1
    ("NEW_ENTITY_EVENT", "PortAlias"): 3,
    ("NEW_RELATIONSHIP_EVENT", "PortDelegation"): 3,
    ("NEW_RELATIONSHIP_EVENT", "PortSchema"): 3,
    ("NEW_RELATIONSHIP_EVENT", "DataFlow"): 3,
    ("NEW_RELATIONSHIP_EVENT", "ControlFlow"): 1,
    ("NEW_RELATIONSHIP_EVENT", "LineageMapping"): 2,
    ("NEW_RELATIONSHIP_EVENT", "ProcessHierarchy"): 2,
}
SCHEDULER, WAREHOUSE = "acme-scheduler", "postgres://warehouse:5432"


def _names(e: Shared) -> str:
    return " ".join(map(str, (e.qn, *e.ends)))


def _connectors(events: list[Shared]) -> list[Shared]:
    """The README connector's instances: named after its scheduler or its warehouse's shop tables."""
    return [e for e in events if any(m in _names(e) for m in (SCHEDULER, f"{WAREHOUSE}::shop."))]


def _foreign(e: Shared) -> bool:
    """An instance of the cases or the connector, not of the first test (namespace etl)."""
    jobs = ("ren", "snap", "acc", "runs", "static", "tx", "odd", "sentinel")
    markers = (CASES_DB, SCHEDULER, f"{WAREHOUSE}::shop.", "DataFile::file::", *(f"::{j}::" for j in jobs))
    return any(m in _names(e) for m in markers)


def _changes_applied(events: list[Shared]) -> bool:
    """The changes of phase two that follow from what the catalogue already holds (a replaced
    snapshot's removals, the renamed asset's archive) are contributions counted only when
    catalogued, not from the events sent: they must have arrived too, whatever they say."""
    snap = "DeployedSoftwareComponent::snap::load"
    removed = [e for e in events if e.event_type == "DELETED_RELATIONSHIP_EVENT" and snap in _names(e)]
    archived = [e for e in events if e.qn == f"TableDataSet::{CASES_DB}::ren.orders_v1" and e.classifications]
    return len(removed) >= 2 and bool(archived)


@pytest.fixture(scope="module")
def cases(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cases]:
    base = tmp_path_factory.mktemp("cases")
    export = base / "scheduler.json"
    export.write_text(_readme_example("scheduler.json"))
    connectors = write_connectors_file(
        base / "connectors.yaml",
        [
            {"name": "cataloguer", "settings": {"catalog_runs": True}},
            {
                "name": "scheduler",
                "class": "tests.support.readme_scheduler:SchedulerPipelines",
                "settings": {"path": str(export)},
            },
        ],
    )
    name = unique("cases")
    env = {
        **server_variables(broker.url, name),
        **connector_env(connectors),
    }
    worker = WorkerProcess(env=env, data_dir=base / "data").start()
    try:
        worker.wait_ready(timeout=120)
        w = Worker(broker, env, worker)

        def shared() -> list[Shared]:
            records = read_to_end(broker.bootstrap, w.topic)
            return [
                Shared(e)
                for e in (orjson.loads(r.value or b"{}") for r in records)
                if e["originator"].get("serverName") == name
            ]

        # The connector catalogues at start (its refresh): wait for all it says, so that the
        # contributions counted from here on are the OpenLineage cases'.
        wait_until(
            lambda: all(
                Counter((e.event_type, e.type_name) for e in _connectors(shared()))[k] >= n
                for k, n in README_CONNECTOR_NEW.items()
            ),
            timeout=120,
            message="the README connector's instances never reached the cohort",
        )
        target = w.catalogued()
        for phase, sentinel in ((_phase_one(), "one"), (_phase_two(), "two")):
            for event in [*phase, _sentinel(sentinel)]:
                w.client.emit(event)
                target += len(map_event(parse_event(Serde.to_json(event)), options=RUNS))
            qn = f"DeployedSoftwareComponent::sentinel::{sentinel}"

            def ended(qn: str = qn, target: int = target, last: bool = sentinel == "two") -> bool:
                if w.catalogued() < target:
                    return False
                events = shared()
                if last and not _changes_applied(events):
                    return False
                return any(e.qn == qn for e in events)

            wait_until(ended, timeout=120, message=f"sentinel {sentinel} never reached the cohort")
        yield Cases(broker, env, worker, shared())
    finally:
        worker.kill()


def test_rename_links_the_old_name_to_the_new_on_a_real_worker(cases: Cases) -> None:
    new = cases.entity(f"TableDataSet::{CASES_DB}::ren.orders")
    extra = new.props["additionalProperties"]
    assert extra["previousIdentifier"] == f"{CASES_DB}/ren.orders_v1"
    assert extra["lastLifecycleStateChange"] == "RENAME"
    old = cases.entity(f"TableDataSet::{CASES_DB}::ren.orders_v1")
    assert old.event_type == "CLASSIFIED_ENTITY_EVENT"  # archived, not deleted (README: RENAME row)
    assert old.classifications["Memento"]["archiveProperties"] == {
        "reason": "OpenLineage lifecycleStateChange RENAME",
        "renamedTo": f"{CASES_DB}/ren.orders",
    }
    # One dataset in the graph, under its new name, with the old one's history.
    graph = cases.graph(f"dataset:{CASES_DB}:ren.orders")
    assert {"job:ren:load", f"dataset:{CASES_DB}:ren.raw", "job:ren:rename"} <= graph
    assert f"dataset:{CASES_DB}:ren.orders_v1" not in graph


def test_job_and_dataset_events_give_static_lineage_on_a_real_worker(cases: Cases) -> None:
    job = "DeployedSoftwareComponent::static::load"
    assert cases.live_links("DataFlow", "static") == {
        (f"TableDataSet::{CASES_DB}::static.raw", job),
        (job, f"TableDataSet::{CASES_DB}::static.clean"),
    }
    assert len(cases.of(("NEW_ENTITY_EVENT", "PortImplementation"), "::static::load::")) == 2
    assert cases.entity(f"TableDataSet::{CASES_DB}::static.clean").props["description"] == "Clean rows"
    assert cases.entity(f"TabularColumn::{CASES_DB}::static.clean::id").event_type == "NEW_ENTITY_EVENT"
    # No run: even with catalog_runs on, a JobEvent makes no run record.
    assert not cases.of(("NEW_ENTITY_EVENT", "TransientEmbeddedProcess"), "::static::")


def test_complete_snapshot_replaces_and_accumulative_adds_on_a_real_worker(cases: Cases) -> None:
    snap = "DeployedSoftwareComponent::snap::load"
    assert cases.live_links("DataFlow", snap) == {
        (f"TableDataSet::{CASES_DB}::snap.a", snap),
        (snap, f"TableDataSet::{CASES_DB}::snap.y"),
    }
    assert {e.ends for e in cases.of(("DELETED_RELATIONSHIP_EVENT", "DataFlow"), snap)} == {
        (f"TableDataSet::{CASES_DB}::snap.b", snap),
        (snap, f"TableDataSet::{CASES_DB}::snap.x"),
    }
    assert {e.qn for e in cases.of(("DELETED_ENTITY_EVENT", "PortImplementation"), "::snap::load::")} == {
        f"PortImplementation::snap::load::input::{CASES_DB}::snap.b",
        f"PortImplementation::snap::load::output::{CASES_DB}::snap.x",
    }
    # The assets stay: only the job's lineage was replaced.
    assert cases.entity(f"TableDataSet::{CASES_DB}::snap.b").event_type not in DELETED

    acc = "DeployedSoftwareComponent::acc::load"
    assert cases.live_links("DataFlow", acc) == {(f"TableDataSet::{CASES_DB}::acc.{n}", acc) for n in "abc"}
    assert not [e for e in cases.events if e.event_type in DELETED and acc in " ".join(map(str, e.ends))]


def test_runs_are_catalogued_when_asked_and_a_reused_run_id_is_one_run_on_a_real_worker(
    cases: Cases,
) -> None:
    qn = f"TransientEmbeddedProcess::runs::load::{RERUN_ID}"
    assert len(cases.of(("NEW_ENTITY_EVENT", "TransientEmbeddedProcess"), "::runs::load::")) == 1
    extra = cases.entity(qn).props["additionalProperties"]
    # Latest event type, first START, latest completion (README, awkward input).
    assert (extra["runId"], extra["lastEventType"], extra["startTime"], extra["completionTime"]) == (
        RERUN_ID,
        "COMPLETE",
        _at(0),
        _at(63),
    )
    assert cases.live_links("ProcessHierarchy", qn) == {("DeployedSoftwareComponent::runs::load", qn)}
    assert len(cases.of(("NEW_RELATIONSHIP_EVENT", "DataFlow"), "::runs::load")) == 1


def test_column_transformations_are_kept_on_the_lineage_mapping_on_a_real_worker(cases: Cases) -> None:
    def short(qn: str | None) -> str:
        return str(qn).rsplit("::", 1)[1]

    mappings = {
        (short(e.ends[0]), short(e.ends[1])): {
            k: v for k, v in e.props.items() if k in ("label", "description")
        }
        for e in cases.latest().values()
        if e.type_name == "LineageMapping" and "tx." in str(e.ends[0])
    }
    # Egeria's appendTransformation: "TYPE:SUBTYPE" (+ " (masked)"); the field's
    # transformationType when there are none; dataset-wide lineage maps to the asset.
    assert mappings == {
        ("email", "email_hash"): {"label": "DIRECT:TRANSFORMATION (masked)", "description": "sha256(email)"},
        ("active", "email_hash"): {"label": "INDIRECT:FILTER", "description": "where active"},
        ("id", "id"): {"label": "IDENTITY"},
        ("region", "tx.users"): {"label": "INDIRECT:GROUP_BY"},
    }


def test_odd_names_are_kept_verbatim_on_a_real_worker(cases: Cases) -> None:
    assert {
        e.qn for e in cases.events if e.type_name == "DataFile" and str(e.qn).startswith("DataFile::file::")
    } == {f"DataFile::file::{n}" for n in ODD_NAMES}
    job = cases.entity("DeployedSoftwareComponent::odd::j/../k")
    assert job.props["name"] == "j/../k"
    assert {f"dataset:file:{n}" for n in ODD_NAMES} <= cases.graph("job:odd:j/../k", depth=1)


def test_a_connector_written_as_the_readme_shows_catalogues_to_the_cohort(cases: Cases) -> None:
    """The README's example connector, on a real worker: what a cohort member receives."""
    ours = _connectors(cases.events)
    assert Counter((e.event_type, e.type_name) for e in ours) >= Counter(README_CONNECTOR_NEW)
    assert {e.event_type for e in ours} <= {"NEW_ENTITY_EVENT", "NEW_RELATIONSHIP_EVENT"}, "one refresh, once"
    assert len({e.guid for e in ours}) == len(ours), "each instance shared once"
    assert {e.home for e in ours} == {cases.home}
    assert {e.qn for e in ours if e.type_name == "DeployedSoftwareComponent"} == {
        f"DeployedSoftwareComponent::{SCHEDULER}::nightly_revenue",
        f"DeployedSoftwareComponent::{SCHEDULER}::nightly_revenue.extract",
        f"DeployedSoftwareComponent::{SCHEDULER}::nightly_revenue.aggregate",
    }
    assert {e.qn for e in ours if e.type_name == "TableDataSet"} == {
        f"TableDataSet::{WAREHOUSE}::shop.raw.orders",
        f"TableDataSet::{WAREHOUSE}::shop.mart.revenue",
    }
    extract, aggregate = (
        f"DeployedSoftwareComponent::{SCHEDULER}::nightly_revenue.{s}" for s in ("extract", "aggregate")
    )
    orders, revenue = (f"TableDataSet::{WAREHOUSE}::shop.{t}" for t in ("raw.orders", "mart.revenue"))
    assert {e.ends for e in ours if e.type_name == "DataFlow"} == {
        (extract, orders),
        (orders, aggregate),
        (aggregate, revenue),
    }
    assert {e.ends for e in ours if e.type_name == "ControlFlow"} == {(extract, aggregate)}
    assert {e.ends for e in ours if e.type_name == "LineageMapping"} == {
        (
            f"TabularColumn::{WAREHOUSE}::shop.raw.orders::amount",
            f"TabularColumn::{WAREHOUSE}::shop.mart.revenue::revenue",
        ),
        (
            f"TabularColumn::{WAREHOUSE}::shop.raw.orders::day",
            f"TabularColumn::{WAREHOUSE}::shop.mart.revenue::day",
        ),
    }
    graph = cases.graph(f"dataset:{WAREHOUSE}:shop.mart.revenue")
    assert {f"dataset:{WAREHOUSE}:shop.raw.orders", f"job:{SCHEDULER}:nightly_revenue.extract"} <= graph
