"""Bad and awkward input to the cataloguer: each case has a defined outcome, and none stops it.

| input | outcome |
|---|---|
| the events of one run in any order | the same catalogue as in order; newer facts win |
| COMPLETE before START | the same; a run record's state is its latest event, its start the first START |
| a runId reused by a re-run | one run record: latest event type, first start, latest completion |
| a streaming job emitting RUNNING for days | catalogued from the first event; nothing more is published |
| a namespace URL with credentials | user information and secret parameters dropped everywhere |
| names with `/`, `..`, quotes, non-ASCII | kept verbatim in names and qualified names |
| lone surrogates (not UTF-8) | refused by the intake; in an event built in Python, replaced by U+FFFD, the events published are valid JSON |
| an empty name, a job its own parent or dependency | skipped (nothing is catalogued for it) |

Events are written as producers write them: the dbt run captured from `dbt-ol` (see
`tests/fixtures/dbt/README.md`) and JSON like the official client's.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.catalogue.mapping import CataloguerOptions, map_event
from schemas.omrs import dump_omrs_event
from schemas.openlineage import parse_event, validate_event
from tests.support.catalogue import MemoryCatalogue
from tests.support.dbt import captured_events

T0 = datetime(2026, 5, 1, tzinfo=UTC)
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def event(
    state: str,
    when: timedelta,
    job: str = "stream",
    namespace: str = "flink",
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    run_id: str = "3f5e83fa-3480-44ff-99c5-ff943904e5e8",
    job_facets: dict[str, Any] | None = None,
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": state,
        "eventTime": (T0 + when).isoformat(),
        "producer": "https://example.com/producer",
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": namespace, "name": job, "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }


def ds(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


def facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": "https://example.com/producer", "_schemaURL": "https://example.com/schema", **fields}


def content(cat: MemoryCatalogue) -> dict[str, Any]:
    return {g: (s.published_status, s.published) for g, s in cat.states.items() if s.published_status}


def test_the_events_of_a_run_in_any_order_give_the_same_catalogue() -> None:
    events = captured_events()
    reference = MemoryCatalogue()
    reference.catalogue(*events)
    for seed in range(4):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        cat = MemoryCatalogue()
        cat.catalogue(*shuffled)
        assert content(cat) == content(reference)


def test_complete_before_start_and_a_reused_run_id() -> None:
    run_id = str(uuid.uuid4())
    table = [ds("postgres://db:5432", "shop.orders")]
    first = [
        event("COMPLETE", timedelta(minutes=5), run_id=run_id, outputs=table),
        event("START", timedelta(minutes=0), run_id=run_id, outputs=table),
    ]
    rerun = [
        event("START", timedelta(hours=1), run_id=run_id, outputs=table),
        event("COMPLETE", timedelta(hours=1, minutes=3), run_id=run_id, outputs=table),
    ]
    cat = MemoryCatalogue(CataloguerOptions(catalog_runs=True))
    cat.catalogue(*first)
    (record,) = cat.live("TransientEmbeddedProcess").values()
    assert record.published is not None
    extra = record.published["properties"]["additionalProperties"]
    assert (extra["lastEventType"], extra["startTime"], extra["completionTime"]) == (
        "COMPLETE",
        (T0).isoformat(),
        (T0 + timedelta(minutes=5)).isoformat(),
    )
    lineage_before = cat.live_links("DataFlow")
    cat.catalogue(rerun[0])
    extra = record.published["properties"]["additionalProperties"]
    assert extra["lastEventType"] == "START"  # running again
    cat.catalogue(rerun[1])
    extra = record.published["properties"]["additionalProperties"]
    assert extra["startTime"] == T0.isoformat()  # the first START, not the re-run's
    assert extra["completionTime"] == (T0 + timedelta(hours=1, minutes=3)).isoformat()
    assert cat.live_links("DataFlow") == lineage_before
    assert len(cat.live("TransientEmbeddedProcess")) == 1


def test_a_streaming_job_running_for_days_publishes_only_what_its_first_events_say() -> None:
    streaming = {"jobType": facet(processingType="STREAMING", integration="FLINK", jobType="JOB")}
    topic = [ds("kafka://broker:9092", "clicks")]
    sink = [ds("s3://lake", "clicks/")]
    start = event("START", timedelta(0), inputs=topic, outputs=sink, job_facets=streaming)
    running = [
        event("RUNNING", timedelta(minutes=5 * i), inputs=topic, outputs=sink, job_facets=streaming)
        for i in range(1, 3 * 24 * 12)  # every five minutes for three days
    ]
    for options in (CataloguerOptions(), CataloguerOptions(catalog_runs=True)):
        cat = MemoryCatalogue(options)
        first = cat.catalogue(start, running[0])
        assert cat.live_links("DataFlow") == {
            ("KafkaTopic::kafka://broker:9092::clicks", "DeployedSoftwareComponent::flink::stream"),
            ("DeployedSoftwareComponent::flink::stream", "FileFolder::s3://lake::clicks/"),
        }
        assert first, "lineage shows from the first event"
        assert cat.catalogue(*running[1:]) == [], "RUNNING events that say nothing new publish nothing"


def test_credentials_in_a_namespace_never_reach_the_catalogue() -> None:
    secret_ns = "postgres://admin:s3cr3t@db.example.com:5432"
    warehouse = "snowflake://acct.region?warehouse=wh&password=s3cr3t&token=s3cr3t"
    lineage = facet(
        fields={"id": {"inputFields": [{"namespace": secret_ns, "name": "shop.raw.orders", "field": "id"}]}}
    )
    source = facet(name=secret_ns, uri=f"{secret_ns}/shop")
    links = facet(
        identifiers=[{"namespace": "hive://hive:s3cr3t@ms:9083", "name": "raw.orders", "type": "TABLE"}]
    )
    cat = MemoryCatalogue(CataloguerOptions(catalog_runs=True))
    cat.catalogue(
        event(
            "COMPLETE",
            timedelta(0),
            namespace="airflow://user:s3cr3t@scheduler:8080",
            job="load",
            inputs=[
                ds(secret_ns, "shop.raw.orders", dataSource=source),
                ds("s3://lake", "raw/orders", symlinks=links),
            ],
            outputs=[ds(warehouse, "SHOP.MART.ORDERS", columnLineage=lineage)],
        )
    )
    published = b"".join(dump_omrs_event(e) for e in cat.published)
    assert b"s3cr3t" not in published and b"admin" not in published
    assert cat.live_qns("TableDataSet") >= {
        "TableDataSet::postgres://db.example.com:5432::shop.raw.orders",
        "TableDataSet::snowflake://acct.region?warehouse=wh::SHOP.MART.ORDERS",
        "TableDataSet::hive://ms:9083::raw.orders",
    }
    assert "DeployedSoftwareComponent::airflow://scheduler:8080::load" in cat.live_qns(
        "DeployedSoftwareComponent"
    )
    # A namespace without credentials is kept byte for byte (its guids do not move).
    clean = MemoryCatalogue()
    clean.catalogue(event("COMPLETE", timedelta(0), inputs=[ds("postgres://db:5432?sslmode=require", "t")]))
    assert "TableDataSet::postgres://db:5432?sslmode=require::t" in clean.live_qns("TableDataSet")


def test_odd_names_are_kept_verbatim() -> None:
    names = ["../../etc/passwd", "dir/sub/file.csv", 'it\'s "quoted"', "données/été.parquet", "表.列", "a::b"]
    cat = MemoryCatalogue()
    cat.catalogue(event("COMPLETE", timedelta(0), job="j/../k", inputs=[ds("file", n) for n in names]))
    assert cat.live_qns("DataFile") == {f"DataFile::file::{n}" for n in names}
    assert "DeployedSoftwareComponent::flink::j/../k" in cat.live_qns("DeployedSoftwareComponent")
    graph = {n["id"] for n in cat.graph.lineage("job:flink:j/../k", 1)["graph"]}
    assert {f"dataset:file:{n}" for n in names} <= graph


def test_lone_surrogates_become_replacement_characters() -> None:
    """The intake refuses JSON text holding a lone surrogate (schemas/strict_json.py); an event
    built in Python (a connector's, a dict) can still hold one, and the cataloguer copes."""
    raw = (
        orjson.dumps(event("COMPLETE", timedelta(0), inputs=[ds("file", "x")]))
        .replace(b'"name":"x"', b'"name":"bad\\ud800name"')
        .replace(b'"name":"stream"', b'"name":"job\\udfff"')
    )
    assert validate_event(raw)[0] is None  # refused at the door
    parsed = parse_event(json.loads(raw))
    assert parsed.job.name == "job\udfff"
    cat = MemoryCatalogue()
    cat.catalogue(parsed)
    assert cat.live_qns("DataFile") == {"DataFile::file::bad\ufffdname"}
    assert "DeployedSoftwareComponent::flink::job\ufffd" in cat.live_qns("DeployedSoftwareComponent")
    for published in cat.published:
        orjson.loads(dump_omrs_event(published))


def test_nameless_datasets_and_self_references_are_skipped() -> None:
    own = {"job": {"namespace": "flink", "name": "stream"}, "run": {"runId": str(uuid.uuid4())}}
    cat = MemoryCatalogue()
    cat.catalogue(
        event(
            "COMPLETE",
            timedelta(0),
            inputs=[ds("postgres://db:5432", ""), ds("", "t")],
            run_facets={
                "parent": facet(**own),
                "jobDependencies": facet(upstream=[{"job": own["job"]}]),
            },
        )
    )
    assert cat.live_qns("DeployedSoftwareComponent") == {"DeployedSoftwareComponent::flink::stream"}
    assert not cat.live("TableDataSet") and not cat.live("ProcessHierarchy") and not cat.live("ControlFlow")


_TEXT = st.text(st.characters(codec=None, exclude_categories=("Cc",)), max_size=12)
_NAMESPACES = st.sampled_from(
    ["postgres://u:p@db:5432", "kafka://b:9092", "s3://bucket", "file", "custom", "snowflake://a?password=x"]
)


@st.composite
def _datasets(draw: st.DrawFn) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    if draw(st.booleans()):
        facets["schema"] = facet(
            fields=[{"name": draw(_TEXT), "type": draw(_TEXT)} for _ in range(draw(st.integers(0, 3)))]
        )
    if draw(st.booleans()):
        facets["lifecycleStateChange"] = facet(
            lifecycleStateChange=draw(st.sampled_from(["DROP", "RENAME", "CREATE", "OVERWRITE", "TRUNCATE"])),
            previousIdentifier={"namespace": draw(_NAMESPACES), "name": draw(_TEXT)},
        )
    if draw(st.booleans()):
        facets["columnLineage"] = facet(
            fields={
                draw(_TEXT): {
                    "inputFields": [
                        {"namespace": draw(_NAMESPACES), "name": draw(_TEXT), "field": draw(_TEXT)}
                    ]
                }
            }
        )
    return ds(draw(_NAMESPACES), draw(_TEXT), **facets)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    job=_TEXT,
    inputs=st.lists(_datasets(), max_size=3),
    outputs=st.lists(_datasets(), max_size=3),
    state=st.sampled_from(["START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"]),
    minutes=st.integers(0, 10_000),
)
def test_no_event_stops_the_cataloguer(
    job: str, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]], state: str, minutes: int
) -> None:
    raw = event(state, timedelta(minutes=minutes), job=job or "j", inputs=inputs, outputs=outputs)
    cat = MemoryCatalogue(CataloguerOptions(catalog_runs=True))
    cat.catalogue(raw)  # every published event is checked as Egeria reads it
    assert cat.catalogue(raw) == []  # and a replay publishes nothing
    for published in cat.published:
        assert b"p@db" not in dump_omrs_event(published)
    assert map_event(parse_event(raw), cat.index) is not None
