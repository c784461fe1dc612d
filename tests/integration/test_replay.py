"""`lineage-integrator replay`: a restarted embedded setup gets its lineage graph back from the
file log store, and replaying twice changes nothing.

The events are the official openlineage-python client's (`tests/support/pipeline.py`, a dbt
pipeline serialised by its `Serde`), sent to a real worker over REST; the broker is the
embedded one, restarted on the same port with its memory storage empty, as a user's would be.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.serde import Serde

from app.broker import EmbeddedBroker, free_port
from tests.support.kafka import unique
from tests.support.pipeline import DB, Pipeline
from tests.support.secure_brokers import client_env
from tests.support.workers import WorkerProcess, server_variables, wait_until

MART = f"dataset:{DB}:shop.marts.customers"
NODES = {
    *(f"dataset:{DB}:shop.{table}" for table in ("raw.customers", "raw.orders", "staging.stg_customers")),
    f"dataset:{DB}:shop.staging.stg_orders",
    MART,
    *(f"job:dbt:shop.{model}" for model in ("stg_customers", "stg_orders", "customers")),
}


def graph(worker: WorkerProcess) -> dict[str, Any] | None:
    response = worker.get("/api/v1/lineage", params={"nodeId": MART, "depth": "20"})
    if response.status_code != 200:
        return None
    return {
        node["id"]: sorted(edge["destination"] for edge in node["outEdges"])
        for node in response.json()["graph"]
    }


def replay(env: dict[str, str], *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "replay", *map(str, paths)],
        env=client_env(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def log_store_files(data_dir: Path) -> dict[str, bytes]:
    root = data_dir / "open-lineage-log"
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.openlineageevent")}


@pytest.fixture
def restartable_broker(tmp_path: Path) -> Any:
    brokers: list[EmbeddedBroker] = []
    port = free_port()

    def start() -> EmbeddedBroker:
        broker = EmbeddedBroker(port=port).start(log_path=str(tmp_path / "tansu.log"))
        brokers.append(broker)
        return broker

    yield start
    for broker in brokers:
        broker.stop()


def test_replay_rebuilds_the_graph_of_a_restarted_embedded_setup(
    tmp_path: Path, restartable_broker: Any
) -> None:
    data_dir = tmp_path / "data"
    first_broker = restartable_broker()
    name = unique("replay")
    env = server_variables(first_broker.url, name)
    pipeline = Pipeline.build()
    worker = WorkerProcess(env=env, data_dir=data_dir).start()
    try:
        worker.wait_ready(timeout=120)
        body = "[" + ",".join(Serde.to_json(event) for event in pipeline.events) + "]"
        answer = worker.post("/api/v1/lineage/batch", data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
        before = wait_until(lambda: (g := graph(worker)) and set(g) >= NODES and g, timeout=120)
        stored = wait_until(
            lambda: (
                log_store_files(data_dir) if len(log_store_files(data_dir)) == len(pipeline.events) else None
            )
        )
    finally:
        worker.kill()

    first_broker.stop()
    restartable_broker()  # the same port, memory storage: every topic is gone
    worker = WorkerProcess(env=env, data_dir=data_dir).start()
    try:
        worker.wait_ready(timeout=120)
        assert worker.get("/api/v1/lineage", params={"nodeId": MART}).status_code == 404
        assert log_store_files(data_dir) == stored  # what survives a restart

        result = replay(env, data_dir / "open-lineage-log")
        assert result.returncode == 0, result.stderr
        count = len(pipeline.events)
        assert (
            result.stdout.strip()
            == f"replayed {count} events from {count} files to {name}.openlineage.events"
        )
        assert wait_until(lambda: graph(worker) == before or None, timeout=120)

        # Again: events keep their bytes, so the log store and the graph stay as they are.
        again = replay(env, data_dir / "open-lineage-log")
        assert again.returncode == 0, again.stderr
        worker.wait_ready(timeout=60)
        assert log_store_files(data_dir) == stored
        assert graph(worker) == before
    finally:
        worker.kill()
