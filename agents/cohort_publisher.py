"""Sending OMRS events to the cohorts: who we are (the originator) and where each event goes.

Egeria's Kafka connector keys every record with the sending server's id; so do we, with
this server's metadata collection id, for every event: all our events of one topic are on
one partition, in the order we sent them. An event goes to the cohort topic(s) of its
category in the configured structure: the dedicated topic, the single topic, or both
(`CohortTopics.outbound`).

`CohortPublisher.send_instance_events` is the way out for instances this server is home
of (the catalogue): it stamps this server as originator and home and sends to every
cohort. Those events come back through the cohort topics like any member's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from agents.cohort_identity import CohortIdentity
from agents.cohort_topics import CohortTopics
from runtime.metrics import Metrics
from runtime.producer import Producer
from schemas.omrs import (
    OMRSEventCategory,
    OMRSEventV1,
    OMRSInstanceEventType,
    Originator,
    dump_omrs_event,
)
from schemas.omrs_connection import repository_rest_connection

SERVER_TYPE = "Integration Daemon"
"""The originator's serverType: Lineage Integrator is an Egeria integration service."""

_KIND_OF: dict[OMRSEventCategory, str] = {
    OMRSEventCategory.REGISTRY: "registration",
    OMRSEventCategory.TYPEDEF: "types",
    OMRSEventCategory.INSTANCE: "instances",
}


def local_originator(identity: CohortIdentity) -> Originator:
    return Originator(
        metadata_collection_id=identity.collection_id,
        server_name=identity.server_name,
        server_type=SERVER_TYPE,
        organization_name=identity.organization_name,
    )


def rest_url(identity: CohortIdentity) -> str:
    return identity.advertised_url


def remote_connection(identity: CohortIdentity) -> dict[str, Any]:
    """The OCF Connection other members use to reach this server's repository services:
    Egeria's REST repository connector at `<rest url>/servers/<server name>`."""
    return repository_rest_connection(identity.server_name, rest_url(identity))


def is_local(identity: CohortIdentity, originator: Originator) -> bool:
    """An event this server sent: its metadata collection id, as Egeria tells its own events.

    A REFRESH_REGISTRATION_REQUEST names no collection (Egeria writes its originator without
    one, and so does `refresh_registration_request`); it is ours when it names this server.
    """
    if originator.metadata_collection_id is None:
        return originator.server_name == identity.server_name
    return originator.metadata_collection_id == identity.collection_id


def as_home_instance_event(identity: CohortIdentity, event: OMRSEventV1) -> OMRSEventV1:
    """The event with this server as originator, and as home of instances that name none.

    Raises ValueError for a non-instance event or an instance homed in another collection.
    """
    section = event.instance_event_section
    if event.event_category is not OMRSEventCategory.INSTANCE or section is None:
        raise ValueError("publish_instance_events only publishes INSTANCE events")
    home = identity.collection_id
    updates: dict[str, Any] = {}
    for field in ("entity", "relationship", "entity_proxy"):
        bean = getattr(section, field)
        if bean is None:
            continue
        if bean.metadata_collection_id not in (None, home):
            raise ValueError(
                f"instance {bean.guid} is homed in {bean.metadata_collection_id}, not in this server ({home})"
            )
        if bean.metadata_collection_id is None:
            updates[field] = bean.model_copy(update={"metadata_collection_id": home})
    if (
        section.event_type is not OMRSInstanceEventType.INSTANCE_ERROR_EVENT
        and section.home_metadata_collection_id is None
    ):
        updates["home_metadata_collection_id"] = home
    new_section = section.model_copy(update=updates) if updates else section
    return event.model_copy(
        update={"originator": local_originator(identity), "instance_event_section": new_section}
    )


class CohortPublisher:
    """Sends OMRS events to the cohort topics through the worker's producer (sends counted in
    the checkpoint that makes them)."""

    def __init__(
        self, producer: Producer, identity: CohortIdentity, cohorts: Sequence[CohortTopics], metrics: Metrics
    ) -> None:
        self.producer = producer
        self.identity = identity
        self.cohorts = {c.cohort: c for c in cohorts}
        self.metrics = metrics
        self._key = identity.collection_id.encode()

    async def send(self, cohort: str, event: OMRSEventV1) -> list[asyncio.Future[Any]]:
        """Queue one event on the cohort topic(s) of its category; returns the delivery futures."""
        value = dump_omrs_event(event)
        kind = _KIND_OF[event.event_category]
        futures = [
            await self.producer.send(name, value, key=self._key)
            for name in self.cohorts[cohort].outbound(kind)
        ]
        self.metrics.events_out.labels(role=f"cohort-{kind}").inc(len(futures))
        return futures

    async def send_instance_events(self, events: Sequence[OMRSEventV1]) -> list[asyncio.Future[Any]]:
        """Instance events this server is home of, to every cohort (ValueError for an instance
        homed elsewhere)."""
        stamped = [as_home_instance_event(self.identity, event) for event in events]
        futures: list[asyncio.Future[Any]] = []
        for cohort in self.cohorts:
            for event in stamped:
                futures += await self.send(cohort, event)
        return futures

    async def publish_instance_events(self, events: Sequence[OMRSEventV1]) -> None:
        """`send_instance_events`, returning once the broker has every one."""
        futures = await self.send_instance_events(events)
        if futures:
            await asyncio.gather(*futures)
