"""Every connector gets every accepted event: with an API that is down, a connector that
always fails, and a worker killed mid-stream."""

from __future__ import annotations

import time
from pathlib import Path

import orjson

from agents.connectors.runner import HEADER_CONNECTOR
from app.broker import free_port
from tests.conftest import WorkerFactory
from tests.support.connectors import connector_env, recorded, write_connectors_file
from tests.support.events import encoded, run_event
from tests.support.kafka import Broker, consume, create_topic, produce
from tests.support.lineage_sink import LineageSink
from tests.support.workers import wait_until


def dead_letter_topic(env: dict[str, str]) -> str:
    return (
        f"{env['LINEAGE_TOPIC_ROOT']}.server.{env['LINEAGE_SERVER_NAME']}.omis.lineageintegrator.deadletter"
    )


def event_files(store: Path) -> list[Path]:
    return sorted(store.rglob("*.openlineageevent"))


def test_a_down_api_and_a_failing_connector_hold_back_no_other(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str], tmp_path: Path
) -> None:
    store, recording = tmp_path / "store", tmp_path / "recording.jsonl"
    sink = LineageSink(free_port(), token="marquez-key")  # not started: the API is down
    connectors = write_connectors_file(
        tmp_path / "connectors.yaml",
        [
            {"name": "file-log-store", "settings": {"directory": str(store)}},
            {
                "name": "recorder",
                "class": "tests.support.connectors:RecordingConnector",
                "settings": {"path": str(recording)},
            },
            {
                "name": "broken",
                "class": "tests.support.connectors:FailingConnector",
                "failure": {"retries": 1, "backoff_s": 0.05},
            },
            {
                "name": "marquez",
                "connector": "api-log-store",
                "settings": {
                    "url": sink.url,
                    "api_key": "marquez-key",
                    "compression": "gzip",
                    "timeout_s": 2,
                },
                "failure": {"retries": 1, "backoff_s": 0.1, "circuit_open_s": 2, "retry_backoff_max_s": 1},
            },
        ],
    )
    worker = workers(connector_env(connectors))
    worker.wait_ready()

    events = [
        run_event(f"job-{i % 5}", state, namespace="delivery")
        for i in range(10)
        for state in ("START", "COMPLETE")
    ]
    response = worker.post("/api/v1/lineage/batch", data=orjson.dumps(events))
    assert response.json()["status"] == "success", response.text
    run_ids = {e["run"]["runId"] for e in events}

    # The other connectors get everything while the API is down and one connector keeps failing.
    wait_until(
        lambda: {r["runId"] for r in recorded(recording)} == run_ids,
        timeout=60,
        message="the recorder was held back",
    )
    wait_until(lambda: len(event_files(store)) == len(events), timeout=30)
    letters = consume(broker.bootstrap, dead_letter_topic(server_env), expect=len(events), timeout=60)
    assert {r.headers[HEADER_CONNECTOR] for r in letters} == {b"broken"}
    assert {orjson.loads(r.value or b"")["run"]["runId"] for r in letters} == run_ids
    marquez = next(c for c in worker.get("/api/v1/connectors").json()["connectors"] if c["name"] == "marquez")
    assert marquez["failures"] > 0
    assert marquez["divertedToRetryTopic"] == len(events), "a down API must cost the internal topic no time"
    assert sink.received == []

    time.sleep(3)  # down for a while longer
    sink.start()
    try:
        wait_until(
            lambda: set(sink.run_ids()) >= run_ids, timeout=90, message="the API never got the backlog"
        )
        assert all(h.get("Content-Encoding") == "gzip" for h in sink.headers)

        # Back to normal: new events go straight to the API.
        late = [run_event("job-late", "START", namespace="delivery") for _ in range(3)]
        worker.post("/api/v1/lineage/batch", data=orjson.dumps(late))
        late_ids = {e["run"]["runId"] for e in late}
        wait_until(lambda: set(sink.run_ids()) >= late_ids, timeout=60)
    finally:
        sink.stop()
    assert set(sink.run_ids()) == run_ids | late_ids


def test_a_worker_killed_mid_stream_delivers_everything_after_restart(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str], tmp_path: Path
) -> None:
    source = server_env["LINEAGE_OPENLINEAGE_TOPICS"]
    create_topic(broker.bootstrap, source)
    store, recording = tmp_path / "store", tmp_path / "recording.jsonl"
    connectors = write_connectors_file(
        tmp_path / "connectors.yaml",
        [
            {"name": "file-log-store", "settings": {"directory": str(store)}},
            {
                "name": "recorder",
                "class": "tests.support.connectors:RecordingConnector",
                "settings": {"path": str(recording), "delay_s": 0.01},
            },
        ],
    )
    env = connector_env(connectors)
    first = workers(env)
    first.wait_ready()

    over_rest = [run_event(f"rest-{i % 4}", "START", namespace="crash") for i in range(20)]
    assert first.post("/api/v1/lineage/batch", data=orjson.dumps(over_rest)).json()["status"] == "success"
    over_kafka = [
        run_event(f"job-{i % 40}", state, namespace="crash")
        for i in range(100)
        for state in ("START", "COMPLETE")
    ]
    produce(
        broker.bootstrap,
        source,
        [encoded(e) for e in over_kafka],
        keys=[e["job"]["name"].encode() for e in over_kafka],
    )
    events = over_rest + over_kafka

    wait_until(
        lambda: len(recorded(recording)) >= 40, timeout=60, message="nothing delivered before the kill"
    )
    first.kill()
    seen_before = len(recorded(recording))
    assert seen_before < len(events), "the worker finished before it was killed: nothing was mid-stream"

    second = workers(env)
    second.wait_ready()
    expected = {(e["run"]["runId"], e["eventType"]) for e in events}
    wait_until(
        lambda: {(r["runId"], r["eventType"]) for r in recorded(recording)} >= expected,
        timeout=120,
        message="an accepted event never reached the recorder",
    )
    # Sentinels: one more event for each job, by the door its events came in. The internal
    # topic is keyed by job, so each sentinel follows every earlier record of its job (a
    # redelivery included): once all are stored, nothing more of the events above can come.
    sentinels = [run_event(f"rest-{i}", "COMPLETE", namespace="crash") for i in range(4)]
    assert second.post("/api/v1/lineage/batch", data=orjson.dumps(sentinels)).json()["status"] == "success"
    kafka_sentinels = [run_event(f"job-{i}", "COMPLETE", namespace="crash") for i in range(40)]
    produce(
        broker.bootstrap,
        source,
        [encoded(e) for e in kafka_sentinels],
        keys=[e["job"]["name"].encode() for e in kafka_sentinels],
    )
    sentinel_runs = {e["run"]["runId"] for e in sentinels + kafka_sentinels}

    def stored_runs() -> list[tuple[str, str]]:
        return [
            (orjson.loads(f.read_bytes())["run"]["runId"], f.name.rsplit("-", 1)[1].split(".")[0])
            for f in event_files(store)
        ]

    wait_until(
        lambda: sentinel_runs <= {run for run, _ in stored_runs()},
        timeout=60,
        message="the sentinels never reached the file log store",
    )
    files = [entry for entry in stored_runs() if entry[0] not in sentinel_runs]
    assert len(files) == len(events), "the file log store has a duplicate (or a stray) file"
    assert set(files) == expected
