"""Folding OpenLineage events into the read model: order and repeats do not matter, and what a
user reads back (runs, versions, lineage then and now, column lineage) is what happened.

Events come from the official openlineage-python client (`tests/support/explorer_history.py`);
expected values are the scenario's own facts (times, states, columns), written here by hand.
Marquez's run states are those of `RunState.forType` (MarquezProject/marquez
a89b89cad27f87c90dd964c40dae8dfb3f64031f, api/src/main/java/marquez/common/models/RunState.java).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.explorer import OpenLineageGraph, Page, ReadModel, apply, lineage
from runtime.kv import MemoryKeyValue
from tests.support.explorer_history import (
    CUSTOMERS,
    DB,
    ETL,
    LAKE,
    ORDERS,
    REFUNDS,
    REVENUE,
    RUNS,
    WEEKLY,
    history,
)

EVENTS = history().json()
LATE_DUPLICATES = st.lists(st.integers(0, len(EVENTS) - 1), max_size=8)


def store(events: list[str]) -> MemoryKeyValue:
    kv = MemoryKeyValue()
    for event in events:
        apply(kv, event)
    return kv


def contents(kv: MemoryKeyValue) -> dict[bytes, bytes]:
    return dict(kv.scan(b""))


ORDERED = contents(store(EVENTS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(range(len(EVENTS))), again=LATE_DUPLICATES, data=st.data())
def test_any_order_with_repeats_leaves_the_same_store_as_the_ordered_stream(
    order: list[int], again: list[int], data: st.DataObject
) -> None:
    sequence = list(order)
    for index in again:
        sequence.insert(data.draw(st.integers(0, len(sequence)), label="position"), index)
    assert contents(store([EVENTS[i] for i in sequence])) == ORDERED


def test_complete_before_start_and_the_same_event_twice() -> None:
    start, complete = EVENTS[0], EVENTS[1]  # orders.ingest day 1
    kv = MemoryKeyValue()
    assert apply(kv, complete)
    run = ReadModel(kv).run(RUNS["orders_day1"])
    assert run is not None and run["state"] == "COMPLETED" and run["startedAt"] is None
    assert apply(kv, start)
    assert not apply(kv, start), "an event already folded in is reported as such"
    run = ReadModel(kv).run(RUNS["orders_day1"])
    assert run is not None
    assert (run["state"], run["startedAt"], run["endedAt"], run["durationMs"]) == (
        "COMPLETED",
        "2026-03-01T02:00:00Z",
        "2026-03-01T02:05:00Z",
        300_000,
    )
    assert [t["eventType"] for t in run["transitions"]] == ["COMPLETE", "START"]


def test_a_start_only_run_is_running_with_no_end() -> None:
    model = ReadModel(store([EVENTS[0]]))
    run = model.run(RUNS["orders_day1"])
    assert run is not None
    assert (run["state"], run["endedAt"], run["durationMs"]) == ("RUNNING", None, None)
    assert run["nominalStartTime"] == "2026-03-01T02:00:00+00:00"


def test_a_failed_run_retried_under_the_same_run_id() -> None:
    model = ReadModel(store(EVENTS))
    run = model.run(RUNS["revenue_day2"])
    assert run is not None
    assert [(t["eventType"], t["transitionedAt"]) for t in run["transitions"]] == [
        ("COMPLETE", "2026-03-02T02:25:00Z"),
        ("START", "2026-03-02T02:20:00Z"),
        ("FAIL", "2026-03-02T02:11:00Z"),
        ("START", "2026-03-02T02:10:00Z"),
    ]
    assert (run["state"], run["startedAt"], run["endedAt"], run["durationMs"]) == (
        "COMPLETED",
        "2026-03-02T02:20:00Z",
        "2026-03-02T02:25:00Z",
        300_000,
    )
    assert run["facets"]["errorMessage"]["message"] == "division by zero"
    failed_only = ReadModel(store(EVENTS[:11])).run(RUNS["revenue_day2"])
    assert failed_only is not None and (failed_only["state"], failed_only["durationMs"]) == ("FAILED", 60_000)


def test_job_runs_newest_first_with_the_latest_run_and_counts() -> None:
    model = ReadModel(store(EVENTS))
    job = model.job(ETL, "marts.customer_revenue")
    assert job is not None
    assert [r["id"] for r in job["latestRuns"]] == [
        RUNS["revenue_day3"],
        RUNS["revenue_day2"],
        RUNS["revenue_day1"],
    ]
    assert job["latestRun"]["id"] == RUNS["revenue_day3"]
    assert job["type"] == "BATCH" and job["description"] == "Revenue per customer"
    assert job["parentJobName"] == "nightly"
    assert sorted(i["name"] for i in job["inputs"]) == [CUSTOMERS, ORDERS, REFUNDS]
    assert job["outputs"] == [{"namespace": DB, "name": REVENUE}]
    runs = model.runs(ETL, "marts.customer_revenue", Page(limit=1, offset=1))
    assert runs["totalCount"] == 3 and [r["id"] for r in runs["runs"]] == [RUNS["revenue_day2"]]
    jobs = model.jobs(ETL, Page(limit=2, offset=0))
    assert jobs["totalCount"] == 4 and [j["name"] for j in jobs["jobs"]] == [
        "customers.ingest",
        "marts.customer_revenue",
    ]


def test_a_version_per_schema_change_with_the_run_that_made_it() -> None:
    model = ReadModel(store(EVENTS))
    answer = model.dataset_versions(DB, REVENUE, Page())
    assert answer is not None and answer["totalCount"] == 2
    newest, oldest = answer["versions"]
    assert [f["name"] for f in newest["fields"]] == ["customer_id", "email_hash", "revenue", "order_count"]
    assert [f["name"] for f in oldest["fields"]] == ["customer_id", "email_hash", "revenue"]
    assert newest["createdByRun"]["id"] == RUNS["revenue_day2"]
    assert oldest["createdByRun"]["id"] == RUNS["revenue_day1"]
    dataset = model.dataset(DB, REVENUE)
    assert dataset is not None and dataset["currentVersion"] == newest["version"]
    assert model.dataset_version(DB, REVENUE, oldest["version"]) == oldest
    run = model.run(RUNS["revenue_day1"])
    assert run is not None
    assert run["outputDatasetVersions"][0]["datasetVersionId"]["version"] == oldest["version"]


def test_a_dataset_seen_before_its_schema_starts_with_a_version_without_one() -> None:
    model = ReadModel(store(EVENTS))
    weekly = model.dataset_versions(DB, WEEKLY, Page())
    assert weekly is not None and weekly["totalCount"] == 1 and weekly["versions"][0]["fields"] == []


def _ids(answer: dict[str, Any]) -> set[str]:
    return {n["id"] for n in answer["graph"]}


def test_lineage_now_and_as_it_was() -> None:
    model = ReadModel(store(EVENTS))
    job = f"job:{ETL}:marts.customer_revenue"
    refunds = f"dataset:{DB}:{REFUNDS}"
    now = lineage([OpenLineageGraph(model)], job, 1)
    assert refunds in _ids(now)
    day2 = lineage([OpenLineageGraph(model)], job, 1, as_of="2026-03-02T12:00:00.000000Z")
    assert refunds not in _ids(day2) and f"dataset:{DB}:{ORDERS}" in _ids(day2)
    before_anything = lineage([OpenLineageGraph(model)], job, 1, as_of="2026-03-01T00:00:00.000000Z")
    assert _ids(before_anything) == {job}
    node = next(n for n in now["graph"] if n["id"] == job)
    assert {"origin": refunds, "destination": job} in node["inEdges"]
    assert node["data"]["latestRun"]["id"] == RUNS["revenue_day3"]
    assert day2["graph"][-1]["data"]["latestRun"]["id"] == RUNS["revenue_day2"]


def test_an_input_a_job_stopped_reading_is_gone_now_and_there_before() -> None:
    model = ReadModel(store(EVENTS))
    job = f"job:{ETL}:orders.ingest"
    old_topic, new_topic = f"dataset:{KAFKA_NS}:orders", f"dataset:{KAFKA_NS}:orders-v2"
    now = _ids(lineage([OpenLineageGraph(model)], job, 1))
    assert new_topic in now and old_topic not in now
    day2 = _ids(lineage([OpenLineageGraph(model)], job, 1, as_of="2026-03-02T12:00:00.000000Z"))
    assert old_topic in day2 and new_topic not in day2
    topic = _ids(lineage([OpenLineageGraph(model)], old_topic, 1))
    assert topic == {old_topic}, "nothing reads the old topic now"


def test_a_table_read_by_its_path_is_the_table_named_by_its_symlink() -> None:
    model = ReadModel(store(EVENTS))
    by_path = lineage([OpenLineageGraph(model)], f"dataset:{LAKE}:warehouse/raw/customers", 1)
    table = f"dataset:{DB}:{CUSTOMERS}"
    assert table in _ids(by_path) and f"job:{ETL}:customers.ingest" in _ids(by_path)
    dataset = model.dataset(LAKE, "warehouse/raw/customers")
    assert dataset is not None and dataset["name"] == CUSTOMERS
    assert {"namespace": LAKE, "name": "warehouse/raw/customers"} in dataset["aliases"]
    found = model.search("warehouse/raw", kinds=frozenset({"dataset"}))["results"]
    assert [r["nodeId"] for r in found] == [table], "found by its other name too"


def test_column_lineage_keeps_transformations() -> None:
    model = ReadModel(store(EVENTS))
    dataset = model.dataset(DB, REVENUE)
    assert dataset is not None
    by_column = {c["name"]: c["inputFields"] for c in dataset["columnLineage"]}
    (email,) = by_column["email_hash"]
    assert (email["dataset"], email["field"]) == (CUSTOMERS, "email")
    assert email["transformations"] == [{"type": "DIRECT", "subtype": "TRANSFORMATION", "masking": True}]
    assert email["transformationType"] == "TRANSFORMATION"
    assert {(i["dataset"], i["field"]) for i in by_column["revenue"]} == {
        (ORDERS, "amount"),
        (REFUNDS, "refund"),
    }


def test_search_by_word_start_with_filters_and_paging() -> None:
    model = ReadModel(store(EVENTS))
    everything = frozenset({"namespace", "job", "dataset", "field"})
    names = {(r["type"], r["name"]) for r in model.search("revenue", kinds=everything)["results"]}
    assert ("DATASET", REVENUE) in names and ("JOB", "marts.customer_revenue") in names
    assert ("DATASET_FIELD", "revenue") in names
    jobs = model.search("cust", kinds=frozenset({"job"}))
    assert [r["name"] for r in jobs["results"]] == ["customers.ingest", "marts.customer_revenue"]
    paged = model.search("cust", kinds=frozenset({"job"}), page=Page(limit=1, offset=1))
    assert paged["totalCount"] == 2 and [r["name"] for r in paged["results"]] == ["marts.customer_revenue"]
    assert model.search("evenue", kinds=everything)["results"] == [], "a match starts at a word boundary"
    namespaces = model.search("db.example", kinds=frozenset({"namespace"}))["results"]
    assert [r["name"] for r in namespaces] == [DB]


def test_events_by_time_with_marquez_bounds_and_counts() -> None:
    model = ReadModel(store(EVENTS))
    every = model.events(before=None, after=None, ascending=False, page=Page(limit=3))
    assert every["totalCount"] == len(EVENTS)
    assert [e["eventTime"] for e in every["events"]] == [
        "2026-03-03T02:30:00+00:00",
        "2026-03-03T02:14:00+00:00",
        "2026-03-03T02:10:00+00:00",
    ]
    day1 = model.events(
        before="2026-03-01T02:10:00Z", after="2026-03-01T02:01:00Z", ascending=True, page=Page(limit=100)
    )
    assert [e["eventTime"] for e in day1["events"]] == [
        "2026-03-01T02:01:00+00:00",
        "2026-03-01T02:04:00+00:00",
        "2026-03-01T02:05:00+00:00",
    ]
    assert day1["totalCount"] == 3
    assert orjson.loads(EVENTS[2]) == day1["events"][0]


def test_counts_of_namespaces_and_datasets() -> None:
    model = ReadModel(store(EVENTS))
    assert [n["name"] for n in model.namespaces(Page())["namespaces"]] == [KAFKA_NS, DB, ETL]
    datasets = model.datasets(DB, Page(limit=2))
    assert datasets["totalCount"] == 5
    orders = model.dataset(DB, ORDERS)
    assert orders is not None and orders["sourceName"] == "shop-db" and orders["description"] == "Raw orders"
    assert orders["lastModifiedAt"] == "2026-03-03T02:05:00Z"


KAFKA_NS = "kafka://broker:9092"


class CountingStore(MemoryKeyValue):
    """A store that counts the entries its scans hand out."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0

    def scan(self, prefix: bytes, *, start: bytes | None = None, reverse: bool = False):  # type: ignore[no-untyped-def]
        for item in super().scan(prefix, start=start, reverse=reverse):
            self.read += 1
            yield item


def _chain_event(i: int) -> bytes:
    return orjson.dumps(
        {
            "eventType": "COMPLETE",
            "eventTime": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "producer": "https://example.com/hand-made",
            "run": {"runId": str(uuid.UUID(int=i + 1))},
            "job": {"namespace": "chain", "name": f"job{i}"},
            "inputs": [{"namespace": "chain", "name": f"t{i}"}],
            "outputs": [{"namespace": "chain", "name": f"t{i + 1}"}],
        }
    )


@pytest.mark.parametrize("size", [50, 2000])
def test_a_lineage_query_reads_what_it_answers_not_the_whole_store(size: int) -> None:
    """Hand-made chain t0 -> job0 -> t1 -> ...: depth 4 around the middle is 9 nodes whatever the size."""
    kv = CountingStore()
    for i in range(size):
        apply(kv, _chain_event(i))
    kv.read = 0
    answer = lineage([OpenLineageGraph(ReadModel(kv))], f"dataset:chain:t{size // 2}", 4)
    assert len(answer["graph"]) == 9
    assert kv.read < 200
