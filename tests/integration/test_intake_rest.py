"""OpenLineage over REST, as producers meet it: the official client, Egeria's paths, errors.

One worker (real process, real broker) serves the whole module: it requires a token and
runs the file log store and a recording connector, so each test checks what reached the
connectors, not only what the REST API answered.
"""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

from app.client import LineageIntegratorClient, LineageIntegratorError
from tests.support.connectors import connector_env, recorded, write_connectors_file
from tests.support.events import encoded, run_event
from tests.support.kafka import Broker, unique
from tests.support.workers import WorkerProcess, server_variables, wait_until

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Deployment:
    def __init__(self, worker: WorkerProcess, store: Path, recording: Path, probe_marker: Path) -> None:
        self.worker = worker
        self.store = store
        self.recording = recording
        self.probe_marker = probe_marker
        self.server = worker.env["LINEAGE_SERVER_NAME"]

    def egeria(self, tail: str, user: str = "erinoverview") -> str:
        return (
            f"/servers/{self.server}/open-metadata/integration-services/lineage-integrator/users/{user}{tail}"
        )

    def files_of(self, run_id: str) -> list[Path]:
        return sorted(p for p in self.store.rglob("*.openlineageevent") if p.name.startswith(run_id))

    def wait_files(self, run_id: str, count: int, timeout: float = 30.0) -> list[Path]:
        return wait_until(  # type: ignore[no-any-return]
            lambda: (files := self.files_of(run_id)) and len(files) >= count and files,
            timeout=timeout,
            message=f"{count} file(s) of run {run_id} never appeared in {self.store}",
        )

    def recorded_run(self, run_id: str) -> list[dict[str, Any]]:
        return [r for r in recorded(self.recording) if r["runId"] == run_id]


@pytest.fixture(scope="module")
def deployment(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("rest")
    store, recording = root / "store", root / "recording.jsonl"
    probe_dir = root / "probe"
    probe_dir.mkdir()
    marker = root / "probe-imported"
    (probe_dir / "li_import_probe.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\nclass Thing: ...\n"
    )
    connectors = write_connectors_file(
        root / "connectors.yaml",
        [
            {"name": "file-log-store", "settings": {"directory": str(store)}},
            {
                "name": "recorder",
                "class": "tests.support.connectors:RecordingConnector",
                "settings": {"path": str(recording)},
            },
        ],
    )
    name = unique("rest")
    env = {
        **server_variables(broker.url, name, cohort=None),
        "LINEAGE_API_TOKEN": TOKEN,
        **connector_env(connectors),
    }
    env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{probe_dir}"
    worker = WorkerProcess(env=env, data_dir=root / "data").start()
    try:
        worker.wait_ready()
        yield Deployment(worker, store, recording, marker)
    finally:
        worker.kill()


def official_client(url: str, *, endpoint: str = "api/v1/lineage") -> Any:
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.http import (
        ApiKeyTokenProvider,
        HttpCompression,
        HttpConfig,
        HttpTransport,
    )

    config = HttpConfig(
        url=url,
        endpoint=endpoint,
        compression=HttpCompression.GZIP,
        auth=ApiKeyTokenProvider({"apiKey": TOKEN}),
        timeout=30.0,
    )
    return OpenLineageClient(transport=HttpTransport(config))


def official_run(run_id: str, state: str, job: str, namespace: str = "rest-tests") -> Any:
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState

    return RunEvent(
        eventType=RunState(state),
        eventTime=datetime.now(UTC).isoformat(),
        run=Run(runId=run_id),
        job=Job(namespace=namespace, name=job),
        producer="https://github.com/OpenLineage/OpenLineage/tree/main/client/python",
    )


def test_official_client_http_transport_with_gzip_and_api_key(deployment: Deployment) -> None:
    client = official_client(deployment.worker.base_url)
    run_id = str(uuid.uuid4())
    for state in ("START", "RUNNING", "COMPLETE"):
        client.emit(official_run(run_id, state, "nightly.load"))
    files = deployment.wait_files(run_id, 3)
    assert [f.name.rsplit("-", 1)[1] for f in files] and {f.name.rsplit("-", 1)[1] for f in files} == {
        "START.openlineageevent",
        "RUNNING.openlineageevent",
        "COMPLETE.openlineageevent",
    }
    assert {f.parent.name for f in files} == {"nightly.load"}
    assert {f.parent.parent.name for f in files} == {"rest-tests"}
    for f in files:
        assert orjson.loads(f.read_bytes())["run"]["runId"] == run_id
    wait_until(lambda: len(deployment.recorded_run(run_id)) >= 3, timeout=30)
    assert sorted(r["eventType"] for r in deployment.recorded_run(run_id)) == ["COMPLETE", "RUNNING", "START"]
    # Sent once, stored once: the file log store holds exactly one file per event.
    assert len(deployment.files_of(run_id)) == 3


def test_egeria_paths_take_the_same_events(deployment: Deployment) -> None:
    run_id = str(uuid.uuid4())
    client = official_client(deployment.worker.base_url + deployment.egeria("/"))
    client.emit(official_run(run_id, "START", "egeria.job"))
    response = deployment.worker.post(
        deployment.egeria("/publish-open-lineage-event"),
        data=encoded(run_event("egeria.job", "COMPLETE", namespace="rest-tests", run_id=run_id)),
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"class": "VoidResponse", "relatedHTTPCode": 200}
    deployment.wait_files(run_id, 2)

    wrong_server = deployment.worker.post(
        deployment.egeria("/api/v1/lineage").replace(deployment.server, "cocoMDS1"),
        data=encoded(run_event("egeria.job")),
        headers=AUTH,
    )
    assert wrong_server.status_code == 404
    assert "cocoMDS1" in wrong_server.json()["errors"][0]["message"]
    assert deployment.server not in wrong_server.text  # this server's name is not told
    assert wrong_server.json()["relatedHTTPCode"] == 404


def test_invalid_event_is_refused_with_every_error_and_its_path(deployment: Deployment) -> None:
    event = run_event("bad.job")
    event["run"]["runId"] = "not-a-uuid"
    del event["job"]["name"]
    response = deployment.worker.post("/api/v1/lineage", data=encoded(event), headers=AUTH)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["path"] for e in errors} == {"$.run.runId", "$.job.name"}
    assert all(e["message"] for e in errors)

    array = deployment.worker.post("/api/v1/lineage", data=encoded([run_event("j")]), headers=AUTH)  # type: ignore[arg-type]
    assert array.status_code == 400
    assert "batch" in array.json()["errors"][0]["message"]


def test_what_is_not_json_or_too_large_or_unauthorised(deployment: Deployment) -> None:
    post = deployment.worker.post
    not_json = post(
        "/api/v1/lineage", data=b"eventType=START", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert not_json.status_code == 415
    assert not_json.json()["errors"][0]["path"] == "$"

    assert post("/api/v1/lineage", data=encoded(run_event("j"))).status_code == 401
    wrong = post("/api/v1/lineage", data=encoded(run_event("j")), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["message"]

    limit = 4 * 1024 * 1024
    big = run_event("big.job", run={"runId": str(uuid.uuid4()), "facets": {}}, padding="x" * (limit + 10))
    too_large = post("/api/v1/lineage", data=encoded(big), headers=AUTH)
    assert too_large.status_code == 413
    assert str(limit) in too_large.json()["errors"][0]["message"]

    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < 200_000
    exploded = post("/api/v1/lineage", data=bomb, headers={**AUTH, "Content-Encoding": "gzip"})
    assert exploded.status_code == 413
    assert exploded.json()["errors"]

    brotli = post("/api/v1/lineage", data=b"{}", headers={**AUTH, "Content-Encoding": "compress"})
    assert brotli.status_code == 415


def test_large_spark_sized_event_is_carried_to_the_connectors(deployment: Deployment) -> None:
    run_id = str(uuid.uuid4())
    plan = {
        "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.20.0/integration/spark",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/Facet.json",
        "plan": "p" * (3 * 1024 * 1024),
    }
    event = run_event("spark.big", "COMPLETE", namespace="rest-tests", run_id=run_id)
    event["run"]["facets"]["spark.logicalPlan"] = plan
    response = deployment.worker.post(
        "/api/v1/lineage", data=gzip.compress(encoded(event)), headers={**AUTH, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 200, response.text
    [stored] = deployment.wait_files(run_id, 1, timeout=60)
    assert stored.read_bytes() == encoded(event)


def test_batch_with_one_bad_event_is_a_partial_success(deployment: Deployment) -> None:
    good = [run_event("batch.job", state, namespace="rest-tests") for state in ("START", "COMPLETE")]
    bad = run_event("batch.job")
    bad["eventTime"] = "yesterday"
    response = deployment.worker.post(
        "/api/v1/lineage/batch", data=orjson.dumps([good[0], bad, good[1]]), headers=AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "partial_success"
    assert body["summary"] == {
        "received": 3,
        "successful": 2,
        "failed": 1,
        "retriable": 0,
        "non_retriable": 1,
    }
    [failed] = body["failed_events"]
    assert failed["index"] == 1
    assert failed["retriable"] is False
    assert [e["path"] for e in body["errors"]] == ["$[1].eventTime"]
    for event in good:
        deployment.wait_files(event["run"]["runId"], 1)

    nothing = deployment.worker.post("/api/v1/lineage/batch", data=orjson.dumps([bad]), headers=AUTH)
    assert nothing.status_code == 400
    assert nothing.json()["status"] == "failure"
    assert nothing.json()["errors"][0]["path"] == "$[0].eventTime"


def test_batch_items_travel_as_the_bytes_sent(deployment: Deployment) -> None:
    events = [run_event("batch.bytes", state, namespace="rest-tests") for state in ("START", "COMPLETE")]
    items = [orjson.dumps(e, option=orjson.OPT_INDENT_2) for e in events]
    body = b"[\n" + b" ,\n".join(items) + b"\n]\n"
    response = deployment.worker.post(
        "/api/v1/lineage/batch", data=gzip.compress(body), headers={**AUTH, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"
    for event, item in zip(events, items, strict=True):
        [stored] = deployment.wait_files(event["run"]["runId"], 1)
        assert stored.read_bytes() == item

    # A separator inside a string: the array is loaded, the items stored compactly.
    tricky = run_event("batch.bytes", "COMPLETE", namespace="rest-tests", note='x},{"y":1},{')
    response = deployment.worker.post(
        "/api/v1/lineage/batch",
        data=orjson.dumps([tricky, run_event("batch.bytes", namespace="rest-tests")]),
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    [stored] = deployment.wait_files(tricky["run"]["runId"], 1)
    assert stored.read_bytes() == orjson.dumps(tricky)


def test_validate_connector_reports_registered_ones_and_imports_nothing(deployment: Deployment) -> None:
    get = deployment.worker.get
    report = get(deployment.egeria("/validate-connector/file-log-store")).json()
    # Egeria's ConnectorReportResponse (ConnectorReportResponse.java, common-services/ffdc-services,
    # odpi/egeria commit fd77a62f569d79d997d459b6ae81685ba770129f).
    assert report["class"] == "ConnectorReportResponse" and report["relatedHTTPCode"] == 200
    assert report["connectorReport"]["connectorType"]["connectorProviderClassName"] == "file-log-store"
    assert report["connectorReport"]["usesBlockingCalls"] is False
    assert report["registered"] is True
    assert report["canRun"] is True
    assert report["configured"] is True
    assert report["listensTo"]["openLineage"] is True
    assert report["instances"][0]["status"] == "running"

    egeria_name = "org.odpi.openmetadata.adapters.connectors.integration.openlineage.APIBasedOpenLineageLogStoreProvider"
    api = get(deployment.egeria(f"/validate-connector/{egeria_name}")).json()
    assert api["connector"] == "api-log-store"
    assert api["canRun"] is True
    assert api["configured"] is False
    assert "url" in api["settingsSchema"]["required"]

    for name in ("li_import_probe:Thing", "li_import_probe.Thing", "os:system"):
        refused = get(deployment.egeria(f"/validate-connector/{name}"))
        # Egeria answers errors with HTTP 200 and the FFDC fields its Java client decodes.
        assert refused.status_code == 200, name
        assert refused.json()["relatedHTTPCode"] == 404
        assert refused.json()["exceptionClassName"].endswith(".InvalidParameterException")
        assert refused.json()["exceptionProperties"] == {"parameterName": "connectorProviderClassName"}
        assert refused.json()["errors"][0]["path"] == "connectorProviderClassName"
    assert not deployment.probe_marker.exists(), "a name from a request was imported"


def test_python_client(deployment: Deployment) -> None:
    client = LineageIntegratorClient(deployment.worker.base_url, token=TOKEN, gzip=True)
    run_id = str(uuid.uuid4())
    client.publish(run_event("client.job", "START", namespace="rest-tests", run_id=run_id))
    client.publish(
        orjson.dumps(run_event("client.job", "RUNNING", namespace="rest-tests", run_id=run_id)).decode()
    )
    client.publish(official_run(run_id, "COMPLETE", "client.job"))
    deployment.wait_files(run_id, 3)

    result = client.publish_batch([run_event("client.batch", namespace="rest-tests"), {"run": {}}])
    assert result.status == "partial_success"
    assert result.failed_indexes == [1]

    with pytest.raises(LineageIntegratorError) as refused:
        client.publish(run_event("client.job", run={"runId": "42"}))
    assert refused.value.status == 400
    assert refused.value.errors[0]["path"] == "$.run.runId"
    assert "$.run.runId" in str(refused.value)

    assert client.validate_connector("file-log-store")["canRun"] is True
    with pytest.raises(LineageIntegratorError) as unknown:
        client.validate_connector("no.such:Connector")
    assert unknown.value.status == 404

    names = [c["name"] for c in client.connectors()["connectors"]]
    assert names == ["file-log-store", "recorder"]

    with pytest.raises(LineageIntegratorError) as unauthorised:
        LineageIntegratorClient(deployment.worker.base_url).publish(run_event("j"))
    assert unauthorised.value.status == 401


def test_health_stays_open_without_a_token(deployment: Deployment) -> None:
    assert requests.get(deployment.worker.base_url + "/health", timeout=10).status_code == 200
