"""docker-compose.kafka.yml cannot run here (no Docker engine); check what can be checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.kafka.yml").read_text())
    return document


def test_compose_file_parses_with_kafka_and_a_scalable_worker() -> None:
    services = compose()["services"]
    assert set(services) >= {"kafka", "worker"}
    assert "KRaft" in (ROOT / "docker-compose.kafka.yml").read_text()
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    worker = services["worker"]
    # A fixed host port or container name would stop `--scale worker=3`.
    assert "ports" not in worker
    assert "container_name" not in worker
    assert worker["build"]["dockerfile"] == "Dockerfile"
    assert (ROOT / worker["build"]["dockerfile"]).exists()


def test_worker_points_at_the_kafka_service() -> None:
    services = compose()["services"]
    broker_url = services["worker"]["environment"]["LINEAGE_BROKER"]
    host, port = broker_url.removeprefix("kafka://").split(":")
    assert host == services["kafka"]["hostname"] == "kafka"
    assert f"PLAINTEXT://kafka:{port}" in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert services["worker"]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_worker_is_configured_only_through_lineage_variables() -> None:
    environment = compose()["services"]["worker"]["environment"]
    assert all(name.startswith("LINEAGE_") for name in environment)
    from app.settings import Settings

    known = {f"LINEAGE_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) <= known
