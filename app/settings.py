"""Configuration from `LINEAGE_*` environment variables (the contract in DESIGN.md).

Every replica of one server reads the same variables, so everything that must agree
between replicas (server name, collection id, topic names) is derived here and nowhere else.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# uuid5 namespace for collection ids derived from a server name: fixed forever, so a
# server keeps its identity in the cohort across restarts and upgrades.
COLLECTION_ID_NAMESPACE = uuid.UUID("6f1f0a4e-3c0a-5a7e-9a51-6c1ad0e1a9b1")


class CohortTopicStructure(StrEnum):
    """How a cohort lays out its topics (Egeria's CohortTopicStructure)."""

    DEDICATED_TOPICS = "DEDICATED_TOPICS"
    SINGLE_TOPIC = "SINGLE_TOPIC"
    BOTH_SINGLE_AND_DEDICATED_TOPICS = "BOTH_SINGLE_AND_DEDICATED_TOPICS"


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
        description="kafka://host:port[;host:port]; unset means the embedded broker",
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
        default=None, description="REST address other members see; default http://<hostname>:<web_port>"
    )
    api_token: str | None = None
    api_reads_open: bool = Field(
        default=False, description="with api_token set, let REST reads through without the token"
    )
    data_dir: Path = Path("./.lineage-data")

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

    @field_validator(
        "cohorts", "asset_manager_servers", "openlineage_topics", "reference_copy_types", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("broker")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parse_broker_url(value)
        return value

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
    def bootstrap_servers(self) -> list[str]:
        """host:port pairs of the configured broker (empty when the embedded one is used)."""
        return parse_broker_url(self.broker) if self.broker else []

    def faust_broker_url(self) -> str:
        return ";".join(f"kafka://{hp}" for hp in self.bootstrap_servers)


def parse_broker_url(url: str) -> list[str]:
    """`kafka://h1:9092;h2:9092` (the scheme may be left out) -> ['h1:9092', 'h2:9092']."""
    hosts: list[str] = []
    for part in url.replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        scheme, sep, rest = part.partition("://")
        if sep and scheme != "kafka":
            raise ValueError(f"unsupported scheme {scheme!r} in {url!r}: use kafka://host:port")
        hostport = rest if sep else part
        host, colon, port = hostport.rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{hostport!r} in {url!r} is not host:port (example: kafka://localhost:9092)")
        hosts.append(hostport)
    if not hosts:
        raise ValueError(f"{url!r} names no broker (example: kafka://localhost:9092)")
    return hosts


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise SettingsError with one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            name = "LINEAGE_" + "_".join(str(p) for p in err["loc"][:1]).upper()
            given = err.get("input")
            lines.append(f"{name}={given!r}: {err['msg']}")
        raise SettingsError("bad configuration:\n  " + "\n  ".join(lines)) from None
