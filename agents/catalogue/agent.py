"""The catalogue agent: merges contributions per instance guid and publishes what changed.

Two stages, so that every instance has exactly one writer whatever job touched it:

1. the cataloguer connector (on the internal topic, partitioned by job) maps each
   OpenLineage event to contributions (`mapping.map_event`) and sends each one to the
   *catalogue topic* `<root>.server.<server>.omis.lineageintegrator.catalogue`, keyed by
   instance guid;
2. this agent (on the catalogue topic, partitioned by guid) merges each contribution into
   the instance's state (`state.merge`), and when what a member would see changed
   (`state.settle`) publishes one OMRS instance event with this server as home and the next
   version (`agents.cohort_publisher.publish_instance_events`), then records the new state.

The state of partition p lives in partition p of the compacted changelog
`...lineageintegrator.catalogue.state` (`agents.cohort_store.ChangelogStore`, replayed to
the fetch high watermark on assignment), so a replica that takes the partition over after a
rebalance or a crash continues the versions where the last one stopped. Order per record:
publish (acked), then state (acked), then Faust commits the offset. A crash between the two
republishes the same version with the same content after redelivery, which members treat
as a duplicate; the other order could lose a change.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import orjson

from agents.catalogue.instances import Home, change_event
from agents.catalogue.mapping import Contribution
from agents.catalogue.state import InstanceState, merge, settle
from agents.cohort_store import ChangelogStore
from schemas.omrs import OMRSEventV1, now_ms

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

EXTENSION_KEY = "catalogue"
STREAM = "catalogue"
BATCH = 200
BATCH_WITHIN_S = 0.05


def catalogue_topic_name(service: LineageService) -> str:
    s = service.settings
    return f"{s.topic_root}.server.{s.server_name}.omis.lineageintegrator.catalogue"


def home_of(service: LineageService) -> Home:
    s = service.settings
    return Home(
        collection_id=s.collection_id,
        collection_name=s.metadata_collection_name or s.server_name,
        server_name=s.server_name,
        organization_name=s.organization_name,
    )


async def publish_instance_events(service: LineageService, events: list[OMRSEventV1]) -> None:
    """Share events with every cohort as their home (the cohort publisher does the work)."""
    from agents import cohort_publisher

    await cohort_publisher.publish_instance_events(service, events)


class Catalogue:
    """The catalogue topic, its state store and its agent, for one service."""

    def __init__(self, service: LineageService) -> None:
        self.service = service
        self.home = home_of(service)
        self.topic_name = catalogue_topic_name(service)
        partitions = service.settings.topic_partitions
        self.topic = service.topic(self.topic_name, partitions=partitions)
        self.store = ChangelogStore(
            service,
            name="catalogue",
            source_topic=self.topic_name,
            changelog=f"{self.topic_name}.state",
            partitions=partitions,
        )
        self.published = 0

    async def send(self, contributions: list[Contribution]) -> None:
        """Stage 1: queue contributions on the catalogue topic (Faust flushes before it commits)."""
        for c in contributions:
            await self.topic.send(key=c.guid.encode(), value=orjson.dumps(c.to_json()))
        self.service.metrics.events_out.labels(role="catalogue").inc(len(contributions))

    async def handle(self, records: list[tuple[int, bytes]]) -> list[OMRSEventV1]:
        """Stage 2 for a batch of (partition, value): merge, settle, publish, record."""
        events: list[OMRSEventV1] = []
        dirty: dict[tuple[int, str], InstanceState] = {}
        for partition, value in records:
            contribution = Contribution.from_json(orjson.loads(value))
            data = await self.store.partition(partition)
            key = (partition, contribution.guid)
            held = dirty.get(key)
            if held is None and contribution.guid in data:
                held = InstanceState.from_json(data[contribution.guid])
            state, touched = merge(held, contribution)
            if not touched:
                continue
            change = settle(state, now_ms())
            if change is not None:
                events.append(change_event(self.home, change))
            dirty[key] = state
        if events:
            await publish_instance_events(self.service, events)
            self.published += len(events)
        futures: list[asyncio.Future[Any]] = []
        for (partition, guid), state in dirty.items():
            futures.append(await self.store.put(partition, guid, state.to_json()))
        if futures:
            await asyncio.gather(*futures)
        return events

    def install(self) -> None:
        service, app = self.service, self.service.app

        @app.agent(self.topic, name=STREAM)
        async def catalogue_agent(stream: Any) -> None:
            async for batch in stream.take_events(BATCH, within=BATCH_WITHIN_S):
                records = [(e.message.partition, e.value) for e in batch if e.value is not None]
                service.metrics.events_in.labels(stream=STREAM).inc(len(records))
                await self.handle(records)

        service.on_partitions(self.topic_name, assigned=self.store.on_assigned, revoked=self.store.on_revoked)


def install(service: LineageService) -> Catalogue:
    """The service's catalogue (built and its agent added once, however many cataloguers run)."""
    found = service.extensions.get(EXTENSION_KEY)
    if isinstance(found, Catalogue):
        return found
    catalogue = Catalogue(service)
    catalogue.install()
    service.extensions[EXTENSION_KEY] = catalogue
    return catalogue
