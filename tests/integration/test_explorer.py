"""The explorer on a real worker, as the README promises it: a run history sent with the official
openlineage-python client over HTTP (with the API token), then read back with Marquez's own
Python client (`marquez-python`, unmodified) and the lineage query, from every replica.

Every replica folds the internal OpenLineage topic into its own read model (the explorer
follower), so the replica that did not take the events answers the same.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from marquez_client import MarquezClient
from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

from tests.conftest import WorkerFactory
from tests.support.explorer_history import CUSTOMERS, DB, ETL, ORDERS, REFUNDS, REVENUE, RUNS, history
from tests.support.workers import WorkerProcess, wait_until

TOKEN = "explorer-integration-token"

pytestmark = pytest.mark.integration


@pytest.fixture
def replicas(workers: WorkerFactory) -> list[WorkerProcess]:
    started = [workers({"LINEAGE_API_TOKEN": TOKEN}) for _ in range(2)]
    for worker in started:
        worker.wait_ready(timeout=120)
    client = OpenLineageClient(
        transport=HttpTransport(
            HttpConfig(url=started[0].base_url, auth=ApiKeyTokenProvider({"apiKey": TOKEN}), timeout=30)
        )
    )
    for event in history().events:
        client.emit(event)
    return started


def _get(worker: WorkerProcess, path: str, **params: Any) -> requests.Response:
    return worker.get(f"/api/v1{path}", params=params, headers={"Authorization": f"Bearer {TOKEN}"})


def test_marquez_client_reads_the_history_from_every_replica(replicas: list[WorkerProcess]) -> None:
    for worker in replicas:
        client = MarquezClient(worker.base_url, api_key=TOKEN)
        wait_until(
            lambda c=client: len(c.list_job_runs(ETL, "marts.customer_revenue")["runs"]) == 3,
            timeout=120,
            message="the runs never all arrived",
        )
        assert [n["name"] for n in client.list_namespaces()["namespaces"]] == ["kafka://broker:9092", DB, ETL]
        job = client.get_job(ETL, "marts.customer_revenue")
        assert job["latestRun"]["id"] == RUNS["revenue_day3"]
        retried = client.get_job_run(RUNS["revenue_day2"])
        assert (retried["state"], retried["durationMs"]) == ("COMPLETED", 300_000)
        versions = client.list_dataset_versions(DB, REVENUE)
        assert versions["totalCount"] == 2
        assert client.get_dataset(DB, REVENUE)["currentVersion"] == versions["versions"][0]["version"]
        columns = client.get_column_lineage_by_dataset_field(DB, REVENUE, "revenue")
        assert f"datasetField:{DB}:{ORDERS}:amount" in {n["id"] for n in columns["graph"]}
        found = _get(worker, "/search", q="cust", filter="job").json()
        assert [r["name"] for r in found["results"]] == ["customers.ingest", "marts.customer_revenue"]
        events = _get(worker, "/events/lineage", limit=1).json()
        assert events["totalCount"] == len(history().events)


def test_lineage_as_it_was_and_reads_need_the_token(replicas: list[WorkerProcess]) -> None:
    worker = replicas[1]
    node = f"job:{ETL}:marts.customer_revenue"
    refunds = f"dataset:{DB}:{REFUNDS}"

    def now() -> set[str] | None:
        answer = _get(worker, "/lineage", nodeId=node, depth=1)
        ids = {n["id"] for n in answer.json()["graph"]} if answer.status_code == 200 else set()
        return ids if refunds in ids else None

    assert f"dataset:{DB}:{CUSTOMERS}" in wait_until(now, timeout=120)
    then = _get(worker, "/lineage", nodeId=node, depth=1, asOf="2026-03-02T12:00:00Z").json()["graph"]
    assert refunds not in {n["id"] for n in then}
    assert worker.get("/api/v1/namespaces").status_code == 401
