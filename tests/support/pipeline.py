"""A dbt-like pipeline built with the official openlineage-python client: raw tables to
staging models to a mart, with schema, column lineage, sql and parent facets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    documentation_job,
    job_type_job,
    ownership_job,
    parent_run,
    schema_dataset,
    sql_job,
    symlinks_dataset,
)

PRODUCER = "https://github.com/lineage-integrator/tests/dbt-like"
DB = "postgres://warehouse:5432"
ROOT_JOB = ("airflow", "nightly")
PARENT_JOB = ("dbt", "shop.build")

COLUMNS: dict[str, list[tuple[str, str]]] = {
    "shop.raw.customers": [("id", "integer"), ("first_name", "text"), ("last_name", "text")],
    "shop.raw.orders": [("id", "integer"), ("user_id", "integer"), ("amount", "numeric")],
    "shop.staging.stg_customers": [("customer_id", "integer"), ("full_name", "text")],
    "shop.staging.stg_orders": [("order_id", "integer"), ("customer_id", "integer"), ("amount", "numeric")],
    "shop.marts.customers": [
        ("customer_id", "integer"),
        ("full_name", "text"),
        ("lifetime_value", "numeric"),
    ],
}

# model -> (inputs, output, column lineage: output column -> [(input table, input column)])
MODELS: dict[str, tuple[list[str], str, dict[str, list[tuple[str, str]]]]] = {
    "shop.stg_customers": (
        ["shop.raw.customers"],
        "shop.staging.stg_customers",
        {
            "customer_id": [("shop.raw.customers", "id")],
            "full_name": [("shop.raw.customers", "first_name"), ("shop.raw.customers", "last_name")],
        },
    ),
    "shop.stg_orders": (
        ["shop.raw.orders"],
        "shop.staging.stg_orders",
        {
            "order_id": [("shop.raw.orders", "id")],
            "customer_id": [("shop.raw.orders", "user_id")],
            "amount": [("shop.raw.orders", "amount")],
        },
    ),
    "shop.customers": (
        ["shop.staging.stg_customers", "shop.staging.stg_orders"],
        "shop.marts.customers",
        {
            "customer_id": [("shop.staging.stg_customers", "customer_id")],
            "full_name": [("shop.staging.stg_customers", "full_name")],
            "lifetime_value": [
                ("shop.staging.stg_orders", "amount"),
                ("shop.staging.stg_orders", "customer_id"),
            ],
        },
    ),
}

COLUMN_MAPPINGS = sum(len(inputs) for _, _, lineage in MODELS.values() for inputs in lineage.values())


def _schema(table: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in COLUMNS[table]]
    )


def _column_lineage(
    lineage: dict[str, list[tuple[str, str]]],
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            column: column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=DB,
                        name=table,
                        field=field,
                        transformations=[
                            column_lineage_dataset.Transformation(type="DIRECT", subtype="IDENTITY")
                        ],
                    )
                    for table, field in inputs
                ]
            )
            for column, inputs in lineage.items()
        }
    )


@dataclass
class Pipeline:
    """Every event of one pipeline run; `events` can be sent again to replay it exactly."""

    events: list[RunEvent]

    @classmethod
    def build(cls, start: datetime | None = None) -> Pipeline:
        t0 = start or datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
        root_run, parent_run_id = str(uuid.uuid4()), str(uuid.uuid4())
        parent = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent_run_id),
            job=parent_run.Job(namespace=PARENT_JOB[0], name=PARENT_JOB[1]),
            root=parent_run.Root(
                run=parent_run.RootRun(runId=root_run),
                job=parent_run.RootJob(namespace=ROOT_JOB[0], name=ROOT_JOB[1]),
            ),
        )
        events: list[RunEvent] = []
        for i, (model, (inputs, output, lineage)) in enumerate(MODELS.items()):
            run_id = str(uuid.uuid4())
            job_facets: dict[str, Any] = {
                "sql": sql_job.SQLJobFacet(query=f"select * from {', '.join(inputs)}", dialect="postgres"),
                "jobType": job_type_job.JobTypeJobFacet(
                    processingType="BATCH", integration="DBT", jobType="MODEL"
                ),
                "documentation": documentation_job.DocumentationJobFacet(description=f"dbt model {model}"),
                "ownership": ownership_job.OwnershipJobFacet(
                    owners=[ownership_job.Owner(name="team:analytics")]
                ),
            }
            ins = [InputDataset(namespace=DB, name=t, facets={"schema": _schema(t)}) for t in inputs]
            out = OutputDataset(
                namespace=DB,
                name=output,
                facets={"schema": _schema(output), "columnLineage": _column_lineage(lineage)},
            )
            for state, minutes in ((RunState.START, 0), (RunState.COMPLETE, 1)):
                events.append(
                    RunEvent(
                        eventType=state,
                        eventTime=(t0 + timedelta(minutes=2 * i + minutes)).isoformat(),
                        run=Run(runId=run_id, facets={"parent": parent}),
                        job=Job(namespace="dbt", name=model, facets=job_facets),
                        producer=PRODUCER,
                        inputs=ins,
                        outputs=[out],
                    )
                )
        return cls(events)


def symlinked_table_event(start: datetime) -> RunEvent:
    """A Spark-like job reading a raw table by its storage path, naming the table in a symlink."""
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=start.isoformat(),
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace="spark", name="audit.customers"),
        producer=PRODUCER,
        inputs=[
            InputDataset(
                namespace="s3://lake",
                name="warehouse/raw/customers",
                facets={
                    "symlinks": symlinks_dataset.SymlinksDatasetFacet(
                        identifiers=[
                            symlinks_dataset.Identifier(namespace=DB, name="shop.raw.customers", type="TABLE")
                        ]
                    )
                },
            )
        ],
        outputs=[OutputDataset(namespace="s3://lake", name="audit/customers.parquet")],
    )
