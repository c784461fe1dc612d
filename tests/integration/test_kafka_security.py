"""Kafka clients of the service and its CLI against brokers that require SASL, TLS and mutual TLS.

The brokers (tests/support/secure_brokers.py) are the embedded broker behind real
terminators: stunnel for TLS, a SASL layer with scramp's SCRAM server. Every client here
takes its arguments from `Settings.kafka_connection()`, the way the service's clients do;
each positive test writes a record and reads it back through the secured listener, each
negative one shows the broker refusing what it must refuse.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka import TopicPartition as AIOTopicPartition
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from app.settings import Settings, load_settings
from app.topics import TopicNames
from runtime.kafka_config import KafkaConnection
from tests.support.events import encoded, run_event
from tests.support.secure_brokers import (
    BEARER_TOKEN,
    PASSWORD,
    USER,
    SecureBroker,
    client_env,
    missing_tls_terminator_reason,
    sasl_broker,
    sasl_ssl_broker,
    tls_broker,
)
from tests.support.workers import WorkerProcess

needs_stunnel = pytest.mark.skipif(
    missing_tls_terminator_reason() is not None, reason=str(missing_tls_terminator_reason())
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("secure-brokers")


@pytest.fixture(scope="module")
def sasl(folder: Path) -> Iterator[SecureBroker]:
    with sasl_broker(folder / "sasl") as broker:
        yield broker


@pytest.fixture(scope="module")
def tls(folder: Path) -> Iterator[SecureBroker]:
    if missing_tls_terminator_reason():
        pytest.skip(str(missing_tls_terminator_reason()))
    with tls_broker(folder / "tls", mutual=False) as broker:
        yield broker


@pytest.fixture(scope="module")
def mtls(folder: Path) -> Iterator[SecureBroker]:
    if missing_tls_terminator_reason():
        pytest.skip(str(missing_tls_terminator_reason()))
    with tls_broker(folder / "mtls", mutual=True) as broker:
        yield broker


@pytest.fixture(scope="module")
def sasl_ssl(folder: Path) -> Iterator[SecureBroker]:
    if missing_tls_terminator_reason():
        pytest.skip(str(missing_tls_terminator_reason()))
    with sasl_ssl_broker(folder / "sasl_ssl") as broker:
        yield broker


def settings_of(env: dict[str, str]) -> Settings:
    """What the service would load from these LINEAGE_* variables (and nothing else)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")}
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True):
        return load_settings()


def connection(env: dict[str, str]) -> KafkaConnection:
    """The Kafka connection the service would build from these LINEAGE_* variables."""
    return settings_of(env).kafka_connection()


def topic_name() -> str:
    return f"secure-{uuid.uuid4().hex[:10]}"


async def aiokafka_round_trip(conn: KafkaConnection, topic: str, value: bytes) -> bytes:
    producer = AIOKafkaProducer(**conn.aiokafka_kwargs(), request_timeout_ms=10000)
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(**conn.aiokafka_kwargs(), enable_auto_commit=False)
    await consumer.start()
    try:
        tp = AIOTopicPartition(topic, metadata.partition)
        consumer.assign([tp])
        consumer.seek(tp, metadata.offset)
        record = await asyncio.wait_for(consumer.getone(), 20)
        return bytes(record.value or b"")
    finally:
        await consumer.stop()


def kafka_python_round_trip(conn: KafkaConnection, topic: str, value: bytes) -> bytes:
    producer = KafkaProducer(**conn.kafka_python_kwargs(), max_block_ms=10000)
    try:
        metadata = producer.send(topic, value).get(timeout=15)
    finally:
        producer.close()
    consumer = KafkaConsumer(**conn.kafka_python_kwargs(), enable_auto_commit=False, consumer_timeout_ms=500)
    try:
        tp = TopicPartition(topic, metadata.partition)
        consumer.assign([tp])
        consumer.seek(tp, metadata.offset)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                return bytes(records[0].value)
        raise AssertionError(f"nothing read back from {topic}")
    finally:
        consumer.close()


def round_trip(library: str, conn: KafkaConnection) -> None:
    value = uuid.uuid4().bytes
    if library == "aiokafka":
        assert asyncio.run(aiokafka_round_trip(conn, topic_name(), value)) == value
    else:
        assert kafka_python_round_trip(conn, topic_name(), value) == value


def refused(library: str, conn: KafkaConnection) -> BaseException:
    """Try to write one record with a short deadline; return what stopped the client."""

    async def aio() -> None:
        producer = AIOKafkaProducer(**conn.aiokafka_kwargs(), request_timeout_ms=4000)
        try:
            await producer.start()
            await producer.send_and_wait(topic_name(), b"must not arrive")
        finally:
            await producer.stop()

    started = time.monotonic()
    try:
        if library == "aiokafka":
            asyncio.run(asyncio.wait_for(aio(), 15))
        else:
            producer = KafkaProducer(
                **conn.kafka_python_kwargs(), bootstrap_timeout_ms=4000, max_block_ms=4000
            )
            try:
                producer.send(topic_name(), b"must not arrive").get(timeout=8)
            finally:
                producer.close(timeout=1)
    except Exception as exc:
        assert time.monotonic() - started < 20
        return exc
    raise AssertionError("the broker accepted a client it must refuse")


LIBRARIES = ["aiokafka", "kafka-python"]


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
def test_sasl_with_a_password(sasl: SecureBroker, library: str, mechanism: str) -> None:
    before = sasl.sasl.authenticated[(mechanism, USER)] if sasl.sasl else 0
    round_trip(library, connection(sasl.env_with(sasl_mechanism=mechanism)))
    assert sasl.sasl is not None and sasl.sasl.authenticated[(mechanism, USER)] > before


@pytest.mark.parametrize("library", LIBRARIES)
def test_sasl_with_a_password_file(sasl: SecureBroker, library: str, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    round_trip(library, connection(sasl.env_with(sasl_password=None, sasl_password_file=str(secret))))


@pytest.mark.parametrize("library", LIBRARIES)
def test_oauthbearer_with_a_token_file(sasl: SecureBroker, library: str, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(BEARER_TOKEN + "\n")
    env = sasl.env_with(
        sasl_mechanism="OAUTHBEARER", sasl_username=None, sasl_password=None, sasl_password_file=str(token)
    )
    before = sasl.sasl.authenticated[("OAUTHBEARER", "bearer")] if sasl.sasl else 0
    round_trip(library, connection(env))
    assert sasl.sasl is not None and sasl.sasl.authenticated[("OAUTHBEARER", "bearer")] > before


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_wrong_scram_password_is_refused(sasl: SecureBroker, library: str) -> None:
    assert sasl.sasl is not None
    before = sasl.sasl.refused["SCRAM-SHA-512"]
    refused(library, connection(sasl.env_with(sasl_password="not-the-password")))
    assert sasl.sasl.refused["SCRAM-SHA-512"] > before


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_wrong_bearer_token_is_refused(sasl: SecureBroker, library: str) -> None:
    assert sasl.sasl is not None
    before = sasl.sasl.refused["OAUTHBEARER"]
    env = sasl.env_with(sasl_mechanism="OAUTHBEARER", sasl_username=None, sasl_password="forged")
    refused(library, connection(env))
    assert sasl.sasl.refused["OAUTHBEARER"] > before


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_client_without_sasl_is_refused(sasl: SecureBroker, library: str) -> None:
    assert sasl.sasl is not None
    before = sasl.sasl.refused["unauthenticated request"]
    plain = {"LINEAGE_BROKER": sasl.env["LINEAGE_BROKER"]}
    refused(library, connection(plain))
    assert sasl.sasl.refused["unauthenticated request"] > before


@needs_stunnel
@pytest.mark.parametrize("library", LIBRARIES)
def test_tls_with_the_broker_ca(tls: SecureBroker, library: str) -> None:
    round_trip(library, connection(tls.env))


@needs_stunnel
@pytest.mark.parametrize("library", LIBRARIES)
def test_tls_refuses_a_broker_certificate_from_another_ca(tls: SecureBroker, library: str) -> None:
    assert tls.certificates is not None
    error = refused(library, connection(tls.env_with(ssl_cafile=str(tls.certificates.other_ca_file))))
    assert error is not None


@needs_stunnel
@pytest.mark.parametrize("library", LIBRARIES)
def test_hostname_checking_follows_the_setting(tls: SecureBroker, library: str) -> None:
    """The certificate names `localhost`: reaching it as 127.0.0.1 fails unless checking is off."""
    by_address = dict(tls.env, LINEAGE_BROKER=tls.env["LINEAGE_BROKER"].replace("localhost", "127.0.0.1"))
    refused(library, connection(by_address))
    round_trip(library, connection({**by_address, "LINEAGE_KAFKA_SSL_CHECK_HOSTNAME": "false"}))


@needs_stunnel
@pytest.mark.parametrize("library", LIBRARIES)
def test_mutual_tls_with_a_client_certificate(mtls: SecureBroker, library: str) -> None:
    round_trip(library, connection(mtls.env))


@needs_stunnel
@pytest.mark.parametrize("library", LIBRARIES)
def test_mutual_tls_refuses_a_client_without_a_certificate(mtls: SecureBroker, library: str) -> None:
    refused(library, connection(mtls.env_with(ssl_certfile=None, ssl_keyfile=None)))


@needs_stunnel
@pytest.mark.parametrize("library", LIBRARIES)
def test_sasl_over_tls(sasl_ssl: SecureBroker, library: str) -> None:
    assert sasl_ssl.sasl is not None
    before = sasl_ssl.sasl.authenticated[("SCRAM-SHA-256", USER)]
    round_trip(library, connection(sasl_ssl.env))
    assert sasl_ssl.sasl.authenticated[("SCRAM-SHA-256", USER)] > before


# --------------------------------------------------------------------------- the CLI


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        env=client_env(env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_back(conn: KafkaConnection, topic: str, expect: int) -> list[bytes]:
    consumer = KafkaConsumer(**conn.kafka_python_kwargs(), enable_auto_commit=False, consumer_timeout_ms=500)
    try:
        deadline = time.monotonic() + 30
        while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
            time.sleep(0.2)
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        values: list[bytes] = []
        while len(values) < expect and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                values.extend(bytes(r.value) for r in records)
        return values
    finally:
        consumer.close()


@needs_stunnel
@pytest.mark.parametrize("which", ["sasl_ssl", "mtls"])
def test_cli_send_and_leave_through_a_secured_broker(which: str, request: pytest.FixtureRequest) -> None:
    broker: SecureBroker = request.getfixturevalue(which)
    topic = topic_name()
    env = {**broker.env, "LINEAGE_COHORTS": "secureCohort", "LINEAGE_TOPIC_ROOT": f"t.{topic}"}
    sent = cli(env, "send", "--topic", topic, stdin='{"a": 1}\n{"a": 2}\n')
    assert sent.returncode == 0, sent.stderr
    assert "wrote 2 events" in sent.stdout
    assert sorted(read_back(connection(broker.env), topic, 2)) == [b'{"a": 1}', b'{"a": 2}']

    left = cli(env, "leave", "--cohort", "secureCohort")
    assert left.returncode == 0, left.stderr
    registration = f"t.{topic}.openmetadata.repositoryservices.cohort.secureCohort.OMRSTopic.registration"
    assert registration in left.stdout
    [event] = read_back(connection(broker.env), registration, 1)
    assert b"UN_REGISTRATION_EVENT" in event


def test_cli_send_with_a_wrong_password_fails_in_one_line_within_ten_seconds(sasl: SecureBroker) -> None:
    started = time.monotonic()
    result = cli(sasl.env_with(sasl_password="wrong"), "send", "--topic", topic_name(), stdin='{"a": 1}\n')
    took = time.monotonic() - started
    assert result.returncode == 2
    assert took < 10, took
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("lineage-integrator: could not write to the broker at localhost:")
    assert "SASL_PLAINTEXT SCRAM-SHA-512 as lineage" in line
    assert "wrong" not in line.split("as lineage")[1]


# --------------------------------------------------------------------------- a worker


def worker_env(broker: SecureBroker, **changes: str | None) -> dict[str, str]:
    """A server of its own on `broker`, configured only through LINEAGE_* variables."""
    name = f"sec{uuid.uuid4().hex[:8]}"
    return {
        **broker.env_with(**changes),
        "LINEAGE_SERVER_NAME": name,
        "LINEAGE_TOPIC_ROOT": f"t.{name}",
        "LINEAGE_OPENLINEAGE_TOPICS": f"{name}.openlineage.events",
        "LINEAGE_API_TOKEN": "worker-token",
    }


def kafka_request(api_key: int, correlation_id: int) -> bytes:
    """A version-0 request with an empty body (enough for the terminators to judge it)."""
    body = struct.pack(">hhih", api_key, 0, correlation_id, 4) + b"test" + struct.pack(">i", 0)
    return struct.pack(">i", len(body)) + body


def answer_to(conn: socket.socket, request: bytes) -> bytes:
    conn.sendall(request)
    try:
        return conn.recv(4096)
    except ConnectionError:
        return b""


@needs_stunnel
def test_the_sasl_ssl_listener_requires_both_tls_and_sasl(sasl_ssl: SecureBroker) -> None:
    """What the worker test below relies on: on the SASL_SSL listener a client speaking plain
    TCP gets no Kafka answer (stunnel wants a TLS handshake), and a TLS client that skips SASL
    is cut off at its first request (the SASL terminator)."""
    assert sasl_ssl.sasl is not None and sasl_ssl.certificates is not None
    host, port = sasl_ssl.bootstrap.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as plain:
        answer = answer_to(plain, kafka_request(3, 1))
    assert answer == b"" or answer[:1] == b"\x15", answer  # nothing, or a TLS alert record

    before = sasl_ssl.sasl.refused["unauthenticated request"]
    context = ssl.create_default_context(cafile=str(sasl_ssl.certificates.ca_file))
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        assert answer_to(tls, kafka_request(3, 1)) == b""
    assert sasl_ssl.sasl.refused["unauthenticated request"] > before


@needs_stunnel
def test_a_worker_on_a_broker_that_requires_scram_over_tls(sasl_ssl: SecureBroker, tmp_path: Path) -> None:
    """A real `lineage-integrator worker` on a SASL_SSL broker: TLS (stunnel, the test CA) and then
    SCRAM-SHA-256 (the SASL terminator) are both enforced on the same listener, so this one
    worker start covers "a broker that requires SASL/SCRAM" and "a broker that requires TLS":
    a plain TCP client or a TLS client without SASL never reaches the broker
    (`test_the_sasl_ssl_listener_requires_both_tls_and_sasl`). The worker reaches /ready, a REST-posted OpenLineage
    event lands on its internal topic (read back through the secured listener), its start-up
    log names the protocol and mechanism but never the password, and a worker with a wrong
    password ends its start with one clear line and a non-zero exit."""
    assert sasl_ssl.sasl is not None
    env = worker_env(sasl_ssl)
    before = sasl_ssl.sasl.authenticated[("SCRAM-SHA-256", USER)]
    worker = WorkerProcess(env=client_env(env), data_dir=tmp_path / "data").start()
    try:
        worker.wait_ready(timeout=60)
        run_id = str(uuid.uuid4())
        answer = worker.post(
            "/api/v1/lineage",
            data=encoded(run_event("secured.load", run_id=run_id)),
            headers={"Content-Type": "application/json", "Authorization": "Bearer worker-token"},
        )
        assert answer.status_code == 200, answer.text
        internal = TopicNames.from_settings(settings_of(env)).openlineage_internal
        [stored] = [v for v in read_back(connection(sasl_ssl.env), internal, 1) if run_id.encode() in v]
        assert orjson.loads(stored)["run"]["runId"] == run_id
        log = worker.log_text()
    finally:
        worker.kill()
    assert sasl_ssl.sasl.authenticated[("SCRAM-SHA-256", USER)] > before
    assert "SASL_SSL SCRAM-SHA-256 as lineage" in log
    assert PASSWORD not in log

    wrong = WorkerProcess(
        env=client_env(worker_env(sasl_ssl, sasl_password="not-the-password")), data_dir=tmp_path / "wrong"
    ).start()
    try:
        assert wrong.process is not None
        started = time.monotonic()
        code = wrong.process.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        wrong.kill()
    failure = wrong.log_text()
    assert code != 0, failure
    assert took < 15, took
    assert "not-the-password" not in failure
    [line] = [line for line in failure.splitlines() if line.startswith("lineage-integrator:")]
    assert line.startswith("lineage-integrator: the broker refused the connection (localhost:"), failure
    assert "SASL_SSL SCRAM-SHA-256 as lineage" in line and "SaslAuthenticationFailed" in line
    assert "Traceback" not in failure
