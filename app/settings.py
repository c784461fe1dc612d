"""Configuration from `LINEAGE_*` environment variables (the contract in DESIGN.md).

Every replica of one server reads the same variables, so everything that must agree
between replicas (server name, collection id, topic names) is derived here and nowhere else.
"""

from __future__ import annotations

import os
import ssl
import uuid
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agents.cohort_identity import CohortIdentity
from agents.cohort_topics import CohortTopicStructure
from runtime.kafka_config import KafkaConnection, SaslMechanism, SecurityProtocol

# uuid5 namespace for collection ids derived from a server name: fixed forever, so a
# server keeps its identity in the cohort across restarts and upgrades.
COLLECTION_ID_NAMESPACE = uuid.UUID("6f1f0a4e-3c0a-5a7e-9a51-6c1ad0e1a9b1")


class SettingsError(ValueError):
    """A `LINEAGE_*` variable has a value the service cannot use; the message names it."""


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """One server's configuration. Field names map to `LINEAGE_<NAME>` variables."""

    model_config = SettingsConfigDict(env_prefix="LINEAGE_", extra="ignore", validate_default=True)

    broker: str | None = Field(
        default=None,
        description="kafka://host:port[;host:port] (kafka+ssl:// for TLS); unset means the embedded broker",
    )
    server_name: str = Field(default="lineage-integrator", min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    metadata_collection_id: str | None = None
    metadata_collection_name: str | None = None
    organization_name: str = "lineage-integrator"
    cohorts: CommaList = Field(default_factory=lambda: ["cocoCohort"])
    topic_root: str = Field(default="egeria.omag", min_length=1)
    cohort_topic_structure: CohortTopicStructure = CohortTopicStructure.DEDICATED_TOPICS
    asset_manager_servers: CommaList = Field(default_factory=list)
    openlineage_topics: CommaList = Field(default_factory=lambda: ["openlineage.events"])
    reference_copy_types: CommaList = Field(
        default_factory=list,
        description="type names whose instances are kept as reference copies (subtypes included); "
        "empty means the lineage types of schemas.open_metadata_types",
    )
    connectors: Path | None = None
    web_port: int = Field(default=6066, ge=1, le=65535)
    web_host: str = "0.0.0.0"
    advertised_url: str | None = Field(
        default=None,
        description="REST address other cohort members use, the same for every replica (a load "
        "balancer's); default http://localhost:<web_port>",
    )
    api_token: str | None = None
    api_reads_open: bool = Field(
        default=False, description="with api_token set, let REST reads through without the token"
    )
    data_dir: Path = Path("./.lineage-data")
    read_models: Literal["on", "off"] = Field(
        default="on",
        description="on: this replica folds the internal OpenLineage topic into its read model and "
        "answers the lineage reads; off: an ingest replica, which answers them with 503",
    )

    # Operational knobs (not in the external contract, all with safe defaults).
    embedded_broker_port: int = Field(default=9092, ge=1, le=65535)
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    max_event_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_batch_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    session_timeout_s: float = Field(default=10.0, gt=0)
    rebalance_timeout_s: float = Field(default=10.0, gt=0)
    heartbeat_interval_s: float = Field(default=1.0, gt=0)
    log_level: str = "info"
    stream_batch_records: int = Field(default=2000, ge=1, description="records a batch stream takes at once")
    stream_fetch_wait_ms: int = Field(
        default=25, ge=1, le=5000, description="longest a fetch waits for data: bounds idle latency"
    )
    producer_linger_s: float = Field(default=0.005, ge=0, le=1)

    # How every Kafka client of the service and its CLI connects (runtime/kafka_config.py).
    kafka_security_protocol: SecurityProtocol | None = Field(
        default=None, description="unset: SSL for a kafka+ssl:// broker URL, else PLAINTEXT"
    )
    kafka_sasl_mechanism: SaslMechanism | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_password_file: Path | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_check_hostname: bool = True

    @field_validator(
        "cohorts", "asset_manager_servers", "openlineage_topics", "reference_copy_types", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("read_models", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("broker")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parse_broker_url(value)
        return value

    @field_validator(
        "kafka_sasl_password_file", "kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile"
    )
    @classmethod
    def _readable_file(cls, value: Path | None) -> Path | None:
        if value is None or str(value) == "":
            return None
        if not value.is_file():
            raise ValueError(f"{value} is not a file")
        if not os.access(value, os.R_OK):
            raise ValueError(f"{value} is not readable by this user")
        return value

    @field_validator(
        "kafka_security_protocol",
        "kafka_sasl_mechanism",
        "kafka_sasl_username",
        "kafka_sasl_password",
        "kafka_sasl_password_file",
        "kafka_ssl_cafile",
        "kafka_ssl_certfile",
        "kafka_ssl_keyfile",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable is an unset one (compose files pass `${VAR:-}` through)."""
        return None if value == "" else value

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derive_identity(self) -> Settings:
        if not self.metadata_collection_id:
            self.metadata_collection_id = str(uuid.uuid5(COLLECTION_ID_NAMESPACE, self.server_name))
        if not self.metadata_collection_name:
            self.metadata_collection_name = f"{self.server_name} lineage catalogue"
        return self

    @property
    def collection_id(self) -> str:
        """This member's metadata collection id (derived if not configured, so never None)."""
        assert self.metadata_collection_id is not None
        return self.metadata_collection_id

    @property
    def keeps_read_models(self) -> bool:
        """Whether this replica keeps the lineage read models (LINEAGE_READ_MODELS)."""
        return self.read_models == "on"

    @property
    def rest_url(self) -> str:
        """The REST address other cohort members are given (LINEAGE_ADVERTISED_URL)."""
        return (self.advertised_url or f"http://localhost:{self.web_port}").rstrip("/")

    def cohort_identity(self) -> CohortIdentity:
        """This server as a cohort member: derived from settings every replica shares."""
        return CohortIdentity(
            collection_id=self.collection_id,
            server_name=self.server_name,
            metadata_collection_name=self.metadata_collection_name or self.server_name,
            organization_name=self.organization_name,
            advertised_url=self.rest_url,
        )

    @property
    def bootstrap_servers(self) -> list[str]:
        """host:port pairs of the configured broker (empty when the embedded one is used)."""
        return parse_broker_url(self.broker) if self.broker else []

    @property
    def security_protocol(self) -> SecurityProtocol:
        """LINEAGE_KAFKA_SECURITY_PROTOCOL, else SSL for a kafka+ssl:// broker, else PLAINTEXT."""
        if self.kafka_security_protocol is not None:
            return self.kafka_security_protocol
        if self.broker and broker_url_scheme(self.broker) == TLS_SCHEME:
            return SecurityProtocol.SSL
        return SecurityProtocol.PLAINTEXT

    def kafka_connection(self, bootstrap: list[str] | None = None) -> KafkaConnection:
        """How every Kafka client connects: `bootstrap` (default: LINEAGE_BROKER's servers)
        with the LINEAGE_KAFKA_* security settings. Raises SettingsError when they do not fit."""
        problems = kafka_security_problems(self)
        if problems:
            raise SettingsError(_format_problems(problems))
        return KafkaConnection(
            bootstrap_servers=tuple(bootstrap if bootstrap is not None else self.bootstrap_servers),
            security_protocol=self.security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            sasl_username=self.kafka_sasl_username,
            sasl_password=self.kafka_sasl_password,
            sasl_password_file=self.kafka_sasl_password_file,
            ssl_cafile=self.kafka_ssl_cafile,
            ssl_certfile=self.kafka_ssl_certfile,
            ssl_keyfile=self.kafka_ssl_keyfile,
            ssl_check_hostname=self.kafka_ssl_check_hostname,
        )


PLAIN_SCHEME = "kafka"
TLS_SCHEME = "kafka+ssl"
BROKER_SCHEMES = (PLAIN_SCHEME, TLS_SCHEME)


def broker_url_scheme(url: str) -> str | None:
    """The scheme every host of `url` shares (None when none is written)."""
    schemes = {part.partition("://")[0] for part in url.replace(",", ";").split(";") if "://" in part}
    return schemes.pop() if len(schemes) == 1 else None


Problem = tuple[str, str]
"""A bad setting: (field name, what is wrong)."""


def kafka_security_problems(settings: Settings) -> list[Problem]:
    """What is wrong with the LINEAGE_KAFKA_* settings taken together, one entry per variable."""
    problems: list[Problem] = []
    protocol = settings.security_protocol
    named = f"LINEAGE_KAFKA_SECURITY_PROTOCOL={protocol.value}"
    mechanism = settings.kafka_sasl_mechanism
    if settings.broker and broker_url_scheme(settings.broker) == TLS_SCHEME and not protocol.uses_tls:
        problems.append(
            (
                "kafka_security_protocol",
                f"{protocol.value} contradicts the kafka+ssl:// of LINEAGE_BROKER "
                "(use SSL or SASL_SSL, or write kafka://)",
            )
        )
    if not settings.broker and protocol is not SecurityProtocol.PLAINTEXT:
        problems.append(
            (
                "kafka_security_protocol",
                f"{protocol.value} needs LINEAGE_BROKER: the embedded broker speaks PLAINTEXT only",
            )
        )
    if protocol.uses_sasl:
        problems.extend(_sasl_problems(settings, mechanism))
    else:
        for field in (
            "kafka_sasl_mechanism",
            "kafka_sasl_username",
            "kafka_sasl_password",
            "kafka_sasl_password_file",
        ):
            if getattr(settings, field) is not None:
                problems.append(
                    (field, f"is set, but {named} does not use SASL (use SASL_PLAINTEXT or SASL_SSL)")
                )
    tls_files = ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")
    if protocol.uses_tls:
        problems.extend(_tls_problems(settings))
    else:
        for field in tls_files:
            if getattr(settings, field) is not None:
                problems.append((field, f"is set, but {named} does not use TLS (use SSL or SASL_SSL)"))
    return problems


def _sasl_problems(settings: Settings, mechanism: SaslMechanism | None) -> list[Problem]:
    protocol = settings.security_protocol.value
    if mechanism is None:
        choices = ", ".join(m.value for m in SaslMechanism)
        return [("kafka_sasl_mechanism", f"is required with {protocol} (one of {choices})")]
    problems: list[Problem] = []
    if mechanism.needs_username and not settings.kafka_sasl_username:
        problems.append(("kafka_sasl_username", f"is required with {mechanism.value}"))
    password, password_file = settings.kafka_sasl_password, settings.kafka_sasl_password_file
    secret = "token" if mechanism is SaslMechanism.OAUTHBEARER else "password"
    if password is not None and password_file is not None:
        problems.append(
            ("kafka_sasl_password_file", "is set together with LINEAGE_KAFKA_SASL_PASSWORD: keep one")
        )
    elif password is None and password_file is None:
        problems.append(
            (
                "kafka_sasl_password",
                f"is required with {mechanism.value} (the {secret}; "
                "or name a file holding it in LINEAGE_KAFKA_SASL_PASSWORD_FILE)",
            )
        )
    elif password_file is not None and not password_file.read_text(encoding="utf-8").strip():
        problems.append(("kafka_sasl_password_file", f"{password_file} is empty"))
    return problems


def _tls_problems(settings: Settings) -> list[Problem]:
    if settings.kafka_ssl_keyfile is not None and settings.kafka_ssl_certfile is None:
        return [
            ("kafka_ssl_keyfile", "needs LINEAGE_KAFKA_SSL_CERTFILE (the client certificate it belongs to)")
        ]
    try:
        context = ssl.create_default_context(
            ssl.Purpose.SERVER_AUTH,
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
        )
    except (ssl.SSLError, OSError) as exc:
        return [("kafka_ssl_cafile", f"holds no usable CA certificate: {exc}")]
    if settings.kafka_ssl_certfile is not None:
        try:
            context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile)
        except (ssl.SSLError, OSError) as exc:
            return [("kafka_ssl_certfile", f"could not be loaded with its key: {exc}")]
    return []


def _format_problems(problems: list[Problem]) -> str:
    return "bad configuration:\n  " + "\n  ".join(
        f"{'LINEAGE_' + field.upper()}: {message}" for field, message in problems
    )


def parse_broker_url(url: str) -> list[str]:
    """`kafka://h1:9092;h2:9092` (the scheme may be left out) -> ['h1:9092', 'h2:9092'].

    `kafka+ssl://` says the brokers speak TLS (LINEAGE_KAFKA_SECURITY_PROTOCOL then defaults
    to SSL); every host of one URL has the same scheme.
    """
    hosts: list[str] = []
    for part in url.replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        scheme, sep, rest = part.partition("://")
        if sep and scheme not in BROKER_SCHEMES:
            raise ValueError(
                f"unsupported scheme {scheme!r} in {url!r}: use kafka://host:port (or kafka+ssl:// for TLS)"
            )
        hostport = rest if sep else part
        host, colon, port = hostport.rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{hostport!r} in {url!r} is not host:port (example: kafka://localhost:9092)")
        hosts.append(hostport)
    if not hosts:
        raise ValueError(f"{url!r} names no broker (example: kafka://localhost:9092)")
    if len({part.partition("://")[0] for part in url.replace(",", ";").split(";") if "://" in part}) > 1:
        raise ValueError(f"{url!r} mixes kafka:// and kafka+ssl://: one cluster speaks one protocol")
    return hosts


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise SettingsError with one line per bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            name = "LINEAGE_" + "_".join(str(p) for p in err["loc"][:1]).upper()
            given = "<hidden>" if "password" in name.lower() else err.get("input")
            lines.append(f"{name}={given!r}: {err['msg']}")
        raise SettingsError("bad configuration:\n  " + "\n  ".join(lines)) from None
    problems = kafka_security_problems(settings)
    if problems:
        raise SettingsError(_format_problems(problems))
    return settings
