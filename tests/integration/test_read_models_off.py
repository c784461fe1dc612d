"""Ingest and query replicas (README, "Ingest and query replicas"): two replicas of one server,
one with LINEAGE_READ_MODELS=off, one with it on, as real worker processes on a real broker.

What the ingest replica takes is answered by the query replica; the ingest replica answers
every lineage read with 503 naming the setting, runs no explorer follower and keeps no
explorer store, and is ready without one.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from app.web.explorer import NO_READ_MODELS
from app.web.lineage_query import read_paths
from tests.conftest import WorkerFactory
from tests.support.events import encoded, run_event
from tests.support.workers import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

NAMESPACE = "read-models"
JOB = "ingest.only"


@pytest.fixture
def ingest_and_query(workers: WorkerFactory) -> tuple[WorkerProcess, WorkerProcess]:
    ingest, query = workers({"LINEAGE_READ_MODELS": "off"}), workers({"LINEAGE_READ_MODELS": "on"})
    for worker in (ingest, query):
        worker.wait_ready(timeout=120)
    return ingest, query


def _job(worker: WorkerProcess) -> dict[str, Any] | None:
    answer = worker.get(f"/api/v1/namespaces/{NAMESPACE}/jobs/{JOB}")
    return answer.json() if answer.status_code == 200 else None


def test_an_ingest_replica_takes_events_a_query_replica_answers(
    ingest_and_query: tuple[WorkerProcess, WorkerProcess],
) -> None:
    ingest, query = ingest_and_query
    event = run_event(JOB, "COMPLETE", namespace=NAMESPACE)
    taken = ingest.post("/api/v1/lineage", data=encoded(event), headers={"Content-Type": "application/json"})
    assert taken.status_code == 200, taken.text

    job = wait_until(lambda: _job(query), timeout=60, message="the query replica never answered the job")
    assert job["latestRun"]["id"] == event["run"]["runId"]
    lineage = query.get("/api/v1/lineage", params={"nodeId": f"job:{NAMESPACE}:{JOB}"})
    assert lineage.status_code == 200
    assert f"job:{NAMESPACE}:{JOB}" in {node["id"] for node in lineage.json()["graph"]}
    status = wait_until(
        lambda: (s := query.get("/api/v1/lineage/status").json())["openlineage"]["behind"] == 0 and s,
        timeout=30,
        message="the query replica's read model never showed itself up to date",
    )
    assert status["openlineage"]["caughtUp"] is True

    for path in read_paths():
        url = path.replace("{", "").replace("}", "")  # any value fills a path parameter
        answer = ingest.get(url, params={"nodeId": f"job:{NAMESPACE}:{JOB}"})
        assert answer.status_code == 503, (path, answer.text)
        assert answer.json() == {"errors": [{"path": "$", "message": NO_READ_MODELS}]}, path
    assert "LINEAGE_READ_MODELS=off" in NO_READ_MODELS
    assert ingest.get("/lineage").status_code == 200  # the page is served; it shows the 503

    assert set(ingest.status()["followers"]) == {"cohort"}
    assert set(query.status()["followers"]) == {"cohort", "explorer"}
    assert not (ingest.data_dir / "state" / "explorer").exists()
    assert (query.data_dir / "state" / "explorer").exists()
    for worker in (ingest, query):
        assert requests.get(worker.base_url + "/ready", timeout=5).status_code == 200
    assert "read models off" in ingest.log_text()
    assert "read models on" in query.log_text()
