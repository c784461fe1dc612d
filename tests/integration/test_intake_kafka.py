"""OpenLineage from Kafka: the official client's Kafka transport, bad records, the event receiver.

The worker runs with no LINEAGE_CONNECTORS file, as a new user's does: the default file
log store (under LINEAGE_DATA_DIR) must receive events without any configuration.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from runtime.dead_letters import HEADER_ERRORS, HEADER_REASON, HEADER_SOURCE_TOPIC
from tests.conftest import WorkerFactory
from tests.support.connectors import connector_env, write_connectors_file
from tests.support.events import encoded, run_event
from tests.support.kafka import Broker, consume, create_topic, produce
from tests.support.poison_records import KEY, POISON
from tests.support.workers import wait_until


def dead_letter_topic(env: dict[str, str]) -> str:
    return (
        f"{env['LINEAGE_TOPIC_ROOT']}.server.{env['LINEAGE_SERVER_NAME']}.omis.lineageintegrator.deadletter"
    )


def stored(directory: Path, run_id: str) -> list[Path]:
    return sorted(p for p in directory.rglob("*.openlineageevent") if p.name.startswith(run_id))


def kafka_transport_client(bootstrap: str, topic: str) -> Any:
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.kafka import KafkaConfig, KafkaTransport

    config = KafkaConfig(
        config={"bootstrap.servers": bootstrap, "acks": "all", "message.max.bytes": str(8 * 1024 * 1024)},
        topic=topic,
        flush=True,
    )
    return OpenLineageClient(transport=KafkaTransport(config))


def test_official_kafka_transport_reaches_the_default_file_log_store(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str], tmp_path: Path
) -> None:
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState

    source = server_env["LINEAGE_OPENLINEAGE_TOPICS"]
    create_topic(broker.bootstrap, source)
    worker = workers()
    worker.wait_ready()
    assert "Default connector 'cataloguer' is not installed: skipped" in worker.log_text() or (
        "cataloguer" in worker.get("/api/v1/connectors").text
    )

    client = kafka_transport_client(broker.bootstrap, source)
    run_id = str(uuid.uuid4())
    for state in ("START", "RUNNING", "COMPLETE"):
        client.emit(
            RunEvent(
                eventType=RunState(state),
                eventTime=datetime.now(UTC).isoformat(),
                run=Run(runId=run_id),
                job=Job(namespace="kafka-tests", name="stream.job"),
                producer="https://github.com/OpenLineage/OpenLineage/tree/main/client/python",
            )
        )
    store = tmp_path / "data" / "open-lineage-log"
    files = wait_until(lambda: len(stored(store, run_id)) >= 3 and stored(store, run_id), timeout=60)
    assert sorted(f.name.rsplit("-", 1)[1].split(".")[0] for f in files) == ["COMPLETE", "RUNNING", "START"]
    assert {f.parent for f in files} == {store / "kafka-tests" / "stream.job"}

    # Invalid records are dead-lettered with the reason, and the worker goes on.
    bad = run_event("stream.job")
    bad["run"]["runId"] = "nope"
    produce(broker.bootstrap, source, [b"not json at all", encoded(bad)], keys=[b"k1", b"k2"])
    after = run_event("stream.job", "COMPLETE", namespace="kafka-tests")
    produce(broker.bootstrap, source, [encoded(after)])
    letters = consume(broker.bootstrap, dead_letter_topic(server_env), expect=2, timeout=60)
    assert sorted(r.value or b"" for r in letters) == sorted([b"not json at all", encoded(bad)])
    by_key = {r.key: r for r in letters}
    assert "$.run.runId" in by_key[b"k2"].headers[HEADER_REASON].decode()
    assert orjson.loads(by_key[b"k2"].headers[HEADER_ERRORS])[0]["path"] == "$.run.runId"
    assert by_key[b"k1"].headers[HEADER_SOURCE_TOPIC].decode() == source
    wait_until(
        lambda: stored(store, after["run"]["runId"]), timeout=60, message="worker stopped after bad input"
    )

    # A large event (Spark plans run to megabytes) goes through Kafka intake too.
    big = run_event("spark.big", "COMPLETE", namespace="kafka-tests")
    big["run"]["facets"]["spark.logicalPlan"] = {
        "_producer": "https://example.com/spark",
        "plan": "p" * 2_500_000,
    }
    produce(broker.bootstrap, source, [encoded(big)])
    [big_file] = wait_until(lambda: stored(store, big["run"]["runId"]), timeout=60)
    assert big_file.read_bytes() == encoded(big)


def test_event_receiver_reads_its_own_topics(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str], tmp_path: Path
) -> None:
    extra = f"{server_env['LINEAGE_SERVER_NAME']}.team-a.lineage"
    create_topic(broker.bootstrap, extra)
    store = tmp_path / "store"
    connectors = write_connectors_file(
        tmp_path / "connectors.yaml",
        [
            {"name": "file-log-store", "settings": {"directory": str(store)}},
            {"name": "team-a", "connector": "event-receiver", "settings": {"topics": [extra]}},
        ],
    )
    worker = workers(connector_env(connectors))
    worker.wait_ready()
    event = run_event("team-a.job", "START", namespace="team-a")
    bad = run_event("team-a.job")
    bad["job"]["namespace"] = 7
    produce(broker.bootstrap, extra, [encoded(bad), encoded(event)])
    wait_until(lambda: stored(store, event["run"]["runId"]), timeout=60)
    [letter] = consume(broker.bootstrap, dead_letter_topic(server_env), expect=1, timeout=60)
    assert "$.job.namespace" in letter.headers[HEADER_REASON].decode()
    report = worker.get("/api/v1/connectors").json()["connectors"]
    assert [c["listensTo"]["kafkaTopics"] for c in report if c["name"] == "team-a"] == [[extra]]

    # Issue 18 on the receiver's own topic: each poison record, then a valid event with the
    # same key (so the same partition), which is stored within 10 s.
    for kind, poison in sorted(POISON.items()):
        after = run_event("team-a.after-the-poison", namespace="team-a")
        started = time.monotonic()
        produce(broker.bootstrap, extra, [poison, encoded(after)], keys=[KEY, KEY])
        wait_until(
            lambda run_id=after["run"]["runId"]: stored(store, run_id),
            timeout=10,
            interval=0.2,
            message=f"the event after {kind} was held back",
        )
        assert time.monotonic() - started < 10, kind
