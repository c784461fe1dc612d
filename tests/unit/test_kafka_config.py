"""LINEAGE_KAFKA_* settings: what each client library is given, what is refused, what is never shown.

Expected keyword names are the libraries' own (aiokafka 0.14 `AIOKafkaProducer.__init__`,
kafka-python 3.0 `KafkaProducer.DEFAULT_CONFIG`), checked here against the installed
classes so a renamed argument fails this test rather than a connection in production.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import ssl
from pathlib import Path

import pytest
import trustme
from aiokafka import AIOKafkaProducer
from kafka import KafkaProducer

from app.settings import SettingsError, load_settings
from runtime.kafka_config import AIOKafkaBearerToken, KafkaConnection, KafkaPythonBearerToken

SECRET = "pa55-word-never-shown"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LINEAGE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, Path]:
    ca = trustme.CA()
    client = ca.issue_cert("client.test")
    paths = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "cert.pem", "key": tmp_path / "key.pem"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    client.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    client.private_key_pem.write_to_path(str(paths["key"]))
    return paths


def settings_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(f"LINEAGE_{name.upper()}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    return str(caught.value)


def test_the_default_is_plaintext_with_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_BROKER", "kafka://k1:9092;k2:9092")
    kwargs = load_settings().kafka_connection().kafka_python_kwargs()
    assert kwargs == {"bootstrap_servers": ["k1:9092", "k2:9092"], "security_protocol": "PLAINTEXT"}


def test_scram_reaches_both_libraries_under_their_own_argument_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_BROKER", "kafka://k1:9093")
    monkeypatch.setenv("LINEAGE_KAFKA_SECURITY_PROTOCOL", "sasl_plaintext")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_PASSWORD", SECRET)
    connection = load_settings().kafka_connection()
    expected = {
        "bootstrap_servers": ["k1:9093"],
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc",
        "sasl_plain_password": SECRET,
    }
    assert connection.kafka_python_kwargs() == expected
    assert connection.aiokafka_kwargs() == {**expected, "ssl_context": None}
    aiokafka_names = set(inspect.signature(AIOKafkaProducer.__init__).parameters)
    assert set(connection.aiokafka_kwargs()) <= aiokafka_names
    assert set(connection.kafka_python_kwargs()) <= set(KafkaProducer.DEFAULT_CONFIG)


def test_tls_with_a_client_certificate_builds_one_context(
    monkeypatch: pytest.MonkeyPatch, certs: dict[str, Path]
) -> None:
    monkeypatch.setenv("LINEAGE_BROKER", "kafka+ssl://k1:9093")
    monkeypatch.setenv("LINEAGE_KAFKA_SSL_CAFILE", str(certs["ca"]))
    monkeypatch.setenv("LINEAGE_KAFKA_SSL_CERTFILE", str(certs["cert"]))
    monkeypatch.setenv("LINEAGE_KAFKA_SSL_KEYFILE", str(certs["key"]))
    connection = load_settings().kafka_connection()
    assert connection.security_protocol == "SSL"  # from the kafka+ssl:// scheme
    for kwargs in (connection.aiokafka_kwargs(), connection.kafka_python_kwargs()):
        context = kwargs["ssl_context"]
        assert isinstance(context, ssl.SSLContext)
        assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
        assert len(context.get_ca_certs()) == 1


def test_hostname_checking_can_be_turned_off_but_the_chain_is_still_verified(
    monkeypatch: pytest.MonkeyPatch, certs: dict[str, Path]
) -> None:
    monkeypatch.setenv("LINEAGE_BROKER", "kafka+ssl://10.0.0.1:9093")
    monkeypatch.setenv("LINEAGE_KAFKA_SSL_CAFILE", str(certs["ca"]))
    monkeypatch.setenv("LINEAGE_KAFKA_SSL_CHECK_HOSTNAME", "false")
    context = load_settings().kafka_connection().ssl_context()
    assert context is not None
    assert not context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED


def test_a_password_file_is_read_at_each_client_so_rotation_is_picked_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "password"
    secret_file.write_text("first\n")
    monkeypatch.setenv("LINEAGE_BROKER", "kafka://k1:9093")
    monkeypatch.setenv("LINEAGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_PASSWORD_FILE", str(secret_file))
    connection = load_settings().kafka_connection()
    assert connection.kafka_python_kwargs()["sasl_plain_password"] == "first"
    secret_file.write_text("second")
    assert connection.aiokafka_kwargs()["sasl_plain_password"] == "second"


def test_oauthbearer_hands_each_library_a_token_provider_reading_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("eyJ.first\n")
    monkeypatch.setenv("LINEAGE_BROKER", "kafka://k1:9093")
    monkeypatch.setenv("LINEAGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_MECHANISM", "OAUTHBEARER")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_PASSWORD_FILE", str(token_file))
    connection = load_settings().kafka_connection()
    aio = connection.aiokafka_kwargs()["sasl_oauth_token_provider"]
    sync = connection.kafka_python_kwargs()["sasl_oauth_token_provider"]
    assert isinstance(aio, AIOKafkaBearerToken) and isinstance(sync, KafkaPythonBearerToken)
    assert "sasl_plain_password" not in connection.kafka_python_kwargs()
    assert asyncio.run(aio.token()) == "eyJ.first" and sync.token() == "eyJ.first"
    token_file.write_text("eyJ.second")
    assert asyncio.run(aio.token()) == "eyJ.second" and sync.token() == "eyJ.second"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"kafka_security_protocol": "SSL"},
            "LINEAGE_KAFKA_SECURITY_PROTOCOL: SSL needs LINEAGE_BROKER: the embedded broker speaks PLAINTEXT only",
        ),
        (
            {"broker": "kafka://k:1", "kafka_security_protocol": "SASL_SSL"},
            "LINEAGE_KAFKA_SASL_MECHANISM: is required with SASL_SSL",
        ),
        (
            {
                "broker": "kafka://k:1",
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "SCRAM-SHA-256",
                "kafka_sasl_password": SECRET,
            },
            "LINEAGE_KAFKA_SASL_USERNAME: is required with SCRAM-SHA-256",
        ),
        (
            {"broker": "kafka://k:1", "kafka_sasl_username": "svc"},
            "LINEAGE_KAFKA_SASL_USERNAME: is set, but LINEAGE_KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL",
        ),
        (
            {
                "broker": "kafka+ssl://k:1",
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "OAUTHBEARER",
                "kafka_sasl_password": SECRET,
            },
            "LINEAGE_KAFKA_SECURITY_PROTOCOL: SASL_PLAINTEXT contradicts the kafka+ssl:// of LINEAGE_BROKER",
        ),
        ({"kafka_sasl_mechanism": "KERBEROS"}, "LINEAGE_KAFKA_SASL_MECHANISM='KERBEROS': Input should be"),
        (
            {"kafka_ssl_cafile": "/no/such/ca.pem"},
            "LINEAGE_KAFKA_SSL_CAFILE='/no/such/ca.pem': Value error, /no/such/ca.pem is not a file",
        ),
        ({"broker": "kafka+ssl://a:1;kafka://b:2"}, "mixes kafka:// and kafka+ssl://"),
        ({"broker": "https://k:1"}, "unsupported scheme 'https'"),
    ],
)
def test_bad_settings_give_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    message = settings_error(monkeypatch, **env)
    assert expected in message
    assert len(message.splitlines()) == 2  # "bad configuration:" and the one bad variable


def test_both_password_and_password_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("x")
    message = settings_error(
        monkeypatch,
        broker="kafka://k:1",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="svc",
        kafka_sasl_password=SECRET,
        kafka_sasl_password_file=str(tmp_path / "pw"),
    )
    assert "LINEAGE_KAFKA_SASL_PASSWORD_FILE: is set together with LINEAGE_KAFKA_SASL_PASSWORD" in message
    assert SECRET not in message


def test_a_certificate_without_its_key_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, certs: dict[str, Path]
) -> None:
    message = settings_error(
        monkeypatch,
        broker="kafka+ssl://k:1",
        kafka_ssl_cafile=str(certs["ca"]),
        kafka_ssl_certfile=str(certs["cert"]),
    )
    assert "LINEAGE_KAFKA_SSL_CERTFILE: could not be loaded with its key" in message


def test_secrets_never_show_in_reprs_errors_or_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LINEAGE_BROKER", "kafka://k1:9093")
    monkeypatch.setenv("LINEAGE_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_PASSWORD", SECRET)
    settings = load_settings()
    connection = settings.kafka_connection()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("settings %r connection %s %r", settings, connection, connection)
    shown = [repr(settings), str(settings), repr(connection), connection.describe(), caplog.text]
    assert all(SECRET not in text for text in shown)
    assert connection.describe() == "k1:9093 SASL_PLAINTEXT SCRAM-SHA-256 as svc"
    monkeypatch.setenv("LINEAGE_KAFKA_SASL_PASSWORD", "")
    # An empty variable is an unset one (compose files pass `${VAR:-}` through).
    assert "LINEAGE_KAFKA_SASL_PASSWORD: is required with SCRAM-SHA-256" in settings_error(monkeypatch)


def test_a_connection_can_be_made_by_hand_for_the_runtime() -> None:
    connection = KafkaConnection(bootstrap_servers=("a:1",))
    assert connection.aiokafka_kwargs() == {
        "bootstrap_servers": ["a:1"],
        "security_protocol": "PLAINTEXT",
        "ssl_context": None,
    }


def test_the_access_check_tells_a_refusal_from_a_broker_not_answering_yet() -> None:
    """`check_access` raises only when a broker refused the client (credentials, mechanism,
    certificate), whatever wraps the refusal; nothing listening is left to start-up's retries."""
    from aiokafka.errors import KafkaConnectionError, SaslAuthenticationFailed

    from app.broker import free_port
    from runtime.clients import _refusal, check_access

    refused = SaslAuthenticationFailed("SCRAM authentication failed")
    wrapped = KafkaConnectionError("Unable to bootstrap")
    wrapped.__cause__ = refused
    assert _refusal(wrapped) is refused
    assert _refusal(ssl.SSLCertVerificationError("certificate verify failed")) is not None
    assert _refusal(KafkaConnectionError("Connection refused")) is None
    asyncio.run(check_access(KafkaConnection(bootstrap_servers=(f"127.0.0.1:{free_port()}",))))
