"""OpenLineage models: what real producers and the official client send parses without loss,
what the spec forbids is refused at its JSON path, every error at once, nothing ever escapes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage.client import event_v2
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    datasource_dataset,
    documentation_dataset,
    documentation_job,
    error_message_run,
    input_statistics_input_dataset,
    job_type_job,
    lifecycle_state_change_dataset,
    nominal_time_run,
    output_statistics_output_dataset,
    ownership_dataset,
    ownership_job,
    parent_run,
    processing_engine_run,
    schema_dataset,
    source_code_job,
    source_code_location_job,
    sql_job,
    storage_dataset,
    symlinks_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.kafka import KafkaTransport

from schemas.errors import EventValidationError, FieldError
from schemas.openlineage import (
    ColumnLineageDatasetFacet,
    DatasetEvent,
    DeletedFacet,
    EventType,
    Facet,
    JobEvent,
    ParentRunFacet,
    RunEvent,
    SchemaDatasetFacet,
    SQLJobFacet,
    dump_event,
    event_dict,
    event_kind,
    kafka_key,
    parse_event,
    parse_time,
    validate_event,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openlineage"
RUN_ID = "6f2a6f0e-3c5d-4b8e-9d51-1b2f4f8e9a10"
PARENT_ID = "b5d2c6a4-1f0e-4e7a-8f3c-2a9d8e7c6b51"
ROOT_ID = "c1e7a0f2-9b4d-4c3e-a5f6-7d8e9f0a1b2c"


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


FIXTURE_KINDS = {
    "dbt_run_event": RunEvent,
    "spark_run_event": RunEvent,
    "job_event": JobEvent,
    "dataset_event": DatasetEvent,
    "legacy_1x_run_event": RunEvent,
}


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize(("name", "model"), FIXTURE_KINDS.items())
def test_fixture_parses_to_its_kind_and_round_trips(name: str, model: type) -> None:
    raw = (FIXTURES / f"{name}.json").read_bytes()
    original = json.loads(raw)
    for given_form in (raw, raw.decode(), original, bytearray(raw), memoryview(raw)):
        event = parse_event(given_form)
        assert type(event) is model
        assert event.model_dump(mode="json", by_alias=True, exclude_none=True) == original
        assert orjson.loads(dump_event(event)) == original


def test_spark_fixture_is_realistic_size() -> None:
    size = len(orjson.dumps(fixture("spark_run_event")))
    assert 15_000 < size < 30_000


def test_dbt_event_exposes_what_cataloguing_needs() -> None:
    event = parse_event(fixture("dbt_run_event"))
    assert isinstance(event, RunEvent)
    assert event.run_id == RUN_ID
    assert event.event_type is EventType.START
    assert not event.is_terminal
    assert tuple(event.job_key) == ("dbt", "jaffle_shop.model.jaffle_shop.customers")
    assert str(event.job_key) == "dbt/jaffle_shop.model.jaffle_shop.customers"
    assert event.processing_type == "BATCH"
    assert event.sql == "select * from {{ ref('stg_customers') }}"
    assert event.parent is not None and event.parent.run.runId == PARENT_ID
    assert event.parent.root is not None and event.parent.root.job.name == "nightly_dag"
    assert event.schema_version == "2-0-2"
    assert event.event_time == datetime(2024, 5, 14, 8, 0, 12, 512000, tzinfo=UTC)
    assert kafka_key(event) == "run:airflow/nightly_dag"


def test_typed_facets_are_typed_and_custom_ones_kept() -> None:
    event = parse_event(fixture("spark_run_event"))
    assert isinstance(event, RunEvent) and event.run.facets and event.outputs
    out_facets = event.outputs[0].facets
    assert out_facets is not None
    lineage = out_facets.columnLineage
    assert isinstance(lineage, ColumnLineageDatasetFacet)
    first = next(iter(lineage.fields.values()))
    assert first["inputFields"][0].get("transformations") == [
        {"type": "DIRECT", "subtype": "TRANSFORMATION", "description": "", "masking": False}
    ]
    schema = out_facets.get("schema")
    assert isinstance(schema, SchemaDatasetFacet)
    assert schema.fields
    assert schema.fields[0] == {"name": "out0_0", "type": "string", "description": "out0_0 column"}
    plan = event.run.facets.get("spark.logicalPlan")
    assert type(plan) is Facet and plan.model_extra and "plan" in plan.model_extra
    assert event.run.facets.get("nope") is None
    assert "spark_properties" in event.run.facets.keys()  # noqa: SIM118 (keys() is the method under test)
    assert "spark_properties" in event.run.facets
    assert "nope" not in event.run.facets


def test_deleted_facet_needs_nothing_else() -> None:
    event = parse_event(fixture("job_event"))
    assert isinstance(event, JobEvent) and event.job.facets
    assert isinstance(event.job.facets.ownership, DeletedFacet)
    assert kafka_key(event) == "job:airflow/nightly_dag.load_orders"


def test_dataset_event() -> None:
    event = parse_event(fixture("dataset_event"))
    assert isinstance(event, DatasetEvent)
    assert event.job_key is None and event.run_id is None and event.event_type is None
    assert kafka_key(event) == "dataset:postgres://db:5432/shop.public.orders"


def test_legacy_event_without_schema_url_and_time_zone() -> None:
    raw = fixture("legacy_1x_run_event")
    event = parse_event(raw)
    assert isinstance(event, RunEvent)
    assert event.schemaURL is None and event.schema_version is None
    assert event.schema_url.endswith("/2-0-2/OpenLineage.json#/$defs/RunEvent")
    assert event.eventTime == "2021-11-03T10:53:52.427343"
    assert event.event_time == datetime(2021, 11, 3, 10, 53, 52, 427343, tzinfo=UTC)
    assert "schemaURL" not in event_dict(event)


# --------------------------------------------------------------------------- leniency


@pytest.mark.parametrize(
    ("given_time", "expected"),
    [
        ("2021-11-03T10:53:52.427343", datetime(2021, 11, 3, 10, 53, 52, 427343, tzinfo=UTC)),
        ("2024-05-14T09:21:34.123456789Z", datetime(2024, 5, 14, 9, 21, 34, 123456, tzinfo=UTC)),
        ("2024-05-14T10:00:00+02:00", datetime(2024, 5, 14, 8, 0, tzinfo=UTC)),
        ("2024-05-14 10:00:00z", datetime(2024, 5, 14, 10, 0, tzinfo=UTC)),
        ("2024-05-14T10:00Z", datetime(2024, 5, 14, 10, 0, tzinfo=UTC)),
    ],
)
def test_event_times_real_producers_send(given_time: str, expected: datetime) -> None:
    assert parse_time(given_time) == expected
    raw = fixture("legacy_1x_run_event") | {"eventTime": given_time}
    event = parse_event(raw)
    assert event.eventTime == given_time and event.event_time == expected


@pytest.mark.parametrize(
    "schema_url",
    [
        "https://openlineage.io/spec/1-0-5/OpenLineage.json#/definitions/RunEvent",
        "https://openlineage.io/spec/1-0-2/OpenLineage.json",
        "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    ],
)
def test_schema_urls_of_all_versions(schema_url: str) -> None:
    event = parse_event(fixture("legacy_1x_run_event") | {"schemaURL": schema_url})
    assert isinstance(event, RunEvent) and event.schemaURL == schema_url


def test_no_event_type_and_facet_without_schema_url_accepted() -> None:
    raw = fixture("legacy_1x_run_event")
    del raw["eventType"]
    del raw["run"]["facets"]["nominalTime"]["_schemaURL"]
    event = parse_event(raw)
    assert isinstance(event, RunEvent) and event.event_type is None
    assert event_dict(event) == raw


def test_nulls_inside_facet_items_mean_absent() -> None:
    raw = fixture("dbt_run_event")
    raw["inputs"][0]["facets"]["schema"]["fields"][0]["description"] = None
    event = parse_event(orjson.dumps(raw))
    del raw["inputs"][0]["facets"]["schema"]["fields"][0]["description"]
    assert event_dict(event) == raw


def test_unknown_fields_kept_everywhere() -> None:
    raw = fixture("dbt_run_event")
    raw["x_top"] = {"a": [1, None]}
    raw["run"]["x_run"] = 1
    raw["run"]["facets"]["parent"]["job"]["x_job"] = "y"
    raw["inputs"][0]["facets"]["schema"]["fields"][2]["fields"][0]["x_field"] = True
    raw["job"]["facets"]["sql"]["_extra"] = "kept"
    assert event_dict(parse_event(orjson.dumps(raw))) == raw


def test_kind_from_keys_and_schema_url() -> None:
    assert event_kind({"run": {}, "job": {}}) == "RunEvent"
    assert event_kind({"job": {}}) == "JobEvent"
    assert event_kind({"dataset": {}}) == "DatasetEvent"
    assert event_kind({"dataset": {}, "run": {}}) == "DatasetEvent"
    assert event_kind({}) == "RunEvent"
    url = "https://openlineage.io/spec/1-0-0/OpenLineage.json#/definitions/JobEvent"
    assert event_kind({"schemaURL": url, "run": {}}) == "JobEvent"


# --------------------------------------------------------------------------- rejection


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(event: dict[str, Any]) -> None:
        node: Any = event
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return apply


def _del(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def apply(event: dict[str, Any]) -> None:
        node: Any = event
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return apply


REJECTIONS: list[tuple[str, str, Callable[[dict[str, Any]], None], str, str]] = [
    ("no runId", "dbt_run_event", _del(["run", "runId"]), "$.run.runId", "required"),
    ("runId not a UUID", "dbt_run_event", _set(["run", "runId"], "run-42"), "$.run.runId", "UUID"),
    ("runId a number", "dbt_run_event", _set(["run", "runId"], 42), "$.run.runId", "string"),
    (
        "parent runId not a UUID",
        "dbt_run_event",
        _set(["run", "facets", "parent", "run", "runId"], "x"),
        "$.run.facets.parent.run.runId",
        "UUID",
    ),
    ("no eventTime", "dbt_run_event", _del(["eventTime"]), "$.eventTime", "required"),
    ("eventTime a date", "dbt_run_event", _set(["eventTime"], "2024-05-14"), "$.eventTime", "date-time"),
    (
        "eventTime nonsense",
        "dbt_run_event",
        _set(["eventTime"], "yesterday noon"),
        "$.eventTime",
        "date-time",
    ),
    ("eventTime bad month", "dbt_run_event", _set(["eventTime"], "2024-13-14T00:00:00Z"), "$.eventTime", ""),
    (
        "eventTime before year 1 in UTC",
        "dbt_run_event",
        _set(["eventTime"], "0001-01-01T00:00:00+23:59"),
        "$.eventTime",
        "years 1 and 9999",
    ),
    (
        "eventTime after year 9999 in UTC",
        "dbt_run_event",
        _set(["eventTime"], "9999-12-31T23:59:59-00:01"),
        "$.eventTime",
        "years 1 and 9999",
    ),
    ("no producer", "dbt_run_event", _del(["producer"]), "$.producer", "required"),
    ("no job namespace", "dbt_run_event", _del(["job", "namespace"]), "$.job.namespace", "required"),
    ("no job name", "dbt_run_event", _del(["job", "name"]), "$.job.name", "required"),
    ("no job", "dbt_run_event", _del(["job"]), "$.job", "required"),
    ("eventType unknown", "dbt_run_event", _set(["eventType"], "DONE"), "$.eventType", "START"),
    ("input without name", "dbt_run_event", _del(["inputs", 0, "name"]), "$.inputs[0].name", "required"),
    (
        "output without namespace",
        "dbt_run_event",
        _del(["outputs", 0, "namespace"]),
        "$.outputs[0].namespace",
        "",
    ),
    (
        "custom facet without _producer",
        "dbt_run_event",
        _del(["run", "facets", "dbt_version", "_producer"]),
        "$.run.facets.dbt_version._producer",
        "required",
    ),
    (
        "typed facet without _producer",
        "dbt_run_event",
        _del(["job", "facets", "sql", "_producer"]),
        "$.job.facets.sql._producer",
        "required",
    ),
    (
        "dataset facet without _producer",
        "dbt_run_event",
        _del(["inputs", 0, "facets", "schema", "_producer"]),
        "$.inputs[0].facets.schema._producer",
        "required",
    ),
    (
        "input facet without _producer",
        "spark_run_event",
        _del(["inputs", 0, "inputFacets", "inputStatistics", "_producer"]),
        "$.inputs[0].inputFacets.inputStatistics._producer",
        "required",
    ),
    (
        "facet with a dot in its key",
        "spark_run_event",
        _del(["run", "facets", "spark.logicalPlan", "_producer"]),
        "$.run.facets['spark.logicalPlan']._producer",
        "required",
    ),
    (
        "sql facet without query",
        "dbt_run_event",
        _del(["job", "facets", "sql", "query"]),
        "$.job.facets.sql.query",
        "required",
    ),
    (
        "facet not an object",
        "dbt_run_event",
        _set(["run", "facets", "parent"], "parent"),
        "$.run.facets.parent",
        "object",
    ),
    (
        "parent without job",
        "dbt_run_event",
        _del(["run", "facets", "parent", "job"]),
        "$.run.facets.parent.job",
        "required",
    ),
    (
        "schema field without name",
        "dbt_run_event",
        _del(["inputs", 0, "facets", "schema", "fields", 2, "fields", 1, "name"]),
        "$.inputs[0].facets.schema.fields[2].fields[1].name",
        "required",
    ),
    (
        "_deleted false is not deleted",
        "dbt_run_event",
        _set(["job", "facets", "sql"], {"_deleted": False}),
        "$.job.facets.sql._producer",
        "required",
    ),
    (
        "DatasetEvent with a run",
        "dataset_event",
        _set(["run"], {"runId": RUN_ID}),
        "$.run",
        "DatasetEvent must not have run",
    ),
    (
        "DatasetEvent with a job",
        "dataset_event",
        _set(["job"], {"namespace": "a", "name": "b"}),
        "$.job",
        "DatasetEvent must not have job",
    ),
    ("DatasetEvent without name", "dataset_event", _del(["dataset", "name"]), "$.dataset.name", "required"),
    (
        "JobEvent with a run",
        "job_event",
        _set(["run"], {"runId": RUN_ID}),
        "$.run",
        "JobEvent must not have run",
    ),
    (
        "RunEvent with a dataset",
        "dbt_run_event",
        _set(["dataset"], {}),
        "$.dataset",
        "RunEvent must not have dataset",
    ),
    (
        "run, job and dataset, no schemaURL",
        "legacy_1x_run_event",
        _set(["dataset"], {"namespace": "a", "name": "b"}),
        "$.run",
        "DatasetEvent must not have run",
    ),
]


@pytest.mark.parametrize(
    ("base", "mutate", "path", "text"),
    [pytest.param(base, mutate, path, text, id=label) for label, base, mutate, path, text in REJECTIONS],
)
def test_rejected_at_its_path(
    base: str, mutate: Callable[[dict[str, Any]], None], path: str, text: str
) -> None:
    event = fixture(base)
    mutate(event)
    for given_form in (orjson.dumps(event), event):
        with pytest.raises(EventValidationError) as raised:
            parse_event(given_form)
        assert path in [e.path for e in raised.value.errors], raised.value.errors
        assert any(text in e.message for e in raised.value.errors if e.path == path)


def test_every_error_is_reported_at_once() -> None:
    event = fixture("dbt_run_event")
    event["run"]["runId"] = "not-a-uuid"
    del event["producer"]
    del event["inputs"][0]["name"]
    parsed, errors = validate_event(orjson.dumps(event))
    assert parsed is None
    assert sorted(e.path for e in errors) == ["$.inputs[0].name", "$.producer", "$.run.runId"]


def test_facet_errors_name_no_union_member() -> None:
    event = fixture("dbt_run_event")
    del event["job"]["facets"]["sql"]["_producer"]
    _, errors = validate_event(event)
    assert errors == [FieldError("$.job.facets.sql._producer", "Field required")]


def test_facet_keys_named_like_models_stay_in_paths() -> None:
    event = fixture("dbt_run_event")
    event["run"]["facets"]["Facet"] = {"x": 1}
    event["run"]["facets"]["DeletedFacet"] = {"x": 1}
    _, errors = validate_event(event)
    assert sorted(e.path for e in errors) == [
        "$.run.facets.DeletedFacet._producer",
        "$.run.facets.Facet._producer",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "invalid JSON"),
        (b"", "no JSON value"),
        (b"\xff\xfe\x00", "must be UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b"42", "JSON object"),
        ("null", "JSON object"),
        (None, "JSON object"),
        (3.5, "JSON object"),
        ([{"eventTime": "x"}], "JSON object"),
    ],
)
def test_unreadable_input_is_an_error_at_the_root(raw: Any, message: str) -> None:
    event, errors = validate_event(raw)
    assert event is None
    assert len(errors) == 1 and errors[0].path == "$" and message in errors[0].message


def test_big_integers_are_not_called_bad_json() -> None:
    event = fixture("legacy_1x_run_event")
    event["x_big"] = 2**80
    parsed = parse_event(json.dumps(event))
    assert event_dict(parsed)["x_big"] == 2**80


# --------------------------------------------------------------------------- official client

PRODUCER = "https://github.com/example/producer"


def _client_run_event(parent: parent_run.ParentRunFacet | None) -> event_v2.RunEvent:
    run_facets: dict[str, Any] = {
        "nominalTime": nominal_time_run.NominalTimeRunFacet(nominalStartTime="2024-05-14T08:00:00Z"),
        "errorMessage": error_message_run.ErrorMessageRunFacet(
            message="boom", programmingLanguage="python", stackTrace="Traceback..."
        ),
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(version="3.5.1", name="spark"),
    }
    if parent is not None:
        run_facets["parent"] = parent
    job_facets: dict[str, Any] = {
        "sql": sql_job.SQLJobFacet(query="INSERT INTO t SELECT * FROM s", dialect="postgres"),
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="AIRFLOW", jobType="TASK"
        ),
        "documentation": documentation_job.DocumentationJobFacet(description="loads t"),
        "ownership": ownership_job.OwnershipJobFacet(
            owners=[ownership_job.Owner(name="team:data", type="TEAM")]
        ),
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://github.com/example/repo/blob/main/dag.py", branch="main"
        ),
        "sourceCode": source_code_job.SourceCodeJobFacet(language="python", sourceCode="print(1)"),
    }
    input_ds = event_v2.InputDataset(
        namespace="postgres://db:5432",
        name="shop.public.s",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(name="id", type="int", description="key"),
                    schema_dataset.SchemaDatasetFacetFields(
                        name="address",
                        type="struct",
                        fields=[schema_dataset.SchemaDatasetFacetFields(name="city", type="text")],
                    ),
                ]
            ),
            "dataSource": datasource_dataset.DatasourceDatasetFacet(
                name="postgres://db:5432", uri="postgres://db:5432"
            ),
            "symlinks": symlinks_dataset.SymlinksDatasetFacet(
                identifiers=[symlinks_dataset.Identifier(namespace="s3://lake", name="/s", type="TABLE")]
            ),
            "ownership": ownership_dataset.OwnershipDatasetFacet(
                owners=[ownership_dataset.Owner(name="user:jo")]
            ),
            "storage": storage_dataset.StorageDatasetFacet(storageLayer="iceberg", fileFormat="parquet"),
        },
        inputFacets={
            "inputStatistics": input_statistics_input_dataset.InputStatisticsInputDatasetFacet(rowCount=10)
        },
    )
    output_ds = event_v2.OutputDataset(
        namespace="postgres://db:5432",
        name="shop.public.t",
        facets={
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
                fields={
                    "id": column_lineage_dataset.Fields(
                        inputFields=[
                            column_lineage_dataset.InputField(
                                namespace="postgres://db:5432",
                                name="shop.public.s",
                                field="id",
                                transformations=[
                                    column_lineage_dataset.Transformation(
                                        type="DIRECT", subtype="IDENTITY", description="", masking=False
                                    )
                                ],
                            )
                        ]
                    )
                },
                dataset=[
                    column_lineage_dataset.InputField(
                        namespace="postgres://db:5432",
                        name="shop.public.s",
                        field="id",
                        transformations=[
                            column_lineage_dataset.Transformation(type="INDIRECT", subtype="FILTER")
                        ],
                    )
                ],
            ),
            "documentation": documentation_dataset.DocumentationDatasetFacet(description="target"),
            "lifecycleStateChange": lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
                lifecycleStateChange=lifecycle_state_change_dataset.LifecycleStateChange.OVERWRITE
            ),
        },
        outputFacets={
            "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=10, size=1024
            )
        },
    )
    return event_v2.RunEvent(
        eventType=event_v2.RunState.COMPLETE,
        eventTime="2024-05-14T08:01:00.000Z",
        run=event_v2.Run(runId=RUN_ID, facets=run_facets),
        job=event_v2.Job(namespace="airflow", name="dag.task", facets=job_facets),
        inputs=[input_ds],
        outputs=[output_ds],
        producer=PRODUCER,
    )


def _parent(root: bool) -> parent_run.ParentRunFacet:
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=PARENT_ID),
        job=parent_run.Job(namespace="airflow", name="dag"),
        root=parent_run.Root(
            run=parent_run.RootRun(runId=ROOT_ID),
            job=parent_run.RootJob(namespace="scheduler", name="root_dag"),
        )
        if root
        else None,
    )


CLIENT_EVENTS: dict[str, Callable[[], Any]] = {
    "run with parent and root": lambda: _client_run_event(_parent(root=True)),
    "run with parent": lambda: _client_run_event(_parent(root=False)),
    "run without parent": lambda: _client_run_event(None),
    "job event": lambda: event_v2.JobEvent(
        eventTime="2024-05-14T08:00:00Z",
        job=event_v2.Job(
            namespace="airflow", name="dag.task", facets={"sql": sql_job.SQLJobFacet(query="select 1")}
        ),
        inputs=[event_v2.InputDataset(namespace="kafka://b:9092", name="orders")],
        producer=PRODUCER,
    ),
    "dataset event": lambda: event_v2.DatasetEvent(
        eventTime="2024-05-14T08:00:00Z",
        dataset=event_v2.StaticDataset(
            namespace="s3://lake",
            name="/orders",
            facets={"symlinks": symlinks_dataset.SymlinksDatasetFacet(identifiers=[])},
        ),
        producer=PRODUCER,
    ),
}


def _client_kafka_key(event: Any) -> str | None:
    """The key the official client's KafkaTransport gives an event (no producer is made)."""
    transport = object.__new__(KafkaTransport)
    key: str | None = transport._get_message_key(event)
    return key


@pytest.mark.parametrize("name", CLIENT_EVENTS)
def test_official_client_event_parses_without_loss(name: str) -> None:
    client_event = CLIENT_EVENTS[name]()
    text = Serde.to_json(client_event)
    event = parse_event(text)
    assert type(event).__name__ == type(client_event).__name__
    assert event_dict(event) == json.loads(text)
    assert orjson.loads(dump_event(event)) == json.loads(text)


@pytest.mark.parametrize("name", CLIENT_EVENTS)
def test_kafka_key_equals_official_client(name: str) -> None:
    client_event = CLIENT_EVENTS[name]()
    assert kafka_key(parse_event(Serde.to_json(client_event))) == _client_kafka_key(client_event)


def test_kafka_keys_by_parent() -> None:
    keys = {name: kafka_key(parse_event(Serde.to_json(make()))) for name, make in CLIENT_EVENTS.items()}
    assert keys == {
        "run with parent and root": "run:scheduler/root_dag",
        "run with parent": "run:airflow/dag",
        "run without parent": "run:airflow/dag.task",
        "job event": "job:airflow/dag.task",
        "dataset event": "dataset:s3://lake//orders",
    }


def test_official_client_facets_are_typed() -> None:
    event = parse_event(Serde.to_json(_client_run_event(_parent(root=True))))
    assert isinstance(event, RunEvent) and event.run.facets and event.job.facets
    assert isinstance(event.run.facets.parent, ParentRunFacet)
    assert isinstance(event.job.facets.sql, SQLJobFacet)
    assert event.processing_type == "BATCH"
    assert event.is_terminal


# --------------------------------------------------------------------------- properties

_text = st.text(st.characters(codec="utf-8"), max_size=12)
_name = st.text("abcdefghijklmnopqrstuvwxyz0123456789_./:-", min_size=1, max_size=16)
_scalar = st.one_of(st.booleans(), st.integers(-(2**53), 2**53), _text)
_json = st.recursive(
    st.one_of(st.none(), _scalar),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)
_non_null = st.one_of(_scalar, st.lists(_json, max_size=3), st.dictionaries(_text, _json, max_size=3))
_extras = st.dictionaries(_name.map(lambda s: f"x_{s}"), _non_null, max_size=2)
_uuid = st.uuids().map(str)
_time = st.one_of(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)).map(lambda d: d.isoformat()),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: d.isoformat(timespec="milliseconds") + "Z"
    ),
)


def _facet(**fields: Any) -> st.SearchStrategy[dict[str, Any]]:
    base = {"_producer": _name, **fields}
    return st.builds(lambda d, extra: {**d, **extra}, st.fixed_dictionaries(base), _extras)


def _optional(**fields: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


_custom_facets = st.dictionaries(_name.map(lambda s: f"custom_{s}"), _facet(), max_size=2)
_deleted = st.just({"_deleted": True})
_schema_field = st.recursive(
    st.builds(lambda n, o: {"name": n, **o}, _name, _optional(type=_name, description=_text)),
    lambda inner: st.builds(lambda n, f: {"name": n, "fields": f}, _name, st.lists(inner, max_size=2)),
    max_leaves=4,
)
_input_field = st.builds(
    lambda ns, n, f, t: {"namespace": ns, "name": n, "field": f, **t},
    _name,
    _name,
    _name,
    _optional(
        transformations=st.lists(
            st.builds(
                lambda t, o: {"type": t, **o},
                st.sampled_from(["DIRECT", "INDIRECT"]),
                _optional(subtype=_name, masking=st.booleans()),
            ),
            max_size=2,
        )
    ),
)
_dataset_facets = st.builds(
    lambda typed, custom: {**typed, **custom},
    _optional(
        schema=_facet(fields=st.lists(_schema_field, max_size=3)),
        dataSource=_facet(name=_name, uri=_name),
        columnLineage=_facet(
            fields=st.dictionaries(
                _name, st.fixed_dictionaries({"inputFields": st.lists(_input_field, max_size=2)})
            )
        ),
        symlinks=_facet(
            identifiers=st.lists(st.fixed_dictionaries({"namespace": _name, "name": _name, "type": _name}))
        ),
        documentation=st.one_of(_facet(description=_text), _deleted),
        ownership=_facet(owners=st.lists(st.fixed_dictionaries({"name": _name}), max_size=2)),
    ),
    _custom_facets,
)
_job_facets = st.builds(
    lambda typed, custom: {**typed, **custom},
    _optional(
        sql=st.one_of(_facet(query=_text), _deleted),
        jobType=_facet(processingType=st.sampled_from(["BATCH", "STREAMING"]), integration=_name),
    ),
    _custom_facets,
)
_run_facets = st.builds(
    lambda typed, custom: {**typed, **custom},
    _optional(
        parent=_facet(
            run=st.fixed_dictionaries({"runId": _uuid}),
            job=st.fixed_dictionaries({"namespace": _name, "name": _name}),
        ),
        nominalTime=_facet(nominalStartTime=_time),
    ),
    _custom_facets,
)


def _dataset(extra_key: str | None) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, Any] = {"facets": _dataset_facets}
    if extra_key:
        optional[extra_key] = _custom_facets
    return st.builds(
        lambda ns, n, o, e: {"namespace": ns, "name": n, **o, **e},
        _name,
        _name,
        _optional(**optional),
        _extras,
    )


_job = st.builds(
    lambda ns, n, o: {"namespace": ns, "name": n, **o}, _name, _name, _optional(facets=_job_facets)
)
_common = {"eventTime": _time, "producer": _name}
_run_events = st.builds(
    lambda d, e: {**d, **e},
    st.fixed_dictionaries(
        {
            **_common,
            "run": st.fixed_dictionaries({"runId": _uuid}, optional={"facets": _run_facets}),
            "job": _job,
        },
        optional={
            "eventType": st.sampled_from([t.value for t in EventType]),
            "schemaURL": st.just("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"),
            "inputs": st.lists(_dataset("inputFacets"), max_size=2),
            "outputs": st.lists(_dataset("outputFacets"), max_size=2),
        },
    ),
    _extras,
)
_job_events = st.fixed_dictionaries(
    {**_common, "job": _job}, optional={"inputs": st.lists(_dataset("inputFacets"), max_size=2)}
)
_dataset_events = st.fixed_dictionaries({**_common, "dataset": _dataset(None)})
valid_events = st.one_of(_run_events, _job_events, _dataset_events)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_events)
def test_generated_valid_events_round_trip(raw: dict[str, Any]) -> None:
    for given_form in (orjson.dumps(raw), raw):
        event, errors = validate_event(given_form)
        assert errors == []
        assert event is not None and event_dict(event) == raw
        assert orjson.loads(dump_event(event)) == raw
        assert kafka_key(event).split(":", 1)[0] in {"run", "job", "dataset"}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any] | Any:
    event = copy.deepcopy(draw(st.one_of(st.sampled_from([fixture(n) for n in FIXTURE_KINDS]), valid_events)))
    rnd = draw(st.randoms(use_true_random=True))  # uniform over paths, not biased to the first
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(event)[1:]  # the root itself is replaced by the random-bytes tests
        if not paths:
            return event
        path = rnd.choice(paths)
        parent: Any = event
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "type"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(_json)
        else:
            current = parent[path[-1]]
            parent[path[-1]] = [current] if not isinstance(current, list) else {"v": current}
    return event


def _assert_well_formed(result: tuple[Any, list[FieldError]]) -> None:
    event, errors = result
    assert (event is None) != (errors == [])
    assert all(isinstance(e, FieldError) and e.path.startswith("$") and e.message for e in errors)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_mutated_events_give_paths_never_exceptions(raw: Any) -> None:
    _assert_well_formed(validate_event(raw))
    _assert_well_formed(validate_event(json.dumps(raw).encode()))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_errors_never_exceptions(raw: bytes) -> None:
    _assert_well_formed(validate_event(raw))


@settings(max_examples=100, deadline=None)
@given(valid_events, st.binary(min_size=1, max_size=8), st.integers(0, 10_000))
def test_corrupted_bytes_give_errors_never_exceptions(raw: dict[str, Any], junk: bytes, at: int) -> None:
    data = orjson.dumps(raw)
    at %= len(data)
    _assert_well_formed(validate_event(data[:at] + junk + data[at + len(junk) :]))
