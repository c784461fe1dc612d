"""Marquez's own Python client, unmodified (`marquez-python` 0.50.0 from PyPI, which speaks
Marquez's `/api/v1`), reads every explorer endpoint from the views served by a real aiohttp
server, over stores filled with the official openlineage-python client's events (the run
history of `tests/support/explorer_history.py`) and the cohort graph the cataloguer makes of
them.

The client checks paths, parameters, statuses and that bodies are JSON. Shapes are checked
against the field names of Marquez's model classes, copied here by hand from
MarquezProject/marquez at a89b89cad27f87c90dd964c40dae8dfb3f64031f (file beside each set);
endpoints the client has no method for (search, events, lineage) are read with `requests`
the way Marquez's web UI calls them (`web/src/store/requests/search.ts`, `events.ts`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import requests
from aiohttp import web
from marquez_client import MarquezClient
from marquez_client.errors import APIError

from agents.catalogue.instances import Home, change_event
from agents.catalogue.mapping import map_event
from agents.catalogue.state import InstanceState, merge, settle
from agents.explorer import ReadModel, apply
from agents.lineage_model import LineageGraph
from app.web.explorer import ReadAccess, explorer_routes
from runtime.kv import MemoryKeyValue
from schemas.omrs import parse_omrs_event
from schemas.openlineage import parse_event
from tests.support.explorer_history import CUSTOMERS, DB, ETL, LAKE, ORDERS, REFUNDS, REVENUE, RUNS, history

TOKEN = "explorer-token"

# api/src/main/java/marquez/service/models/Namespace.java (Lombok @Value: isHidden -> "isHidden")
NAMESPACE = {"name", "createdAt", "updatedAt", "ownerName", "description", "isHidden"}
# api/src/main/java/marquez/service/models/Job.java
JOB = {
    "id", "type", "name", "simpleName", "parentJobName", "parentJobUuid", "createdAt", "updatedAt",
    "namespace", "inputs", "outputs", "location", "description", "latestRun", "latestRuns", "facets",
    "currentVersion", "labels", "tags",
}  # fmt: skip
# api/src/main/java/marquez/service/models/Run.java (getters; jobVersion from getJobVersion())
RUN = {
    "id", "createdAt", "updatedAt", "nominalStartTime", "nominalEndTime", "state", "startedAt", "endedAt",
    "durationMs", "args", "jobVersion", "inputDatasetVersions", "outputDatasetVersions", "facets",
}  # fmt: skip
# api/src/main/java/marquez/service/models/Dataset.java (isDeleted -> "deleted")
DATASET = {
    "id", "type", "name", "physicalName", "createdAt", "updatedAt", "namespace", "sourceName", "fields",
    "tags", "lastModifiedAt", "lastLifecycleState", "description", "currentVersion", "columnLineage",
    "facets", "deleted",
}  # fmt: skip
# api/src/main/java/marquez/service/models/DatasetVersion.java (createdByRunUuid is @JsonIgnore)
DATASET_VERSION = {
    "id", "type", "name", "physicalName", "createdAt", "version", "namespace", "sourceName", "fields",
    "tags", "lifecycleState", "description", "currentSchemaVersion", "createdByRun", "facets",
}  # fmt: skip
# api/src/main/java/marquez/common/models/Field.java
FIELD = {"name", "type", "tags", "description"}
# api/src/main/java/marquez/common/models/InputDatasetVersion.java, OutputDatasetVersion.java
DATASET_VERSION_REF = {"datasetVersionId", "facets"}
# api/src/main/java/marquez/service/models/ColumnLineageInputField.java
COLUMN_LINEAGE_INPUT = {"namespace", "dataset", "field", "transformationDescription", "transformationType"}
# api/src/main/java/marquez/api/models/SearchResult.java
SEARCH_RESULT = {"type", "name", "updatedAt", "namespace", "nodeId"}
# api/src/main/java/marquez/db/models/ColumnLineageNodeData.java and InputFieldNodeData.java
COLUMN_NODE = {
    "namespace", "dataset", "datasetVersion", "field", "fieldType", "transformationDescription",
    "transformationType", "inputFields",
}  # fmt: skip
INPUT_FIELD_NODE = {
    "namespace",
    "dataset",
    "datasetVersion",
    "field",
    "transformationDescription",
    "transformationType",
}
# api/src/main/java/marquez/service/models/Node.java, Edge.java
GRAPH_NODE = {"id", "type", "data", "inEdges", "outEdges"}


def has(found: dict[str, Any], fields: set[str]) -> None:
    missing = fields - set(found)
    assert not missing, f"missing Marquez fields {sorted(missing)}"


def catalogued(events: list[bytes]) -> LineageGraph:
    """The cohort graph this server builds from what its cataloguer publishes for the events."""
    graph = LineageGraph()
    states: dict[str, InstanceState] = {}
    home = Home("explorer-test", "explorer-test", "explorer-test")
    for raw in events:
        for contribution in map_event(parse_event(raw)):
            state, touched = merge(states.get(contribution.guid), contribution)
            states[contribution.guid] = state
            change = settle(state, 1) if touched else None
            if change is not None:
                body = change_event(home, change).model_dump(mode="json", by_alias=True, exclude_none=True)
                graph.apply(parse_omrs_event(orjson.dumps(body)))
    return graph


class Served:
    """The explorer routes on a real aiohttp server, in a thread of its own."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._started.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> Served:
        self._thread.start()
        assert self._started.wait(10), "the server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    events = [e.encode() for e in history().json()]
    kv = MemoryKeyValue()
    for raw in events:
        apply(kv, raw)
    graph = catalogued(events)
    app = web.Application()
    app.add_routes(explorer_routes(model=ReadModel(kv), cohort=lambda: graph, access=ReadAccess(TOKEN)))
    with Served(app) as served:
        yield served


@pytest.fixture(scope="module")
def client(server: Served) -> MarquezClient:
    return MarquezClient(server.url, api_key=TOKEN)


def get(server: Served, path: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{server.url}/api/v1{path}", params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def test_namespaces(client: MarquezClient) -> None:
    listed = client.list_namespaces()
    assert [n["name"] for n in listed["namespaces"]] == ["kafka://broker:9092", DB, ETL]
    for namespace in listed["namespaces"]:
        has(namespace, NAMESPACE)
    assert listed["totalCount"] == 3
    assert client.list_namespaces(limit=1, offset=1)["namespaces"][0]["name"] == DB
    one = client.get_namespace(ETL)
    has(one, NAMESPACE)
    assert (one["ownerName"], one["createdAt"]) == ("anonymous", "2026-03-01T02:00:00Z")


def test_jobs_and_their_latest_runs(client: MarquezClient) -> None:
    listed = client.list_jobs(ETL)
    assert listed["totalCount"] == 4
    assert [j["name"] for j in listed["jobs"]] == [
        "customers.ingest",
        "marts.customer_revenue",
        "orders.ingest",
        "reports.weekly",
    ]
    for job in listed["jobs"]:
        has(job, JOB)
    job = client.get_job(ETL, "marts.customer_revenue")
    has(job["latestRun"], RUN)
    assert job["latestRun"]["id"] == RUNS["revenue_day3"] and job["latestRun"]["state"] == "COMPLETED"
    assert sorted(d["name"] for d in job["inputs"]) == [CUSTOMERS, ORDERS, REFUNDS]
    assert job["facets"]["sql"]["query"].startswith("select customer_id")
    weekly = client.get_job(ETL, "reports.weekly")
    assert weekly["latestRun"] is None and weekly["outputs"] == [
        {"namespace": DB, "name": "shop.reports.weekly"}
    ]


def test_runs_of_a_job_and_one_run(client: MarquezClient) -> None:
    runs = client.list_job_runs(ETL, "marts.customer_revenue", limit=2)
    assert runs["totalCount"] == 3
    assert [r["id"] for r in runs["runs"]] == [RUNS["revenue_day3"], RUNS["revenue_day2"]]
    retried = client.get_job_run(RUNS["revenue_day2"])
    has(retried, RUN)
    assert (retried["state"], retried["startedAt"], retried["endedAt"], retried["durationMs"]) == (
        "COMPLETED",
        "2026-03-02T02:20:00Z",
        "2026-03-02T02:25:00Z",
        300_000,
    )
    assert [t["eventType"] for t in retried["transitions"]] == ["COMPLETE", "START", "FAIL", "START"]
    assert retried["facets"]["errorMessage"]["message"] == "division by zero"
    for ref in retried["inputDatasetVersions"] + retried["outputDatasetVersions"]:
        has(ref, DATASET_VERSION_REF)
        assert set(ref["datasetVersionId"]) == {"namespace", "name", "version"}
    assert retried["jobVersion"]["name"] == "marts.customer_revenue"


def test_datasets_versions_and_column_lineage(client: MarquezClient) -> None:
    listed = client.list_datasets(DB, limit=2)
    assert listed["totalCount"] == 5 and len(listed["datasets"]) == 2
    revenue = client.get_dataset(DB, REVENUE)
    has(revenue, DATASET)
    for field in revenue["fields"]:
        has(field, FIELD)
    assert [f["name"] for f in revenue["fields"]] == ["customer_id", "email_hash", "revenue", "order_count"]
    lineage = {c["name"]: c for c in revenue["columnLineage"]}
    for column in lineage.values():
        for source in column["inputFields"]:
            has(source, COLUMN_LINEAGE_INPUT)
    assert lineage["email_hash"]["inputFields"][0]["transformations"][0]["masking"] is True
    versions = client.list_dataset_versions(DB, REVENUE)
    assert versions["totalCount"] == 2
    for version in versions["versions"]:
        has(version, DATASET_VERSION)
        has(version["createdByRun"], RUN)
    newest, oldest = versions["versions"]
    assert (newest["createdByRun"]["id"], oldest["createdByRun"]["id"]) == (
        RUNS["revenue_day2"],
        RUNS["revenue_day1"],
    )
    assert revenue["currentVersion"] == newest["version"]
    assert client.get_dataset_version(DB, REVENUE, oldest["version"])["fields"] == oldest["fields"]
    by_path = client.get_dataset(LAKE, "warehouse/raw/customers")
    assert (by_path["namespace"], by_path["name"]) == (DB, CUSTOMERS)


def test_column_lineage_by_field_dataset_and_job(client: MarquezClient) -> None:
    answer = client.get_column_lineage_by_dataset_field(DB, REVENUE, "revenue", depth=2)
    nodes = {n["id"]: n for n in answer["graph"]}
    revenue = nodes[f"datasetField:{DB}:{REVENUE}:revenue"]
    has(revenue, GRAPH_NODE)
    has(revenue["data"], COLUMN_NODE)
    assert revenue["type"] == "DATASET_FIELD"
    sources = {(i["dataset"], i["field"]): i for i in revenue["data"]["inputFields"]}
    assert set(sources) == {(ORDERS, "amount"), (REFUNDS, "refund")}
    for source in sources.values():
        has(source, INPUT_FIELD_NODE)
    assert sources[(ORDERS, "amount")]["transformations"] == [
        {"type": "DIRECT", "subtype": "AGGREGATION", "description": "sum(amount)"}
    ]
    assert {e["destination"] for e in revenue["inEdges"]} == {
        f"datasetField:{DB}:{ORDERS}:amount",
        f"datasetField:{DB}:{REFUNDS}:refund",
    }
    whole = client.get_column_lineage_by_dataset(DB, REVENUE)
    assert f"datasetField:{DB}:{CUSTOMERS}:email" in {n["id"] for n in whole["graph"]}
    by_job = client.get_column_lineage_by_job(ETL, "marts.customer_revenue")
    assert {n["id"] for n in by_job["graph"]} == {n["id"] for n in whole["graph"]}
    downstream = client.get_column_lineage_by_dataset_field(DB, ORDERS, "amount", with_downstream=True)
    assert f"datasetField:{DB}:{REVENUE}:revenue" in {n["id"] for n in downstream["graph"]}


def test_search_as_marquez_web_asks(server: Served) -> None:
    found = get(server, "/search", q="cust", filter="JOB", sort="NAME", limit=100).json()
    assert [r["name"] for r in found["results"]] == ["customers.ingest", "marts.customer_revenue"]
    assert found["totalCount"] == 2
    for result in found["results"]:
        has(result, SEARCH_RESULT)
        assert result["type"] == "JOB"
    default = get(server, "/search", q="revenue").json()
    assert {r["type"] for r in default["results"]} == {"JOB", "DATASET"}
    columns = get(server, "/search", q="email", filter="field").json()
    assert {r["nodeId"] for r in columns["results"]} == {
        f"datasetField:{DB}:{CUSTOMERS}:email",
        f"datasetField:{DB}:{REVENUE}:email_hash",
    }
    assert get(server, "/search", q="").status_code == 400
    assert get(server, "/search", q="x", filter="tables").status_code == 400


def test_events_as_marquez_web_asks(server: Served) -> None:
    page = get(server, "/events/lineage", limit=2, offset=1, before="", after="", sortDirection="desc").json()
    assert page["totalCount"] == len(history().events)
    assert [e["eventTime"] for e in page["events"]] == [
        "2026-03-03T02:14:00+00:00",
        "2026-03-03T02:10:00+00:00",
    ]
    day2 = get(
        server,
        "/events/lineage",
        after="2026-03-02T00:00:00+00:00",
        before="2026-03-03T00:00:00Z",
        sortDirection="asc",
    ).json()
    assert day2["totalCount"] == 6 and day2["events"][0]["eventTime"] == "2026-03-02T02:00:00+00:00"


def test_lineage_now_and_as_of_from_both_graphs(server: Served) -> None:
    node = f"job:{ETL}:marts.customer_revenue"
    now = {n["id"]: n for n in get(server, "/lineage", nodeId=node, depth=1).json()["graph"]}
    assert f"dataset:{DB}:{REFUNDS}" in now
    for found in now.values():
        has(found, GRAPH_NODE)
    job = now[node]["data"]
    assert job["latestRun"]["id"] == RUNS["revenue_day3"], "from the OpenLineage read model"
    assert job["typeName"] == "DeployedSoftwareComponent" and job["guids"], "from the cohort graph"
    then = get(server, "/lineage", nodeId=node, depth=1, asOf="2026-03-02T12:00:00Z").json()["graph"]
    assert f"dataset:{DB}:{REFUNDS}" not in {n["id"] for n in then}
    ingest = {
        n["id"] for n in get(server, "/lineage", nodeId=f"job:{ETL}:orders.ingest", depth=1).json()["graph"]
    }
    assert "dataset:kafka://broker:9092:orders" not in ingest, (
        "the cohort graph keeps the DataFlow of the old topic; the read model knows it ended"
    )
    assert "dataset:kafka://broker:9092:orders-v2" in ingest


def test_errors_and_the_token(server: Served, client: MarquezClient) -> None:
    with pytest.raises(APIError):
        client.get_job(ETL, "no.such.job")
    assert get(server, "/namespaces/nowhere/jobs").status_code == 404
    assert get(server, "/jobs/runs/not-a-uuid").status_code == 400
    missing = requests.get(f"{server.url}/api/v1/namespaces", timeout=10)
    assert missing.status_code == 401 and missing.json()["errors"][0]["path"] == "$"
    assert get(server, "/lineage", nodeId=f"dataset:{DB}:{ORDERS}", asOf="yesterday").status_code == 400
    assert get(server, "/namespaces", limit=-1).json()["errors"][0]["path"] == "$.limit"


def test_reads_kept_open() -> None:
    app = web.Application()
    app.add_routes(
        explorer_routes(
            model=ReadModel(MemoryKeyValue()), cohort=lambda: None, access=ReadAccess(TOKEN, reads_open=True)
        )
    )
    with Served(app) as served:
        answer = requests.get(f"{served.url}/api/v1/namespaces", timeout=10)
        assert answer.status_code == 200 and answer.json() == {"namespaces": [], "totalCount": 0}
