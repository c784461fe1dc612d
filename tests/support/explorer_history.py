"""A realistic run history made with the official openlineage-python client's objects: three
days of an ingest-and-model pipeline, with a re-run, a failed run retried under the same
runId, a schema change, jobs whose inputs change (one more table; a topic replaced), column
lineage with transformations (identity, aggregation, a masked hash), a table read by its
storage path with a TABLE symlink, a JobEvent and a DatasetEvent.

The scenario is hand-made (written for these tests); the events are what the official
client serialises (`Serde.to_json`), so their shapes are the client's, not ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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
    datasource_dataset,
    documentation_dataset,
    documentation_job,
    error_message_run,
    job_type_job,
    nominal_time_run,
    parent_run,
    schema_dataset,
    sql_job,
    symlinks_dataset,
)
from openlineage.client.serde import Serde

PRODUCER = "https://github.com/lineage-integrator/tests/explorer-history"
DB = "postgres://db.example.com:5432"
KAFKA = "kafka://broker:9092"
LAKE = "s3://lake"
ETL = "warehouse-etl"
DAY = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)

ORDERS = "shop.raw.orders"
CUSTOMERS = "shop.raw.customers"
REFUNDS = "shop.raw.refunds"
REVENUE = "shop.marts.customer_revenue"
WEEKLY = "shop.reports.weekly"

RUNS = {
    "orders_day1": "0b7e6a38-0c4e-4a0b-9a51-000000000001",
    "orders_day2": "0b7e6a38-0c4e-4a0b-9a51-000000000002",
    "customers_day1": "0b7e6a38-0c4e-4a0b-9a51-000000000003",
    "revenue_day1": "0b7e6a38-0c4e-4a0b-9a51-000000000004",
    "revenue_day2": "0b7e6a38-0c4e-4a0b-9a51-000000000005",
    "revenue_day3": "0b7e6a38-0c4e-4a0b-9a51-000000000006",
    "parent_day1": "0b7e6a38-0c4e-4a0b-9a51-000000000007",
    "orders_day3": "0b7e6a38-0c4e-4a0b-9a51-000000000008",
}


def _schema(*columns: tuple[str, str]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in columns]
    )


ORDERS_SCHEMA = _schema(("order_id", "bigint"), ("customer_id", "bigint"), ("amount", "numeric"))
CUSTOMERS_SCHEMA = _schema(("customer_id", "bigint"), ("email", "text"), ("name", "text"))
REFUNDS_SCHEMA = _schema(("order_id", "bigint"), ("refund", "numeric"))
REVENUE_V1 = _schema(("customer_id", "bigint"), ("email_hash", "text"), ("revenue", "numeric"))
REVENUE_V2 = _schema(
    ("customer_id", "bigint"), ("email_hash", "text"), ("revenue", "numeric"), ("order_count", "bigint")
)


def _input(namespace: str, table: str, facets: dict[str, Any] | None = None) -> InputDataset:
    return InputDataset(namespace=namespace, name=table, facets=facets or {})


def _t(ns: str, table: str, field: str, kind: str, subtype: str, **extra: Any) -> Any:
    return column_lineage_dataset.InputField(
        namespace=ns,
        name=table,
        field=field,
        transformations=[column_lineage_dataset.Transformation(type=kind, subtype=subtype, **extra)],
    )


def _revenue_lineage(
    with_count: bool, with_refunds: bool
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    revenue_inputs = [_t(DB, ORDERS, "amount", "DIRECT", "AGGREGATION", description="sum(amount)")]
    if with_refunds:
        revenue_inputs.append(_t(DB, REFUNDS, "refund", "DIRECT", "AGGREGATION", description="- sum(refund)"))
    fields = {
        "customer_id": column_lineage_dataset.Fields(
            inputFields=[_t(DB, CUSTOMERS, "customer_id", "DIRECT", "IDENTITY")]
        ),
        "email_hash": column_lineage_dataset.Fields(
            inputFields=[_t(DB, CUSTOMERS, "email", "DIRECT", "TRANSFORMATION", masking=True)]
        ),
        "revenue": column_lineage_dataset.Fields(inputFields=revenue_inputs),
    }
    if with_count:
        fields["order_count"] = column_lineage_dataset.Fields(
            inputFields=[_t(DB, ORDERS, "order_id", "DIRECT", "AGGREGATION", description="count(*)")]
        )
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields)


def _revenue_job() -> Job:
    return Job(
        namespace=ETL,
        name="marts.customer_revenue",
        facets={
            "sql": sql_job.SQLJobFacet(query="select customer_id, sum(amount) from orders group by 1"),
            "jobType": job_type_job.JobTypeJobFacet(
                processingType="BATCH", integration="DBT", jobType="MODEL"
            ),
            "documentation": documentation_job.DocumentationJobFacet(description="Revenue per customer"),
        },
    )


def _parent() -> parent_run.ParentRunFacet:
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=RUNS["parent_day1"]),
        job=parent_run.Job(namespace=ETL, name="nightly"),
    )


@dataclass
class History:
    """The events of the history, in the order they happened."""

    events: list[RunEvent | JobEvent | DatasetEvent]

    def json(self) -> list[str]:
        return [Serde.to_json(e) for e in self.events]


def at(day: int, minutes: int) -> str:
    return (DAY + timedelta(days=day - 1, minutes=minutes)).isoformat()


def history() -> History:
    """Three nights of the pipeline (times are the events' own, in order)."""
    events: list[RunEvent | JobEvent | DatasetEvent] = []
    kafka_orders = _input(KAFKA, "orders")
    lake_customers = _input(
        LAKE,
        "warehouse/raw/customers",
        {
            "symlinks": symlinks_dataset.SymlinksDatasetFacet(
                identifiers=[symlinks_dataset.Identifier(namespace=DB, name=CUSTOMERS, type="TABLE")]
            )
        },
    )
    orders_out = OutputDataset(
        namespace=DB,
        name=ORDERS,
        facets={
            "schema": ORDERS_SCHEMA,
            "dataSource": datasource_dataset.DatasourceDatasetFacet(name="shop-db", uri=DB),
            "documentation": documentation_dataset.DocumentationDatasetFacet(description="Raw orders"),
        },
    )
    customers_out = OutputDataset(namespace=DB, name=CUSTOMERS, facets={"schema": CUSTOMERS_SCHEMA})

    def run_event(
        state: RunState, time: str, run: str, job: Job, ins: list[Any], outs: list[Any], **facets: Any
    ) -> RunEvent:
        return RunEvent(
            eventType=state,
            eventTime=time,
            run=Run(runId=RUNS[run], facets=facets),
            job=job,
            producer=PRODUCER,
            inputs=ins,
            outputs=outs,
        )

    orders_job = Job(
        namespace=ETL,
        name="orders.ingest",
        facets={"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="SPARK")},
    )
    customers_job = Job(namespace=ETL, name="customers.ingest")
    nominal = nominal_time_run.NominalTimeRunFacet(nominalStartTime=at(1, 0))
    # day 1: both ingests, then the model
    events += [
        run_event(
            RunState.START,
            at(1, 0),
            "orders_day1",
            orders_job,
            [kafka_orders],
            [orders_out],
            nominalTime=nominal,
        ),
        run_event(RunState.COMPLETE, at(1, 5), "orders_day1", orders_job, [kafka_orders], [orders_out]),
        run_event(
            RunState.START, at(1, 1), "customers_day1", customers_job, [lake_customers], [customers_out]
        ),
        run_event(
            RunState.COMPLETE, at(1, 4), "customers_day1", customers_job, [lake_customers], [customers_out]
        ),
    ]
    revenue_in = [
        _input(DB, ORDERS, {"schema": ORDERS_SCHEMA}),
        _input(DB, CUSTOMERS, {"schema": CUSTOMERS_SCHEMA}),
    ]

    def revenue_out(schema: Any, lineage: Any) -> OutputDataset:
        return OutputDataset(namespace=DB, name=REVENUE, facets={"schema": schema, "columnLineage": lineage})

    day1_out = revenue_out(REVENUE_V1, _revenue_lineage(False, False))
    events += [
        run_event(
            RunState.START,
            at(1, 10),
            "revenue_day1",
            _revenue_job(),
            revenue_in,
            [day1_out],
            parent=_parent(),
        ),
        run_event(
            RunState.RUNNING,
            at(1, 12),
            "revenue_day1",
            _revenue_job(),
            revenue_in,
            [day1_out],
            parent=_parent(),
        ),
        run_event(
            RunState.COMPLETE,
            at(1, 15),
            "revenue_day1",
            _revenue_job(),
            revenue_in,
            [day1_out],
            parent=_parent(),
        ),
    ]
    # day 2: orders again; the model fails, then is retried under the same runId with a new column
    events += [
        run_event(RunState.START, at(2, 0), "orders_day2", orders_job, [kafka_orders], [orders_out]),
        run_event(RunState.COMPLETE, at(2, 6), "orders_day2", orders_job, [kafka_orders], [orders_out]),
    ]
    day2_out = revenue_out(REVENUE_V2, _revenue_lineage(True, False))
    failure = error_message_run.ErrorMessageRunFacet(
        message="division by zero", programmingLanguage="SQL", stackTrace="at line 3"
    )
    events += [
        run_event(RunState.START, at(2, 10), "revenue_day2", _revenue_job(), revenue_in, [day2_out]),
        run_event(
            RunState.FAIL, at(2, 11), "revenue_day2", _revenue_job(), revenue_in, [], errorMessage=failure
        ),
        run_event(RunState.START, at(2, 20), "revenue_day2", _revenue_job(), revenue_in, [day2_out]),
        run_event(RunState.COMPLETE, at(2, 25), "revenue_day2", _revenue_job(), revenue_in, [day2_out]),
    ]
    # day 3: orders move to a new topic; refunds become known (a DatasetEvent), the model reads
    # them too; a weekly report is declared
    events += [
        run_event(
            RunState.START, at(3, 0), "orders_day3", orders_job, [_input(KAFKA, "orders-v2")], [orders_out]
        ),
        run_event(
            RunState.COMPLETE, at(3, 5), "orders_day3", orders_job, [_input(KAFKA, "orders-v2")], [orders_out]
        ),
    ]
    events.append(
        DatasetEvent(
            eventTime=at(3, 0),
            producer=PRODUCER,
            dataset=StaticDataset(namespace=DB, name=REFUNDS, facets={"schema": REFUNDS_SCHEMA}),
        )
    )
    day3_in = [*revenue_in, _input(DB, REFUNDS, {"schema": REFUNDS_SCHEMA})]
    day3_out = revenue_out(REVENUE_V2, _revenue_lineage(True, True))
    events += [
        run_event(RunState.START, at(3, 10), "revenue_day3", _revenue_job(), day3_in, [day3_out]),
        run_event(RunState.COMPLETE, at(3, 14), "revenue_day3", _revenue_job(), day3_in, [day3_out]),
    ]
    events.append(
        JobEvent(
            eventTime=at(3, 30),
            producer=PRODUCER,
            job=Job(namespace=ETL, name="reports.weekly"),
            inputs=[_input(DB, REVENUE)],
            outputs=[OutputDataset(namespace=DB, name=WEEKLY)],
        )
    )
    return History(events)
