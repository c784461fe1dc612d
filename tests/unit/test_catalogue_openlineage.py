"""The cataloguer against Egeria's OpenLineage cataloguer and the OpenLineage spec.

Inputs are built with the official client (`openlineage-python` 1.54: `event_v2` and the
generated facet modules `job_type_job`, `job_dependencies_run`, `column_lineage_dataset`,
`lifecycle_state_change_dataset`, `symlinks_dataset`, ...), so they are what producers send.
Expected outcomes follow Egeria's cataloguer as documented in odpi/egeria
`open-metadata-implementation/adapters/open-connectors/integration-connectors/openlineage-integration-connectors/docs/open-lineage-cataloguing.md`
(commit f5eb2ee8989e1938c388d6020b8e83ef88d5a2df, "Mapping to open metadata"), and its
`OpenLineageCataloguerIntegrationConnector.java` beside it (`ensureControlFlow`,
`appendTransformation`, `syncRun`); where this service differs, the test says so.

Each test runs events through the pure catalogue as the service does (`MemoryCatalogue`:
mapping, merge per guid, settle, the OMRS events members receive, the read model and the
lineage graph they build) and checks what a cohort member would hold.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
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
    job_dependencies_run,
    job_type_job,
    lifecycle_state_change_dataset,
    lineage,
    parent_run,
    schema_dataset,
    symlinks_dataset,
)
from openlineage.client.serde import Serde

from agents.catalogue.elements import DeleteMethod
from agents.catalogue.mapping import CataloguerOptions
from schemas.openlineage import parse_event
from tests.support.catalogue import MemoryCatalogue
from tests.support.events import column_transformations

PRODUCER = "https://github.com/lineage-integrator/tests/cataloguing"
DB = "postgres://db:5432"
T0 = datetime(2026, 4, 1, tzinfo=UTC)
JOB_QN = "DeployedSoftwareComponent::etl::load"


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def run(
    state: RunState = RunState.COMPLETE,
    minute: float = 0,
    job: str = "load",
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
    job_facets: dict[str, Any] | None = None,
    run_facets: dict[str, Any] | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """A RunEvent as the official client writes it, as JSON."""
    event = RunEvent(
        eventType=state,
        eventTime=at(minute),
        run=Run(runId=run_id or str(uuid.uuid4()), facets=run_facets or {}),
        job=Job(namespace="etl", name=job, facets=job_facets or {}),
        producer=PRODUCER,
        inputs=inputs or [],
        outputs=outputs or [],
    )
    data: dict[str, Any] = orjson.loads(Serde.to_json(event))
    return data


def table(name: str, *columns: str, namespace: str = DB, **facets: Any) -> dict[str, Any]:
    if columns:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="text") for c in columns]
        )
    return {"namespace": namespace, "name": name, "facets": facets}


def ins(*tables: dict[str, Any]) -> list[InputDataset]:
    return [InputDataset(**t) for t in tables]


def outs(*tables: dict[str, Any]) -> list[OutputDataset]:
    return [OutputDataset(**t) for t in tables]


def tq(name: str, namespace: str = DB) -> str:
    return f"TableDataSet::{namespace}::{name}"


# ------------------------------------------------------------------ ports


def test_every_input_and_output_gets_a_port_of_the_job_with_its_schema() -> None:
    cat = MemoryCatalogue()
    cat.catalogue(run(inputs=ins(table("raw", "id")), outputs=outs(table("clean", "id"))))
    in_port = f"PortImplementation::etl::load::input::{DB}::raw"
    out_port = f"PortImplementation::etl::load::output::{DB}::clean"
    assert cat.live_qns("PortImplementation") == {in_port, out_port}
    assert cat.live_links("ProcessPort") == {(JOB_QN, in_port), (JOB_QN, out_port)}
    assert cat.live_links("PortSchema") == {
        (in_port, f"TabularSchemaType::{DB}::raw"),
        (out_port, f"TabularSchemaType::{DB}::clean"),
    }
    port_types = {
        s.published["properties"]["qualifiedName"]: s.published["properties"]["portType"]
        for s in cat.live("PortImplementation").values()
        if s.published
    }
    assert port_types == {in_port: "INPUT_PORT", out_port: "OUTPUT_PORT"}
    # Egeria's DataFlow still runs from asset to process to asset (the lineage graph's edges).
    assert cat.live_links("DataFlow") == {(tq("raw"), JOB_QN), (JOB_QN, tq("clean"))}
    port_event = next(
        e for e in cat.published if e.instance_event_section.type_def_name == "PortImplementation"
    )
    port_type = port_event.instance_event_section.entity.properties.instance_properties["portType"]
    assert (port_type.type_name, port_type.ordinal) == ("PortType", 0)  # Egeria PortType.INPUT_PORT


def test_a_parent_job_gets_port_aliases_delegating_to_its_childs_ports() -> None:
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=str(uuid.uuid4())), job=parent_run.Job(namespace="dbt", name="project")
    )
    cat = MemoryCatalogue()
    cat.catalogue(run(inputs=ins(table("raw")), run_facets={"parent": parent}))
    alias = f"PortAlias::dbt::project::etl::load::input::{DB}::raw"
    assert cat.live_qns("PortAlias") == {alias}
    assert cat.live_links("PortDelegation") == {(alias, f"PortImplementation::etl::load::input::{DB}::raw")}
    assert cat.live_links("ProcessPort") >= {("DeployedSoftwareComponent::dbt::project", alias)}
    assert cat.live_links("ProcessHierarchy") == {("DeployedSoftwareComponent::dbt::project", JOB_QN)}


def test_ports_can_be_turned_off() -> None:
    cat = MemoryCatalogue(CataloguerOptions(ports=False))
    cat.catalogue(run(inputs=ins(table("raw")), outputs=outs(table("clean"))))
    assert not cat.live("PortImplementation") and not cat.live("ProcessPort")
    assert len(cat.live_links("DataFlow")) == 2


# ------------------------------------------------------------------ control flow


def test_job_dependencies_become_control_flow_between_processes() -> None:
    dependencies = job_dependencies_run.JobDependenciesRunFacet(
        upstream=[
            job_dependencies_run.JobDependency(
                job=job_dependencies_run.JobIdentifier(namespace="etl", name="extract"),
                dependency_type="DIRECT_INVOCATION",
                sequence_trigger_rule="FINISH_TO_START",
                status_trigger_rule="EXECUTE_ON_SUCCESS",
            )
        ],
        downstream=[
            job_dependencies_run.JobDependency(
                job=job_dependencies_run.JobIdentifier(namespace="bi", name="refresh")
            )
        ],
    )
    cat = MemoryCatalogue()
    cat.catalogue(run(run_facets={"jobDependencies": dependencies}))
    assert cat.live_links("ControlFlow") == {
        ("DeployedSoftwareComponent::etl::extract", JOB_QN),
        (JOB_QN, "DeployedSoftwareComponent::bi::refresh"),
    }
    upstream = next(
        s for s in cat.live("ControlFlow").values() if s.end1 and s.end1.qualified_name.endswith("extract")
    )
    # Egeria's ensureControlFlow: label = dependency type, guard = status trigger rule,
    # description = sequence trigger rule.
    assert upstream.published == {
        "properties": {
            "label": "DIRECT_INVOCATION",
            "guard": "EXECUTE_ON_SUCCESS",
            "description": "FINISH_TO_START",
        },
        "classifications": {},
    }
    assert cat.live_qns("DeployedSoftwareComponent") == {
        JOB_QN,
        "DeployedSoftwareComponent::etl::extract",
        "DeployedSoftwareComponent::bi::refresh",
    }


# ------------------------------------------------------------------ column lineage


def test_column_transformations_are_kept_on_the_mapping() -> None:
    lineage = column_transformations(DB, "raw")
    cat = MemoryCatalogue()
    cat.catalogue(run(inputs=ins(table("raw")), outputs=outs(table("users", columnLineage=lineage))))
    mappings = {
        (s.end1.qualified_name.rsplit("::", 1)[1], s.end2.qualified_name.rsplit("::", 1)[1]): s.published[
            "properties"
        ]
        for s in cat.live("LineageMapping").values()
        if s.end1 and s.end2 and s.published
    }
    # Egeria's appendTransformation: "TYPE:SUBTYPE" (+ " (masked)") joined by ", ", descriptions by "; ".
    assert mappings[("email", "email_hash")] == {
        "label": "DIRECT:TRANSFORMATION (masked)",
        "description": "sha256(email)",
    }
    assert mappings[("active", "email_hash")] == {"label": "INDIRECT:FILTER", "description": "where active"}
    # No transformations: the field's transformationType, as Egeria falls back to.
    assert mappings[("id", "id")] == {"label": "IDENTITY"}
    # Dataset-wide column lineage maps the input column to the output asset.
    assert mappings[("region", "users")] == {"label": "INDIRECT:GROUP_BY"}


# ------------------------------------------------------------------ jobType


def job_type(processing: str, mode: str | None = None) -> dict[str, Any]:
    pattern = (
        job_type_job.EmissionPattern(eventTrigger="PERIODIC", eventContentMode=mode, windowDuration=300)
        if mode
        else None
    )
    return {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType=processing, integration="FLINK", jobType="JOB", emissionPattern=pattern
        )
    }


def test_job_type_is_recorded_as_egeria_records_it() -> None:
    cat = MemoryCatalogue()
    cat.catalogue(run(job_facets=job_type("STREAMING", "COMPLETE_SNAPSHOT")))
    (process,) = cat.live("DeployedSoftwareComponent").values()
    assert process.published is not None
    extra = process.published["properties"]["additionalProperties"]
    assert {k: v for k, v in extra.items() if k.startswith("jobType.")} == {
        "jobType.processingType": "STREAMING",
        "jobType.integration": "FLINK",
        "jobType.jobType": "JOB",
        "jobType.emissionPattern.eventTrigger": "PERIODIC",
        "jobType.emissionPattern.eventContentMode": "COMPLETE_SNAPSHOT",
        "jobType.emissionPattern.windowDuration": "300",
    }
    graph = cat.graph.lineage("job:etl:load", 1)["graph"]
    # Marquez's JobType (BATCH, STREAM, SERVICE), the producer's processing type kept beside it
    assert graph[0]["data"]["type"] == "STREAM"
    assert graph[0]["data"]["processingType"] == "STREAMING"


def test_a_complete_snapshot_replaces_the_jobs_inputs_and_outputs() -> None:
    cat = MemoryCatalogue()
    snapshot = job_type("STREAMING", "COMPLETE_SNAPSHOT")
    cat.catalogue(
        run(
            RunState.RUNNING,
            0,
            inputs=ins(table("a"), table("b")),
            outputs=outs(table("x")),
            job_facets=snapshot,
        )
    )
    assert cat.live_links("DataFlow") == {(tq("a"), JOB_QN), (tq("b"), JOB_QN), (JOB_QN, tq("x"))}
    published = cat.catalogue(
        run(RunState.RUNNING, 5, inputs=ins(table("a")), outputs=outs(table("y")), job_facets=snapshot)
    )
    assert cat.live_links("DataFlow") == {(tq("a"), JOB_QN), (JOB_QN, tq("y"))}
    assert cat.live_qns("PortImplementation") == {
        f"PortImplementation::etl::load::input::{DB}::a",
        f"PortImplementation::etl::load::output::{DB}::y",
    }
    removed = cat.kinds(published)
    assert removed[("DELETED_RELATIONSHIP_EVENT", "DataFlow")] == 2
    assert removed[("DELETED_ENTITY_EVENT", "PortImplementation")] == 2
    # An older snapshot arriving late does not bring the replaced flows back.
    cat.catalogue(
        run(
            RunState.RUNNING,
            1,
            inputs=ins(table("a"), table("b")),
            outputs=outs(table("x")),
            job_facets=snapshot,
        )
    )
    assert cat.live_links("DataFlow") == {(tq("a"), JOB_QN), (JOB_QN, tq("y"))}
    # The assets themselves stay: only the job's lineage was replaced.
    assert tq("b") in cat.live_qns("TableDataSet")


def test_accumulative_events_add_to_the_jobs_inputs_and_outputs() -> None:
    cat = MemoryCatalogue()
    accumulative = job_type("STREAMING", "ACCUMULATIVE")
    cat.catalogue(run(RunState.RUNNING, 0, inputs=ins(table("a")), job_facets=accumulative))
    cat.catalogue(run(RunState.RUNNING, 5, inputs=ins(table("b")), job_facets=accumulative))
    cat.catalogue(run(RunState.RUNNING, 9, inputs=ins(table("c"))))  # no pattern: accumulative
    assert cat.live_links("DataFlow") == {(tq(n), JOB_QN) for n in "abc"}


# ------------------------------------------------------------------ static lineage


def test_job_events_give_static_lineage_and_dataset_events_describe_datasets() -> None:
    job_event = JobEvent(
        eventTime=at(0),
        job=Job(namespace="etl", name="load"),
        producer=PRODUCER,
        inputs=ins(table("raw")),
        outputs=outs(table("clean")),
    )
    dataset_event = DatasetEvent(
        eventTime=at(1),
        producer=PRODUCER,
        dataset=StaticDataset(
            namespace=DB,
            name="clean",
            facets={
                "documentation": documentation_dataset.DocumentationDatasetFacet(description="Clean rows"),
                "schema": schema_dataset.SchemaDatasetFacet(
                    fields=[schema_dataset.SchemaDatasetFacetFields(name="id", type="int")]
                ),
            },
        ),
    )
    cat = MemoryCatalogue()
    cat.catalogue(parse_event(Serde.to_json(job_event)), parse_event(Serde.to_json(dataset_event)))
    assert cat.live_links("DataFlow") == {(tq("raw"), JOB_QN), (JOB_QN, tq("clean"))}
    assert len(cat.live("PortImplementation")) == 2
    descriptions = {
        s.published["properties"].get("qualifiedName"): s.published["properties"].get("description")
        for s in cat.live("TableDataSet").values()
        if s.published
    }
    assert descriptions[tq("clean")] == "Clean rows"
    assert cat.live_qns("TabularColumn") == {f"TabularColumn::{DB}::clean::id"}
    assert not cat.live("ProcessHierarchy") and not cat.live("TransientEmbeddedProcess")


# ------------------------------------------------------------------ lifecycle


def lifecycle(change: str, previous: tuple[str, str] | None = None) -> Any:
    return lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
        lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange(change),
        previousIdentifier=lifecycle_state_change_dataset.PreviousIdentifier(
            namespace=previous[0], name=previous[1]
        )
        if previous
        else None,
    )


def test_drop_deletes_the_asset_its_schema_and_its_relationships() -> None:
    lineage = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "id": column_lineage_dataset.Fields(
                inputFields=[column_lineage_dataset.InputField(namespace=DB, name="raw", field="id")]
            )
        }
    )
    cat = MemoryCatalogue()
    cat.catalogue(
        run(
            RunState.COMPLETE,
            0,
            inputs=ins(table("raw", "id")),
            outputs=outs(table("t", "id", columnLineage=lineage)),
        )
    )
    published = cat.catalogue(
        run(
            RunState.COMPLETE,
            10,
            job="cleanup",
            outputs=outs(table("t", lifecycleStateChange=lifecycle("DROP"))),
        )
    )
    kinds = cat.kinds(published)
    # Egeria's default delete is a soft delete: DELETED_ENTITY_EVENT / DELETED_RELATIONSHIP_EVENT.
    assert kinds[("DELETED_ENTITY_EVENT", "TableDataSet")] == 1
    assert kinds[("DELETED_ENTITY_EVENT", "TabularSchemaType")] == 1
    assert kinds[("DELETED_ENTITY_EVENT", "TabularColumn")] == 1
    assert kinds[("DELETED_RELATIONSHIP_EVENT", "DataFlow")] == 1
    assert kinds[("DELETED_RELATIONSHIP_EVENT", "LineageMapping")] == 1
    assert kinds[("DELETED_RELATIONSHIP_EVENT", "PortSchema")] == 1
    deleted = next(e for e in published if str(e.instance_event_section.event_type) == "DELETED_ENTITY_EVENT")
    assert str(deleted.instance_event_section.entity.status) == "DELETED"
    # The dropped table takes no part in the event's lineage (Egeria: "takes no further part").
    assert ("DeployedSoftwareComponent::etl::cleanup", tq("t")) not in cat.live_links("DataFlow")
    assert tq("t") not in cat.live_qns("TableDataSet")
    assert "dataset:postgres://db:5432:t" not in {
        n["id"] for n in cat.graph.lineage(f"dataset:{DB}:raw")["graph"]
    }
    # A later event writing the table again restores it, and its lineage with it.
    restored = cat.catalogue(
        run(RunState.COMPLETE, 20, inputs=ins(table("raw", "id")), outputs=outs(table("t", "id")))
    )
    assert cat.kinds(restored)[("RESTORED_ENTITY_EVENT", "TableDataSet")] == 1
    assert (JOB_QN, tq("t")) in cat.live_links("DataFlow")


def test_drop_can_purge_or_archive() -> None:
    purging = MemoryCatalogue(CataloguerOptions(drop_method=DeleteMethod.PURGE))
    purging.catalogue(run(RunState.COMPLETE, 0, outputs=outs(table("t"))))
    published = purging.catalogue(
        run(RunState.COMPLETE, 1, outputs=outs(table("t", lifecycleStateChange=lifecycle("DROP"))))
    )
    assert purging.kinds(published)[("DELETE_PURGED_ENTITY_EVENT", "TableDataSet")] == 1
    assert purging.kinds(published)[("DELETE_PURGED_RELATIONSHIP_EVENT", "DataFlow")] == 1

    archiving = MemoryCatalogue(CataloguerOptions(drop_method=DeleteMethod.ARCHIVE))
    archiving.catalogue(run(RunState.COMPLETE, 0, outputs=outs(table("t"))))
    published = archiving.catalogue(
        run(
            RunState.COMPLETE, 1, job="drop", outputs=outs(table("t", lifecycleStateChange=lifecycle("DROP")))
        )
    )
    # Egeria's ARCHIVE: a Memento classification, still available for lineage queries.
    assert archiving.kinds(published)[("CLASSIFIED_ENTITY_EVENT", "TableDataSet")] == 1
    assert (JOB_QN, tq("t")) in archiving.live_links("DataFlow")


def test_a_drop_of_something_never_catalogued_publishes_nothing_and_wins_over_older_events() -> None:
    cat = MemoryCatalogue()
    assert (
        cat.catalogue(
            run(
                RunState.COMPLETE,
                10,
                job="drop",
                outputs=outs(table("t", lifecycleStateChange=lifecycle("DROP"))),
            )
        )
        == cat.published
    )
    assert tq("t") not in cat.live_qns("TableDataSet")
    # An older event that wrote the table, arriving after the drop, does not bring it back.
    cat.catalogue(run(RunState.COMPLETE, 5, outputs=outs(table("t"))))
    assert tq("t") not in cat.live_qns("TableDataSet")


def test_rename_links_the_old_name_to_the_new_and_archives_the_old_asset() -> None:
    cat = MemoryCatalogue()
    cat.catalogue(run(RunState.COMPLETE, 0, inputs=ins(table("raw")), outputs=outs(table("orders_v1", "id"))))
    renamed = table("orders", "id", lifecycleStateChange=lifecycle("RENAME", (DB, "orders_v1")))
    published = cat.catalogue(run(RunState.COMPLETE, 10, job="rename", outputs=outs(renamed)))
    assert cat.kinds(published)[("CLASSIFIED_ENTITY_EVENT", "TableDataSet")] == 1  # the old one's Memento
    new = next(
        s
        for s in cat.live("TableDataSet").values()
        if s.published and s.published["properties"]["qualifiedName"] == tq("orders")
    )
    assert new.published is not None
    extra = new.published["properties"]["additionalProperties"]
    assert extra["previousIdentifier"] == f"{DB}/orders_v1"
    assert extra["lastLifecycleStateChange"] == "RENAME"
    old = next(
        s
        for s in cat.live("TableDataSet").values()
        if s.published and s.published["properties"]["qualifiedName"] == tq("orders_v1")
    )
    assert old.published is not None
    assert old.published["classifications"]["Memento"]["archiveProperties"] == {
        "reason": "OpenLineage lifecycleStateChange RENAME",
        "renamedTo": f"{DB}/orders",
    }
    # The lineage graph knows the table by its new name, with the history of the old one.
    graph = {n["id"]: n for n in cat.graph.lineage(f"dataset:{DB}:orders")["graph"]}
    assert "job:etl:load" in graph and f"dataset:{DB}:raw" in graph
    assert f"dataset:{DB}:orders_v1" not in graph
    # An event naming the old name later is catalogued as the renamed asset.
    cat.catalogue(run(RunState.COMPLETE, 20, job="reader", inputs=ins(table("orders_v1"))))
    assert (tq("orders"), "DeployedSoftwareComponent::etl::reader") in cat.live_links("DataFlow")


# ------------------------------------------------------------------ symlinks


def test_symlinks_resolve_to_one_asset_whichever_name_comes_first() -> None:
    links = symlinks_dataset.SymlinksDatasetFacet(
        identifiers=[
            symlinks_dataset.Identifier(namespace="hive://ms:9083", name="db.t", type="TABLE"),
            symlinks_dataset.Identifier(namespace="glue://acct", name="db.t", type="TABLE"),
        ]
    )
    by_path = table("warehouse/db/t", namespace="s3://lake", symlinks=links)
    for order in (0, 1):
        cat = MemoryCatalogue()
        first = run(RunState.COMPLETE, 0, job="by_name", inputs=ins(table("db.t", namespace="glue://acct")))
        second = run(RunState.COMPLETE, 1, job="by_path", inputs=ins(by_path))
        cat.catalogue(*([first, second] if order == 0 else [second, first]))
        assets = cat.live_qns("TableDataSet") | cat.live_qns("DataFile")
        # The smallest TABLE identifier names the asset, whatever order producers list them in.
        assert "TableDataSet::glue://acct::db.t" in assets
        assert "DataFile::s3://lake::warehouse/db/t" not in assets
        graph = cat.graph.lineage("dataset:s3://lake:warehouse/db/t", 1)["graph"]
        assert {n["id"] for n in graph} >= {"dataset:glue://acct:db.t", "job:etl:by_path", "job:etl:by_name"}


# ------------------------------------------------------------------ runs


def test_runs_are_catalogued_only_when_asked_and_follow_their_latest_event() -> None:
    run_id = str(uuid.uuid4())
    events = [
        run(RunState.COMPLETE, 10, run_id=run_id),  # a COMPLETE overtaking its START
        run(RunState.START, 0, run_id=run_id),
        run(RunState.RUNNING, 5, run_id=run_id),
    ]
    quiet = MemoryCatalogue()
    quiet.catalogue(*events)
    assert not quiet.live("TransientEmbeddedProcess")  # Egeria's catalogRuns defaults to false

    cat = MemoryCatalogue(CataloguerOptions(catalog_runs=True))
    cat.catalogue(*events)
    (state,) = cat.live("TransientEmbeddedProcess").values()
    assert state.published is not None
    extra = state.published["properties"]["additionalProperties"]
    assert extra["lastEventType"] == "COMPLETE"
    assert extra["startTime"] == at(0) and extra["completionTime"] == at(10)
    assert extra["runId"] == run_id
    assert cat.live_links("ProcessHierarchy") == {(JOB_QN, f"TransientEmbeddedProcess::etl::load::{run_id}")}
    # A run record is not a job of the lineage graph.
    assert [c["name"] for c in cat.graph.lineage("job:etl:load", 1)["graph"][0]["data"]["childJobs"]] == []


# ------------------------------------------------------------------ explicit lineage facets


def test_the_lineage_facets_give_flows_control_flow_and_column_mappings() -> None:
    """OpenLineage 1.53's `lineage` job and dataset facets, as Egeria's syncExplicitLineage maps them."""
    job_lineage = lineage.LineageJobFacet(
        entries=[
            lineage.LineageDatasetEntry(
                namespace=DB,
                name="report",
                type="DATASET",
                inputs=[lineage.LineageDatasetInput(namespace=DB, name="orders", type="DATASET")],
                fields={
                    "total": lineage.LineageFieldEntry(
                        inputs=[
                            lineage.LineageDatasetInput(
                                namespace=DB,
                                name="orders",
                                type="DATASET",
                                field="amount",
                                transformations=[
                                    lineage.LineageTransformation(type="DIRECT", subtype="AGGREGATION")
                                ],
                            )
                        ]
                    )
                },
            ),
            lineage.LineageJobEntry(
                type="JOB", inputs=[lineage.LineageJobInput(type="JOB", namespace="etl", name="extract")]
            ),
        ]
    )
    dataset_lineage = lineage.LineageDatasetFacet(
        inputs=[lineage.LineageDatasetInput(namespace=DB, name="customers", type="DATASET")]
    )
    cat = MemoryCatalogue()
    cat.catalogue(
        run(job_facets={"lineage": job_lineage}, outputs=outs(table("summary", lineage=dataset_lineage)))
    )
    flows = cat.live_links("DataFlow")
    assert {(JOB_QN, tq("report")), (tq("orders"), tq("report")), (tq("customers"), tq("summary"))} <= flows
    assert cat.live_links("ControlFlow") == {("DeployedSoftwareComponent::etl::extract", JOB_QN)}
    (mapping,) = cat.live("LineageMapping").values()
    assert mapping.end1 is not None and mapping.end2 is not None and mapping.published is not None
    assert (mapping.end1.qualified_name, mapping.end2.qualified_name) == (
        f"TabularColumn::{DB}::orders::amount",
        f"TabularColumn::{DB}::report::total",
    )
    assert mapping.published["properties"] == {"label": "DIRECT:AGGREGATION"}
