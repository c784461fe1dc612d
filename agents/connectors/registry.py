"""Which connectors exist and which ones run: entry points and the LINEAGE_CONNECTORS file.

A connector is *registered* when an installed package names it under the entry point
group `lineage_integrator.connectors` (`name = "package.module:ConnectorClass"`), or when
the LINEAGE_CONNECTORS file gives its `class`. A registered connector *runs* when the
file lists it; with no file, the defaults run (`file-log-store`, `cataloguer`), each
skipped with an info line when it is not installed.

The file (YAML or JSON) is a list of connector instances, or `{"connectors": [...]}`:

    connectors:
      - name: file-log-store              # a registered name; also the instance name
        settings: {directory: /var/lib/lineage/log}
      - name: marquez                     # an instance name of your choice ...
        connector: api-log-store          # ... of this registered connector
        settings: {url: "http://marquez:5000"}
        failure: {then: retry-topic, retries: 2}
        refresh_interval_s: 3600
      - name: my-connector
        class: my_package.lineage:MyConnector   # not installed as an entry point

Nothing here imports a name that came from a request: `lookup` matches strings against
what is registered (names, entry point targets, Egeria provider class names) and only
`Registered.load` imports, and only a registered target.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agents.connectors.base import Connector

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "lineage_integrator.connectors"

DEFAULT_CONNECTORS: tuple[str, ...] = ("file-log-store", "cataloguer")
"""What runs with no LINEAGE_CONNECTORS file: what needs no settings, so events land at once."""

_EGERIA_PACKAGE = "org.odpi.openmetadata.adapters.connectors.integration.openlineage."
EGERIA_PROVIDERS: dict[str, str] = {
    _EGERIA_PACKAGE + "OpenLineageEventReceiverIntegrationProvider": "event-receiver",
    _EGERIA_PACKAGE + "FileBasedOpenLineageLogStoreProvider": "file-log-store",
    _EGERIA_PACKAGE + "APIBasedOpenLineageLogStoreProvider": "api-log-store",
    _EGERIA_PACKAGE + "GovernanceActionOpenLineageIntegrationProvider": "governance-action-publisher",
    _EGERIA_PACKAGE + "OpenLineageCataloguerIntegrationProvider": "cataloguer",
}
"""Egeria's connector provider class names of the connectors built in here, so that a
`validate-connector` call written for Egeria finds them."""

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class ConnectorConfigError(ValueError):
    """LINEAGE_CONNECTORS (or a connector's settings) cannot be used; the message says where
    (`lineage-integrator worker` prints it and exits 2, as for a bad variable)."""


@dataclass(frozen=True, slots=True)
class Registered:
    """A connector that can be configured: its name and the `module:Class` that implements it."""

    name: str
    target: str
    source: str

    @property
    def class_path(self) -> str:
        """`module.Class`, the Python spelling of a provider class name."""
        return self.target.replace(":", ".")

    def load(self) -> type[Connector[Any]]:
        """Import the connector class (only ever a registered target)."""
        module_name, _, attr = self.target.partition(":")
        try:
            obj: Any = importlib.import_module(module_name)
            for part in attr.split("."):
                obj = getattr(obj, part)
        except Exception as exc:
            raise ConnectorConfigError(
                f"connector {self.name!r} ({self.source}): cannot import {self.target}: {type(exc).__name__}: {exc}"
            ) from exc
        if not (isinstance(obj, type) and issubclass(obj, Connector)):
            raise ConnectorConfigError(
                f"connector {self.name!r} ({self.source}): {self.target} is not a subclass of "
                "agents.connectors.base.Connector"
            )
        return obj


class ConnectorConfig(BaseModel):
    """One connector instance in the LINEAGE_CONNECTORS file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=_NAME)
    connector: str | None = Field(default=None, description="registered connector name; default: name")
    class_: str | None = Field(
        default=None, alias="class", description="module:Class, when not an entry point"
    )
    settings: dict[str, Any] = Field(default_factory=dict)
    failure: dict[str, Any] = Field(default_factory=dict)
    refresh_interval_s: float | None = Field(default=None, gt=0)
    enabled: bool = True

    @model_validator(mode="after")
    def _one_source(self) -> ConnectorConfig:
        if self.class_ is not None:
            if self.connector is not None:
                raise ValueError("give either `connector` (a registered name) or `class`, not both")
            if not _TARGET.match(self.class_):
                raise ValueError(f"`class` must look like package.module:ClassName, not {self.class_!r}")
        return self

    @property
    def registered_name(self) -> str:
        return self.connector or self.name


class _ConnectorsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connectors: list[ConnectorConfig]


def registered_entry_points() -> dict[str, Registered]:
    """Every connector installed packages register, by name (no import happens here)."""
    found: dict[str, Registered] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        source = f"entry point of {dist.name}" if dist is not None else "entry point"
        if ep.name in found and found[ep.name].target != ep.value:
            log.warning(
                "Connector name %r is registered twice (%s and %s); using %s",
                ep.name,
                found[ep.name].target,
                ep.value,
                found[ep.name].target,
            )
            continue
        found[ep.name] = Registered(name=ep.name, target=ep.value, source=source)
    return found


def read_connectors_file(path: Path) -> list[ConnectorConfig]:
    """Parse LINEAGE_CONNECTORS (YAML or JSON, by content); every problem in one message."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConnectorConfigError(
            f"LINEAGE_CONNECTORS={path}: cannot read it: {exc.strerror or exc}"
        ) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConnectorConfigError(f"LINEAGE_CONNECTORS={path}: not valid YAML/JSON: {exc}") from None
    if data is None:
        data = []
    if isinstance(data, list):
        data = {"connectors": data}
    try:
        configs = _ConnectorsFile.model_validate(data).connectors
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        ]
        raise ConnectorConfigError(f"LINEAGE_CONNECTORS={path}:\n  " + "\n  ".join(lines)) from None
    names = [c.name for c in configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConnectorConfigError(f"LINEAGE_CONNECTORS={path}: connector names must be unique: {duplicates}")
    return configs


@dataclass(frozen=True)
class ConnectorRegistry:
    """What is registered and which instances run; built once per worker."""

    registered: dict[str, Registered]
    configured: list[tuple[ConnectorConfig, Registered]]
    source: str

    def lookup(self, name: str) -> Registered | None:
        """The registered connector a name designates, by string comparison only.

        Accepts the registered name, its `module:Class` target, its dotted class path,
        and (for the built-ins) Egeria's connector provider class name.
        """
        name = name.strip()
        alias = EGERIA_PROVIDERS.get(name)
        for registered in self.registered.values():
            if (
                name in (registered.name, registered.target, registered.class_path)
                or alias == registered.name
            ):
                return registered
        return None

    def instances_of(self, registered: Registered) -> list[ConnectorConfig]:
        return [config for config, reg in self.configured if reg == registered]


def build_registry(connectors_file: Path | None) -> ConnectorRegistry:
    """Entry points plus the file's classes; the instances to run (file, else defaults)."""
    registered = registered_entry_points()
    if connectors_file is None:
        configured = []
        for name in DEFAULT_CONNECTORS:
            if name in registered:
                configured.append((ConnectorConfig(name=name), registered[name]))
            else:
                log.info("Default connector %r is not installed: skipped", name)
        return ConnectorRegistry(registered=registered, configured=configured, source="defaults")

    configured = []
    for config in read_connectors_file(connectors_file):
        if config.class_ is not None:
            reg = Registered(name=config.name, target=config.class_, source=f"class in {connectors_file}")
            clash = registered.get(config.name)
            if clash is not None and clash.target != config.class_:
                raise ConnectorConfigError(
                    f"LINEAGE_CONNECTORS={connectors_file}: {config.name!r} is already the registered name of "
                    f"{clash.target}; give this instance another name"
                )
            registered[config.name] = reg
        else:
            found = registered.get(config.registered_name)
            if found is None:
                known = ", ".join(sorted(registered)) or "none"
                raise ConnectorConfigError(
                    f"LINEAGE_CONNECTORS={connectors_file}: connector {config.name!r} names "
                    f"{config.registered_name!r}, which no installed package registers (registered: {known})"
                )
            reg = found
        if config.enabled:
            configured.append((config, reg))
        else:
            log.info("Connector %r is disabled in %s", config.name, connectors_file)
    return ConnectorRegistry(registered=registered, configured=configured, source=str(connectors_file))
