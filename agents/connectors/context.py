"""The connector context: everything a connector may do, as Egeria's LineageIntegratorContext.

- `register_openlineage_listener(fn)`: receive every OpenLineage event (parsed + raw bytes)
  that came in over REST, Kafka or from another connector (never the ones this connector
  published itself).
- `register_asset_manager_listener(fn, event_types)`: receive Asset Manager out-topic
  events of those types (all types when none are given).
- `await publish_openlineage_event(event)`: validate an event (dict, JSON, bytes, an
  official-client object) and publish it to every other connector; returns once stored.
- `await publish_instance_events(events)`: share OMRS instance events with the cohort, with
  this server as their home; returns once stored.
- `catalogue`: the cataloguing API (`agents.catalogue.api.LineageCatalogue`): processes,
  ports, data assets, schemas and their flows from the third party's own identifiers, with
  deterministic guids, idempotent, shared with the cohort with this server as home, written
  with the types of the cohort's Egeria release (`cohort_release()`).
- `settings` (the connector's validated settings), `name` (its instance name), `data_dir`
  (a directory of its own under LINEAGE_DATA_DIR), `data_root` (LINEAGE_DATA_DIR itself),
  `log` (a logger named for it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.catalogue.api import CatalogueReader, LineageCatalogue
from agents.catalogue.contribution import Contribution
from agents.catalogue.layout import layout_for
from agents.connectors.base import AssetManagerListener, OpenLineageListener
from agents.openlineage_publish import OpenLineagePublisher, accept_event
from schemas.asset_manager import AssetManagerEventType
from schemas.omrs import OMRSEventV1

InstancePublisher = Callable[[Sequence[OMRSEventV1]], Awaitable[None]]
"""Shares instance events with every cohort, this server as home; returns once stored."""


@dataclass(frozen=True)
class Cataloguing:
    """What the cataloguing API of every connector is built on: where contributions go (the
    catalogue topic; stored before the connector's stream commits), the read model its
    finds, aliases and removals read (this replica's; None without a cohort), and the Egeria
    release family ("5" or "6") the cohorts' members announced (`layout.cohort_release` over
    the cohorts' states; None: not known, Egeria 5's types are written)."""

    send: Callable[[Sequence[Contribution]], Awaitable[None]]
    reader: CatalogueReader | None = None
    cohort_release: Callable[[], str | None] | None = None


class ListenerRegistrationError(RuntimeError):
    """A connector registered a listener it declared it would not have (no stream runs for it)."""


@dataclass(frozen=True)
class ConnectorServices:
    """What the worker offers every connector."""

    openlineage: OpenLineagePublisher
    publish_instances: InstancePublisher
    data_root: Path
    cataloguing: Cataloguing | None = None


@dataclass(eq=False)
class ConnectorContext:
    """One connector instance's view of the service."""

    name: str
    connector: str
    settings: BaseModel
    services: ConnectorServices
    consumes_openlineage: bool = True
    openlineage_listeners: list[OpenLineageListener] = field(default_factory=list)
    asset_manager_listeners: list[tuple[frozenset[AssetManagerEventType] | None, AssetManagerListener]] = (
        field(default_factory=list)
    )

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"lineage_integrator.connector.{self.name}")

    @property
    def data_root(self) -> Path:
        """LINEAGE_DATA_DIR."""
        return self.services.data_root

    @property
    def data_dir(self) -> Path:
        """`<LINEAGE_DATA_DIR>/connectors/<name>`, created on first use."""
        path = self.services.data_root / "connectors" / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def catalogue(self) -> LineageCatalogue:
        """Catalogue lineage as open metadata, this server as home (`agents.catalogue.api`):
        processes, ports, data assets, schemas and the flows between them."""
        cataloguing = self.services.cataloguing
        if cataloguing is None:
            raise RuntimeError("this worker runs no catalogue")
        return LineageCatalogue(
            send=cataloguing.send,
            reader=cataloguing.reader,
            layout=lambda: layout_for("auto", self.cohort_release()),
        )

    def cohort_release(self) -> str | None:
        """The Egeria release family ("5" or "6") the cohorts' members announced, if known."""
        cataloguing = self.services.cataloguing
        if cataloguing is None or cataloguing.cohort_release is None:
            return None
        return cataloguing.cohort_release()

    @property
    def origin(self) -> str:
        """The origin header value of the events this connector publishes."""
        return f"connector:{self.name}"

    def register_openlineage_listener(self, listener: OpenLineageListener) -> None:
        """Receive every OpenLineage event on the internal topic (sync or async callable)."""
        if not self.consumes_openlineage:
            raise ListenerRegistrationError(
                f"connector {self.name!r} declares consumes_openlineage = False, so no stream delivers "
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
        publisher = self.services.openlineage
        accepted = accept_event(event, publisher.max_event_bytes)
        await publisher.publish(accepted, origin=self.origin)

    async def publish_instance_events(self, events: Sequence[OMRSEventV1]) -> None:
        """Share OMRS instance events with the cohort, this server as their home."""
        await self.services.publish_instances(events)
