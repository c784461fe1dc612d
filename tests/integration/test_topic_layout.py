"""Topics are declared once and created before anything reads or writes them.

The embedded broker auto-creates a topic with 4 partitions when any client names it; a
worker configured for 3 must not depend on that: right after start every topic it uses
exists with its own count, and the cataloguer, whose topic and state changelog must be
co-partitioned, works end to end. A topic that exists with another count stops the worker
with one clear message and exit code 2.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from kafka import KafkaConsumer

from tests.conftest import WorkerFactory
from tests.support.events import run_event
from tests.support.kafka import Broker, create_topic
from tests.support.workers import cli_command, wait_until


def partition_counts(bootstrap: str, prefix: str) -> dict[str, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return {
            topic: len(consumer.partitions_for_topic(topic) or ())
            for topic in consumer.topics()
            if topic.startswith(prefix)
        }
    finally:
        consumer.close()


def test_every_topic_exists_with_the_configured_partitions_right_after_start(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    worker = workers({"LINEAGE_TOPIC_PARTITIONS": "3"})
    worker.wait_ready()
    root, server = server_env["LINEAGE_TOPIC_ROOT"], server_env["LINEAGE_SERVER_NAME"]
    own = f"{root}.server.{server}.omis.lineageintegrator."
    counts = partition_counts(broker.bootstrap, root)
    assert {name.removeprefix(own) for name in counts if name.startswith(own)} >= {
        "openlineage",
        "deadletter",
        "catalogue",
        "catalogue.state",
    }
    cohort = f"{root}.openmetadata.repositoryservices.cohort.testCohort.OMRSTopic"
    assert {f"{cohort}.registration", f"{cohort}.types", f"{cohort}.instances"} <= set(counts)
    assert set(counts.values()) == {3}, counts

    body = run_event(
        "load",
        "COMPLETE",
        namespace="layout",
        outputs=[{"namespace": "postgres://db:5432", "name": "shop.orders"}],
    )
    assert worker.post("/api/v1/lineage", json=body).status_code == 200
    lineage = wait_until(
        lambda: (
            (r := worker.get("/api/v1/lineage", params={"nodeId": "job:layout:load"})).status_code == 200
            and r.json()
        ),
        message="the cataloguer never shared the job: its topic and state are not co-partitioned",
    )
    assert "dataset:postgres://db:5432:shop.orders" in {node["id"] for node in lineage["graph"]}


def test_an_owned_topic_with_another_partition_count_stops_the_worker(
    broker: Broker, server_env: dict[str, str], tmp_path: Path
) -> None:
    root, server = server_env["LINEAGE_TOPIC_ROOT"], server_env["LINEAGE_SERVER_NAME"]
    internal = f"{root}.server.{server}.omis.lineageintegrator.openlineage"
    create_topic(broker.bootstrap, internal, partitions=5)
    done = subprocess.run(
        cli_command("worker"),
        env={**server_env, "LINEAGE_TOPIC_PARTITIONS": "3", "LINEAGE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"{internal} has 5 partitions where this server needs 3" in done.stderr
    assert "Traceback" not in done.stderr
