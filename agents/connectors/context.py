"""The connector context: everything a connector may do, as Egeria's LineageIntegratorContext.

- `register_openlineage_listener(fn)`: receive every OpenLineage event (parsed + raw bytes)
  that came in over REST, Kafka or from another connector (never the ones this connector
  published itself).
- `register_asset_manager_listener(fn, event_types)`: receive Asset Manager out-topic
  events of those types (all types when none are given).
- `await publish_openlineage_event(event)`: validate an event (dict, JSON, bytes, an
  official-client object) and publish it to every other connector; returns once stored.
- `await publish_instance_events(events)`: share OMRS instance events with the cohort
  (the cataloguer's way out; `agents.cohort_publisher` does the work).
- `service`: the whole `LineageService` (settings, topics, metrics, Faust app) for what a
  connector needs beyond the above; prefer the narrow methods, which keep working when
  the service changes.
- `settings` (the connector's validated settings), `name` (its instance name), `data_dir`
  (a directory of its own under LINEAGE_DATA_DIR), `log` (a logger named for it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from agents.connectors.base import AssetManagerListener, OpenLineageListener
from agents.openlineage_publish import accept_event, publish
from schemas.asset_manager import AssetManagerEventType

if TYPE_CHECKING:
    from app.service import LineageService


class ListenerRegistrationError(RuntimeError):
    """A connector registered a listener it declared it would not have (no agent runs for it)."""


@dataclass(eq=False)
class ConnectorContext:
    """One connector instance's view of the service."""

    name: str
    connector: str
    settings: BaseModel
    service: LineageService
    consumes_openlineage: bool = True
    openlineage_listeners: list[OpenLineageListener] = field(default_factory=list)
    asset_manager_listeners: list[tuple[frozenset[AssetManagerEventType] | None, AssetManagerListener]] = (
        field(default_factory=list)
    )

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"lineage_integrator.connector.{self.name}")

    @property
    def data_dir(self) -> Path:
        """`<LINEAGE_DATA_DIR>/connectors/<name>`, created on first use."""
        path = self.service.settings.data_dir / "connectors" / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def origin(self) -> str:
        """The origin header value of the events this connector publishes."""
        return f"connector:{self.name}"

    def register_openlineage_listener(self, listener: OpenLineageListener) -> None:
        """Receive every OpenLineage event on the internal topic (sync or async callable)."""
        if not self.consumes_openlineage:
            raise ListenerRegistrationError(
                f"connector {self.name!r} declares consumes_openlineage = False, so no agent delivers "
                "OpenLineage events to it; set it to True to register an OpenLineage listener"
            )
        self.openlineage_listeners.append(listener)

    def register_asset_manager_listener(
        self,
        listener: AssetManagerListener,
        event_types: Iterable[AssetManagerEventType | str] | None = None,
    ) -> None:
        """Receive Asset Manager out-topic events of `event_types` (every type when None)."""
        wanted = frozenset(AssetManagerEventType(t) for t in event_types) if event_types is not None else None
        self.asset_manager_listeners.append((wanted, listener))

    def wants_asset_manager(self, event_type: AssetManagerEventType) -> list[AssetManagerListener]:
        return [fn for types, fn in self.asset_manager_listeners if types is None or event_type in types]

    async def publish_openlineage_event(self, event: Any) -> None:
        """Validate one event and publish it to every other connector; return once it is stored.

        Raises `schemas.errors.EventValidationError` (with every problem and its JSON path)
        when it is not a valid event, `EventTooLarge` above LINEAGE_MAX_EVENT_BYTES.
        """
        accepted = accept_event(event, self.service.settings.max_event_bytes)
        await publish(self.service, accepted, origin=self.origin)

    async def publish_instance_events(self, events: Sequence[Any]) -> None:
        """Share OMRS instance events with the cohort (through `agents.cohort_publisher`)."""
        from agents import cohort_publisher

        await cohort_publisher.publish_instance_events(self.service, events)
