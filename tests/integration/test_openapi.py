"""The REST API against its OpenAPI document (`GET /openapi.json`), on a real worker and broker.

One worker serves the module (started as the `workers` fixture starts one, on the session's
`broker`, but shared by every test here rather than one a test): it requires a token (so the
guarded operations carry their security requirement) and holds reference copies of cohort
instances (the hand-made `tests/fixtures/omrs/instance_batch_instances_event.json`: every
property-value kind, sent as a remote member would), so Egeria's repository services answer
real entities, not only errors; and the run history of `tests/support/explorer_history.py`,
sent by the official openlineage-python client over HTTP, so Marquez's read API answers real
namespaces, jobs, runs, datasets, versions and columns.

Outside truths: the document is checked against the OpenAPI 3.1 specification's own JSON
Schema (openapi-spec-validator); schemathesis generates requests from the document
(Hypothesis) and checks each answer against it: no 5xx, a documented status, content type,
headers and body schema, and 401 when a guarded operation is called without credentials.
The routes a user is promised are copied by hand below from README.md's REST table and the
repository services table of `app/web/repository.py` (Egeria's client's paths, cited there).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.browser import chromium, watched_page
from tests.support.explorer_history import DB, ETL, KAFKA, ORDERS, REVENUE, RUNS, history
from tests.support.kafka import Broker, produce, unique
from tests.support.omrs_events import cohort_topic
from tests.support.raw_http import tree_rss_bytes
from tests.support.workers import WorkerProcess, server_variables, wait_until

TOKEN = "openapi-test-token"
MiB = 1024 * 1024
BASELINE_RSS: dict[int, int] = {}
"""The worker's process tree's RSS before the fuzzing, by pid (set by the `worker` fixture)."""
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BATCH = Path(__file__).parents[1] / "fixtures" / "omrs" / "instance_batch_instances_event.json"
ENTITY, RELATIONSHIP = "8f2c7a1e-3b4d-4e5f-9a6b-7c8d9e0f1a2b", "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
EGERIA = "/servers/{server}/open-metadata/integration-services/lineage-integrator/users/{user}"
REPOSITORY = "/servers/{server}/open-metadata/repository-services"
PROMISED = {  # README.md, "REST"
    ("post", "/api/v1/lineage"),
    ("post", "/api/v1/lineage/batch"),
    ("post", EGERIA + "/api/v1/lineage"),
    ("post", EGERIA + "/api/v1/lineage/batch"),
    ("post", EGERIA + "/publish-open-lineage-event"),
    ("get", EGERIA + "/validate-connector/{name}"),
    ("get", "/api/v1/connectors"),
    ("get", "/api/v1/cohort/members"),
    ("get", "/api/v1/cohort/errors"),
    ("get", "/api/v1/cohort/types"),
    ("get", "/api/v1/lineage"),
    ("get", "/api/v1/namespaces"),
    ("get", "/api/v1/namespaces/{namespace}"),
    ("get", "/api/v1/namespaces/{namespace}/jobs"),
    ("get", "/api/v1/namespaces/{namespace}/jobs/{job}"),
    ("get", "/api/v1/namespaces/{namespace}/jobs/{job}/runs"),
    ("get", "/api/v1/jobs/runs/{id}"),
    ("get", "/api/v1/namespaces/{namespace}/datasets"),
    ("get", "/api/v1/namespaces/{namespace}/datasets/{dataset}"),
    ("get", "/api/v1/namespaces/{namespace}/datasets/{dataset}/versions"),
    ("get", "/api/v1/namespaces/{namespace}/datasets/{dataset}/versions/{version}"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/column-lineage"),
    ("get", "/api/v1/events/lineage"),
    ("get", "/lineage"),
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/metrics"),
    ("get", "/api/v1/status"),
    ("get", "/openapi.json"),
    ("get", "/api"),
    ("get", REPOSITORY + "/users/{user}/metadata-collection-id"),
    ("get", REPOSITORY + "/metadata-collection-id"),
    ("get", REPOSITORY + "/users/{user}/instances/entity/{guid}/existence"),
    ("get", REPOSITORY + "/users/{user}/instances/entity/{guid}/summary"),
    ("get", REPOSITORY + "/users/{user}/instances/entity/{guid}"),
    ("post", REPOSITORY + "/users/{user}/instances/entity/{guid}/relationships"),
    ("get", REPOSITORY + "/users/{user}/instances/relationship/{guid}/existence"),
    ("get", REPOSITORY + "/users/{user}/instances/relationship/{guid}"),
    ("post", REPOSITORY + "/users/{user}/instances/entities/by-property"),
    ("post", REPOSITORY + "/users/{user}/instances/entities"),
}


@pytest.fixture(scope="module")
def worker(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    name = unique("li")
    env = {
        **server_variables(broker.url, name),
        "LINEAGE_API_TOKEN": TOKEN,
    }
    running = WorkerProcess(env=env, data_dir=tmp_path_factory.mktemp("openapi")).start()
    try:
        running.wait_ready()
        produce(
            broker.bootstrap,
            cohort_topic(env, "instances"),
            [BATCH.read_bytes()],
            keys=[b"lineage-integrator"],
        )
        wait_until(
            lambda: "entity" in held(running, f"/instances/entity/{ENTITY}/existence"),
            timeout=60,
            message=f"the batch's entities never reached the repository:\n{running.log_tail()}",
        )
        feed_history(running)
        assert running.process is not None
        BASELINE_RSS[running.process.pid] = tree_rss_bytes(running.process.pid)
        yield running
    finally:
        running.kill()


def feed_history(worker: WorkerProcess) -> None:
    """The explorer history, sent by the official client; wait until the read model holds all of it."""
    config = HttpConfig(url=worker.base_url, timeout=30, auth=ApiKeyTokenProvider({"apiKey": TOKEN}))
    client = OpenLineageClient(transport=HttpTransport(config))
    sent = history().events
    for event in sent:
        client.emit(event)

    def folded() -> bool:
        answer = worker.get("/api/v1/events/lineage", params={"limit": "0"}, headers=AUTH)
        return answer.status_code == 200 and answer.json()["totalCount"] == len(sent)

    wait_until(folded, timeout=90, message=f"the read model never held the history:\n{worker.log_tail()}")


def held(worker: WorkerProcess, tail: str) -> dict[str, Any]:
    server = worker.env["LINEAGE_SERVER_NAME"]
    url = f"/servers/{server}/open-metadata/repository-services/users/tests{tail}"
    answer: dict[str, Any] = worker.get(url, headers=AUTH).json()
    return answer


@pytest.fixture(scope="module")
def document(worker: WorkerProcess) -> dict[str, Any]:
    response = worker.get("/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    result: dict[str, Any] = response.json()
    return result


MAX_EXAMPLES = 15
"""Generated requests per operation in the fuzzing phase (the examples and coverage phases add
theirs: documented examples, boundary values, methods a path does not take)."""
SCHEMATHESIS_CONFIG = {
    "headers": AUTH,
    "request-timeout": 30,
    "generation": {"max-examples": MAX_EXAMPLES},
    "phases": {"stateful": {"enabled": False}},
    "operations": [
        {
            # Egeria's find requests nest schemas in themselves (search conditions, property
            # values). The coverage phase makes thousands of bodies of each (about 7000 calls,
            # over two minutes), and schemathesis cannot always negate such a schema below the
            # document root (UnsupportedSchema, now and then): valid bodies only, fuzzed.
            "include-operation-id": ["findEntities", "findEntitiesByProperty"],
            "phases": {"coverage": {"enabled": False}},
            "generation": {"mode": "positive"},
        }
    ],
}


@pytest.fixture
def api_schema(worker: WorkerProcess, document: dict[str, Any]) -> Any:
    config = schemathesis.config.SchemathesisConfig.from_dict(SCHEMATHESIS_CONFIG)
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.config.update(base_url=worker.base_url)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented_and_none_is_a_server_error(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


def test_the_fuzzing_left_the_workers_memory_within_100_mb_of_its_baseline(worker: WorkerProcess) -> None:
    """Issue 18's Done-when: no request of the fuzzing suite moves the worker's RSS more than
    100 MB above its baseline once answered. The baseline is the worker's process tree's VmRSS
    once it was fed (the module's fixture); this test runs after the schemathesis fuzzing above
    (pytest runs a module's tests in file order), every request of which was answered."""
    assert worker.process is not None
    pid = worker.process.pid
    baseline = BASELINE_RSS[pid]
    after = tree_rss_bytes(pid)
    assert after < baseline + 100 * MiB, (
        f"RSS {baseline / MiB:.0f} MB before the fuzzing, {after / MiB:.0f} MB after"
    )


def test_the_document_is_valid_openapi_3_1_and_describes_every_route(document: dict[str, Any]) -> None:
    validate(document)  # the OpenAPI 3.1 specification's JSON Schema
    assert document["openapi"].startswith("3.1")
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    assert sorted(PROMISED - described) == []
    undocumented = document.get("x-undocumented-routes", [])
    assert undocumented == []
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["errors"]
    item = document["components"]["schemas"]["ErrorItem"]
    assert sorted(item["required"]) == ["message", "path"]
    event = document["paths"]["/api/v1/lineage"]["post"]["requestBody"]["content"]["application/json"]
    assert "https://openlineage.io/spec/" in event["schema"]["description"]
    guarded = document["paths"]["/api/v1/lineage"]["post"]["security"]
    assert guarded == [{"bearerToken": []}]


def test_egeria_answers_of_held_instances_match_the_document(worker: WorkerProcess, api_schema: Any) -> None:
    """Random guids find nothing: the instances the worker holds, asked for by guid."""
    server = worker.env["LINEAGE_SERVER_NAME"]
    user_root = REPOSITORY + "/users/{user}"
    calls = [
        ("GET", user_root + "/instances/entity/{guid}", ENTITY, "entity"),
        ("GET", user_root + "/instances/entity/{guid}/summary", ENTITY, "entity"),
        ("GET", user_root + "/instances/entity/{guid}/existence", ENTITY, "entity"),
        ("GET", user_root + "/instances/relationship/{guid}", RELATIONSHIP, "relationship"),
        ("GET", user_root + "/instances/relationship/{guid}/existence", RELATIONSHIP, "relationship"),
        ("POST", user_root + "/instances/entity/{guid}/relationships", ENTITY, "relationships"),
        ("POST", user_root + "/instances/entities", None, "entities"),
    ]
    for method, path, guid, field in calls:
        operation = api_schema[path][method]
        parameters = {"server": server, "user": "erinoverview", **({"guid": guid} if guid else {})}
        body = {"class": "EntityFindRequest", "pageSize": 10} if method == "POST" else None
        case = operation.Case(path_parameters=parameters, body=body, media_type="application/json")
        response = case.call_and_validate(headers=AUTH, checks=CHECKS)
        answer = response.json()
        assert answer["relatedHTTPCode"] == 200 and field in answer, (path, answer)


def test_marquez_reads_of_the_history_match_the_document(worker: WorkerProcess, api_schema: Any) -> None:
    """Random names find nothing: the history's namespaces, jobs, runs, datasets and columns."""
    field = f"datasetField:{DB}:{REVENUE}:revenue"
    job = "marts.customer_revenue"
    calls: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("/api/v1/namespaces", {}, {}),
        ("/api/v1/namespaces/{namespace}", {"namespace": ETL}, {}),
        ("/api/v1/namespaces/{namespace}/jobs", {"namespace": ETL}, {}),
        ("/api/v1/namespaces/{namespace}/jobs/{job}", {"namespace": ETL, "job": job}, {}),
        ("/api/v1/namespaces/{namespace}/jobs/{job}/runs", {"namespace": ETL, "job": job}, {}),
        ("/api/v1/jobs/runs/{id}", {"id": RUNS["revenue_day2"]}, {}),
        ("/api/v1/namespaces/{namespace}/datasets", {"namespace": DB}, {}),
        ("/api/v1/namespaces/{namespace}/datasets/{dataset}", {"namespace": DB, "dataset": REVENUE}, {}),
        (
            "/api/v1/namespaces/{namespace}/datasets/{dataset}/versions",
            {"namespace": DB, "dataset": REVENUE},
            {},
        ),
        ("/api/v1/search", {}, {"q": "cust", "filter": "all"}),
        ("/api/v1/column-lineage", {}, {"nodeId": field, "withDownstream": "true"}),
        ("/api/v1/events/lineage", {}, {"sortDirection": "asc"}),
        ("/api/v1/lineage", {}, {"nodeId": f"job:{ETL}:{job}", "depth": "5"}),
        ("/api/v1/lineage", {}, {"nodeId": field}),
        ("/api/v1/lineage", {}, {"nodeId": f"dataset:{DB}:{ORDERS}", "asOf": "2026-03-02T12:00:00Z"}),
    ]
    answers = []
    for path, parameters, query in calls:
        encoded = {name: quote(value, safe="") for name, value in parameters.items()}  # as Marquez's clients
        case = api_schema[path]["GET"].Case(path_parameters=encoded, query=query)
        response = case.call_and_validate(headers=AUTH, checks=CHECKS)
        assert response.status_code == 200, (path, response.text)
        answers.append(response.json())
    version = answers[8]["versions"][0]["version"]
    path = "/api/v1/namespaces/{namespace}/datasets/{dataset}/versions/{version}"
    case = api_schema[path]["GET"].Case(
        path_parameters={"namespace": quote(DB, safe=""), "dataset": REVENUE, "version": version}
    )
    assert (
        case.call_and_validate(headers=AUTH, checks=CHECKS).json()["createdByRun"]["id"]
        == RUNS["revenue_day2"]
    )
    named = {n["name"] for n in answers[0]["namespaces"]}  # and any the fuzzing's valid events made
    assert {ETL, DB, KAFKA} <= named and answers[0]["totalCount"] == len(named)
    assert {n["type"] for n in answers[12]["graph"]} == {"JOB", "DATASET"}
    assert {n["type"] for n in answers[13]["graph"]} == {"DATASET_FIELD"}


def test_unknown_paths_and_methods_answer_the_error_body(worker: WorkerProcess) -> None:
    missing = worker.get("/no/such/route")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/json")
    assert [e["path"] for e in missing.json()["errors"]] == ["$"]
    assert "/openapi.json" in missing.json()["errors"][0]["message"]

    wrong = requests.delete(worker.base_url + "/health", timeout=10)
    assert wrong.status_code == 405
    assert wrong.headers["Content-Type"].startswith("application/json")
    assert set(wrong.headers["Allow"].split(",")) == {"GET", "HEAD"}
    assert "DELETE" in wrong.json()["errors"][0]["message"]

    outside = worker.get("/lineage/static/..%2F..%2Fservice.py")
    assert outside.status_code == 404 and outside.json()["errors"]


def test_the_api_page_loads_nothing_from_outside(worker: WorkerProcess) -> None:
    page = worker.get("/api")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'fetch("/openapi.json"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert not re.search(r"(src|href|import)\s*=?\s*[\"'(]?\s*//", page.text)  # protocol-relative


@pytest.mark.browser
def test_the_api_page_lays_out_every_operation_in_a_browser(
    worker: WorkerProcess, document: dict[str, Any]
) -> None:
    operations = sum(len(item) for item in document["paths"].values())
    with chromium() as browser, watched_page(browser) as watched:
        page = watched.page
        page.goto(f"{worker.base_url}/api#validateConnector")
        page.wait_for_function("document.body.dataset.state === 'ready'", timeout=30_000)
        assert page.locator("details.op").count() == operations
        assert page.locator("details#validateConnector").get_attribute("open") is not None
        assert page.locator("#schema-ErrorBody").count() == 1
        page.fill("#filter", "repository-services")
        shown = page.locator("details.op:not([hidden])").count()
        assert shown == sum(
            1 for path in document["paths"] for _ in document["paths"][path] if "repository-services" in path
        )
        assert watched.unexpected_errors() == []
        assert {r.split("/", 3)[2] for r in watched.requests} == {f"127.0.0.1:{worker.web_port}"}
