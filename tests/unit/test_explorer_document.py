"""Marquez's read API against its OpenAPI entries (`app.web.explorer.OPERATIONS`).

Every explorer route is called on a real aiohttp server over stores filled with the official
openlineage-python client's events (the run history of `tests/support/explorer_history.py`)
and the cohort graph the cataloguer makes of them, with real data behind every path (the
history's namespaces, jobs, runs, datasets, versions, columns); each answer must be one its
entry documents for that status and match that schema (JSON Schema 2020-12, formats checked),
so the schemas accept what the handlers really answer and forbid anything undocumented.

Outside truth: the schemas' field names are checked against the fields of Marquez's model
classes that `test_explorer_marquez_client` copies from MarquezProject/marquez at
a89b89cad27f87c90dd964c40dae8dfb3f64031f (each set beside its file there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator

from agents.explorer import ReadModel, apply
from agents.lineage_model import LineageGraph
from app.web import explorer, openapi
from app.web.explorer import ReadAccess, explorer_routes
from runtime.kv import MemoryKeyValue
from tests.support.explorer_history import CUSTOMERS, DB, ETL, KAFKA, LAKE, ORDERS, REVENUE, RUNS, history
from tests.unit.test_explorer_marquez_client import (
    COLUMN_LINEAGE_INPUT,
    COLUMN_NODE,
    DATASET,
    DATASET_VERSION,
    DATASET_VERSION_REF,
    FIELD,
    GRAPH_NODE,
    INPUT_FIELD_NODE,
    JOB,
    NAMESPACE,
    RUN,
    SEARCH_RESULT,
    catalogued,
)

TOKEN = "explorer-doc-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONTEXT = openapi.DocumentContext(server_name="srv", token_set=True, version="1")
DOCUMENT = openapi.build_document(explorer.OPERATIONS, CONTEXT)
REVENUE_JOB = "marts.customer_revenue"
ROUTES = {
    "namespaces": "/api/v1/namespaces",
    "namespace": "/api/v1/namespaces/{namespace}",
    "jobs": "/api/v1/namespaces/{namespace}/jobs",
    "job": "/api/v1/namespaces/{namespace}/jobs/{job}",
    "runs": "/api/v1/namespaces/{namespace}/jobs/{job}/runs",
    "run": "/api/v1/jobs/runs/{id}",
    "datasets": "/api/v1/namespaces/{namespace}/datasets",
    "dataset": "/api/v1/namespaces/{namespace}/datasets/{dataset}",
    "versions": "/api/v1/namespaces/{namespace}/datasets/{dataset}/versions",
    "version": "/api/v1/namespaces/{namespace}/datasets/{dataset}/versions/{version}",
    "search": "/api/v1/search",
    "column-lineage": "/api/v1/column-lineage",
    "events": "/api/v1/events/lineage",
    "lineage": "/api/v1/lineage",
}


def schema_of(route: str, status: int) -> dict[str, Any]:
    """The documented body of one answer of one route (failing when the status is not documented)."""
    responses = DOCUMENT["paths"][route]["get"]["responses"]
    assert str(status) in responses, f"{route} answers {status}, which its entry does not document"
    body: dict[str, Any] = responses[str(status)]["content"]["application/json"]["schema"]
    return body


def check(route: str, status: int, body: Any) -> None:
    schema = {**schema_of(route, status), "components": DOCUMENT["components"]}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, f"{route} ({status}) breaks its schema:\n" + "\n".join(problems[:20])


class Explorer:
    """The explorer routes on a real server; `get` checks every answer against the document."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = TestClient(TestServer(app), loop=self.loop)
        self.loop.run_until_complete(self.client.start_server())
        self.checked: set[str] = set()

    def get(
        self,
        name: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        **path: str,
    ) -> tuple[int, Any]:
        route = ROUTES[name]
        url = route.format(**{k: quote(v, safe="") for k, v in path.items()})

        async def call() -> tuple[int, Any]:
            async with self.client.get(url, params=params, headers=AUTH if headers is None else headers) as r:
                return r.status, await r.json()

        status, body = self.loop.run_until_complete(call())
        check(route, status, body)
        self.checked.add(route)
        return status, body

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


def served(**kwargs: Any) -> Explorer:
    app = web.Application()
    app.add_routes(explorer_routes(**kwargs))
    return Explorer(app)


@pytest.fixture(scope="module")
def events() -> list[bytes]:
    return [e.encode() for e in history().json()]


@pytest.fixture(scope="module")
def graph(events: list[bytes]) -> LineageGraph:
    return catalogued(events)


@pytest.fixture(scope="module")
def reads(events: list[bytes], graph: LineageGraph) -> Iterator[Explorer]:
    kv = MemoryKeyValue()
    for raw in events:
        apply(kv, raw)
    running = served(model=ReadModel(kv), cohort=lambda: graph, access=ReadAccess(TOKEN))
    yield running
    running.close()


def test_namespaces_jobs_and_runs_answer_as_documented(reads: Explorer) -> None:
    status, listed = reads.get("namespaces")
    assert status == 200 and listed["totalCount"] == 3
    assert reads.get("namespaces", {"limit": "1", "offset": "2"})[1]["namespaces"][0]["name"] == ETL
    assert reads.get("namespace", namespace=KAFKA)[0] == 200
    status, jobs = reads.get("jobs", namespace=ETL)
    assert status == 200 and jobs["totalCount"] == 4
    status, job = reads.get("job", namespace=ETL, job=REVENUE_JOB)
    assert status == 200 and job["latestRun"]["id"] == RUNS["revenue_day3"]
    assert job["parentJob"] == {"namespace": ETL, "name": "nightly"}
    status, runs = reads.get("runs", {"limit": "10"}, namespace=ETL, job=REVENUE_JOB)
    assert status == 200 and len(runs["runs"]) == 3 and all(r["transitions"] for r in runs["runs"])
    status, run = reads.get("run", id=RUNS["revenue_day2"])
    assert status == 200 and run["state"] == "COMPLETED" and run["facets"]["errorMessage"]


def test_datasets_and_versions_answer_as_documented(reads: Explorer) -> None:
    status, listed = reads.get("datasets", namespace=DB)
    assert status == 200 and listed["totalCount"] == 5
    assert any(d["columnLineage"] for d in listed["datasets"])
    status, revenue = reads.get("dataset", namespace=DB, dataset=REVENUE)
    assert status == 200 and revenue["columnLineage"][0]["inputFields"][0]["transformations"]
    status, by_alias = reads.get("dataset", namespace=LAKE, dataset="warehouse/raw/customers")
    assert status == 200 and by_alias["name"] == CUSTOMERS
    assert reads.get("dataset", namespace=KAFKA, dataset="orders")[1]["type"] == "STREAM"
    status, versions = reads.get("versions", namespace=DB, dataset=REVENUE)
    assert status == 200 and versions["totalCount"] == 2
    for version in versions["versions"]:
        status, one = reads.get("version", namespace=DB, dataset=REVENUE, version=version["version"])
        assert status == 200 and one["createdByRun"]["id"]
    status, first = reads.get("versions", namespace=DB, dataset=ORDERS)
    assert status == 200 and first["versions"]


def test_search_events_and_graphs_answer_as_documented(reads: Explorer) -> None:
    for params in (
        {"q": "cust"},
        {"q": "e", "filter": "all", "sort": "updated_at", "limit": "100"},
        {"q": "email", "filter": "COLUMN"},
        {"q": "ware", "filter": "namespace", "namespace": ETL},
    ):
        status, found = reads.get("search", params)
        assert status == 200 and found["results"], params
    status, events = reads.get("events", {"sortDirection": "ASC", "after": "2026-03-02T00:00:00+00:00"})
    assert status == 200 and events["events"][0]["eventTime"].startswith("2026-03-02")
    field = f"datasetField:{DB}:{REVENUE}:revenue"
    for params in (
        {"nodeId": field, "depth": "2"},
        {"nodeId": f"dataset:{DB}:{REVENUE}"},
        {"nodeId": f"job:{ETL}:{REVENUE_JOB}", "withDownstream": "true"},
        {"nodeId": f"datasetField:{DB}:{ORDERS}:amount", "withDownstream": "TRUE"},
    ):
        status, columns = reads.get("column-lineage", params)
        assert status == 200 and columns["graph"], params
    for params in (
        {"nodeId": f"job:{ETL}:{REVENUE_JOB}", "depth": "5"},
        {"nodeId": f"dataset:{DB}:{REVENUE}", "asOf": "2026-03-02T12:00:00Z"},
        {"nodeId": field, "depth": "3"},
    ):
        status, graph = reads.get("lineage", params)
        assert status == 200 and graph["graph"], params
    kinds = {n["type"] for n in reads.get("lineage", {"nodeId": f"job:{ETL}:{REVENUE_JOB}"})[1]["graph"]}
    assert kinds == {"JOB", "DATASET"}


def test_refusals_answer_the_documented_error_body(reads: Explorer) -> None:
    refusals = [
        ("namespaces", {"limit": "-1"}, {}, 400, "$.limit"),
        ("namespaces", {"offset": "x"}, {}, 400, "$.offset"),
        ("namespace", None, {"namespace": "nowhere"}, 404, "$.namespace"),
        ("jobs", None, {"namespace": "nowhere"}, 404, "$.namespace"),
        ("job", None, {"namespace": ETL, "job": "no.such.job"}, 404, "$.job"),
        ("runs", None, {"namespace": ETL, "job": "no.such.job"}, 404, "$.job"),
        ("run", None, {"id": "not-a-uuid"}, 400, "$.id"),
        ("run", None, {"id": "0b7e6a38-0c4e-4a0b-9a51-0000000000ff"}, 404, "$.id"),
        ("datasets", {"limit": "10001"}, {"namespace": DB}, 400, "$.limit"),
        ("dataset", None, {"namespace": DB, "dataset": "nothing"}, 404, "$.dataset"),
        ("versions", None, {"namespace": "nowhere", "dataset": "x"}, 404, "$.namespace"),
        ("version", None, {"namespace": DB, "dataset": REVENUE, "version": "v0"}, 404, "$.version"),
        ("search", {"q": " "}, {}, 400, "$.q"),
        ("search", {"q": "x", "filter": "tables"}, {}, 400, "$.filter"),
        ("search", {"q": "x", "sort": "size"}, {}, 400, "$.sort"),
        ("column-lineage", {"nodeId": f"dataset:{DB}:{REVENUE}#v1"}, {}, 400, "$.nodeId"),
        (
            "column-lineage",
            {"nodeId": f"dataset:{DB}:x", "withDownstream": "yes"},
            {},
            400,
            "$.withDownstream",
        ),
        ("column-lineage", {"nodeId": f"dataset:{DB}:nothing"}, {}, 404, "$.nodeId"),
        ("events", {"sortDirection": "up"}, {}, 400, "$.sortDirection"),
        ("events", {"before": "yesterday"}, {}, 400, "$.before"),
        ("lineage", {"nodeId": "table:x"}, {}, 400, "$.nodeId"),
        ("lineage", {"nodeId": f"job:{ETL}:{REVENUE_JOB}", "depth": "101"}, {}, 400, "$.depth"),
        ("lineage", {"nodeId": f"job:{ETL}:nothing"}, {}, 404, "$.nodeId"),
    ]
    for name, params, path, wanted, where in refusals:
        status, body = reads.get(name, params, **path)
        assert (status, [e["path"] for e in body["errors"]]) == (wanted, [where]), (name, params, path)
    for name, path in (("namespaces", {}), ("run", {"id": RUNS["revenue_day2"]})):
        status, body = reads.get(name, headers={}, **path)
        assert status == 401 and body["errors"][0]["path"] == "$"


def test_a_node_id_of_too_many_colons_is_refused_not_searched(reads: Explorer) -> None:
    """Namespaces and names hold colons, so a source tries every way to cut a node id: for a
    column, as many as the square of its colons (a 2 KB id of 1,000 colons held the replica
    for seconds). 64 colons are looked up, more refused."""
    for name in ("lineage", "column-lineage"):
        many = {"nodeId": "datasetField:" + ":".join(["a"] * 1000)}
        status, body = reads.get(name, many)
        assert (status, [e["path"] for e in body["errors"]]) == (400, ["$.nodeId"])
        assert "64 colons" in body["errors"][0]["message"]
        bounded = {"nodeId": "datasetField:" + ":".join(["a"] * 64)}
        assert reads.get(name, bounded)[0] == 404


@pytest.mark.parametrize("asked", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
def test_a_time_beyond_the_calendar_in_utc_is_a_400_not_a_500(reads: Explorer, asked: str) -> None:
    """A valid RFC 3339 date-time whose UTC instant falls outside years 1-9999."""
    node = {"nodeId": f"job:{ETL}:{REVENUE_JOB}", "asOf": asked}
    assert [e["path"] for e in reads.get("lineage", node)[1]["errors"]] == ["$.asOf"]
    assert [e["path"] for e in reads.get("events", {"after": asked})[1]["errors"]] == ["$.after"]


def test_every_route_is_checked_and_catching_up_is_a_503(reads: Explorer) -> None:
    waiting = served(
        model=ReadModel(MemoryKeyValue()),
        cohort=lambda: None,
        access=ReadAccess(TOKEN),
        not_ready=lambda: "the read model is catching up",
    )
    try:
        for name in ROUTES:
            status, body = waiting.get(
                name,
                {"q": "x", "nodeId": "job:a:b"},
                namespace="a",
                job="b",
                id=RUNS["orders_day1"],
                dataset="d",
                version="v",
            )
            assert status == 503 and body["errors"][0]["message"] == "the read model is catching up"
    finally:
        waiting.close()
    documented = {path for path in DOCUMENT["paths"]}
    assert documented == set(ROUTES.values())


def test_the_cohort_graph_alone_answers_lineage_as_documented(graph: LineageGraph) -> None:
    """Without the read model (no OpenLineage data), a node's data is all the cohort's."""
    cohort_only = served(model=None, cohort=lambda: graph, access=ReadAccess(TOKEN))
    try:
        for node in (
            f"job:{ETL}:{REVENUE_JOB}",
            f"dataset:{DB}:{REVENUE}",
            f"datasetField:{DB}:{REVENUE}:revenue",
        ):
            status, answer = cohort_only.get("lineage", {"nodeId": node, "depth": "2"})
            assert status == 200 and answer["graph"], node
        job = next(
            n["data"]
            for n in cohort_only.get("lineage", {"nodeId": f"job:{ETL}:{REVENUE_JOB}"})[1]["graph"]
            if n["type"] == "JOB"
        )
        assert job["guids"] and job["typeName"]
    finally:
        cohort_only.close()


def test_the_schemas_carry_every_field_of_marquez_s_classes() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    marquez = {
        "Namespace": NAMESPACE,
        "Job": JOB,
        "Run": RUN,
        "Dataset": DATASET,
        "DatasetVersion": DATASET_VERSION,
        "DatasetField": FIELD,
        "RunDatasetVersion": DATASET_VERSION_REF,
        "ColumnLineageInputField": COLUMN_LINEAGE_INPUT,
        "SearchResult": SEARCH_RESULT,
        "ColumnLineageNodeData": COLUMN_NODE,
        "InputFieldNodeData": INPUT_FIELD_NODE,
        "ColumnLineageNode": GRAPH_NODE,
        "LineageJobNode": GRAPH_NODE,
    }
    for name, fields in marquez.items():
        missing = fields - set(schemas[name]["properties"])
        assert not missing, f"{name} lacks Marquez's {sorted(missing)}"
    assert schemas["Run"]["properties"]["state"]["enum"] == [
        "NEW",
        "RUNNING",
        "COMPLETED",
        "ABORTED",
        "FAILED",
    ]
