"""Sending OMRS events to the cohorts: who we are (the originator) and where each event goes.

Egeria's Kafka connector keys every record with the sending server; we key instance events
by instance guid (any consumer that re-keys, like ours, keeps per-guid order either way)
and registry / TypeDef events by this server's metadata collection id. An event goes to
the cohort topic(s) of its category in the configured structure: the dedicated topic, the
single topic, or both (``CohortTopics.outbound``).

`publish_instance_events` is the entry point for instances this server creates (the
cataloguer): it stamps this server as originator and home, publishes to every cohort, and
returns once the broker has them. Those events come back through the cohort intake like
any member's, so they become reference copies too and REFRESH requests for them are
answered.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from schemas.omrs import (
    OMRSEventCategory,
    OMRSEventV1,
    OMRSInstanceEventType,
    Originator,
    dump_omrs_event,
    instance_guid,
)
from schemas.omrs_connection import repository_rest_connection

if TYPE_CHECKING:
    from app.service import LineageService
    from app.settings import Settings

SERVER_TYPE = "Integration Daemon"
"""The originator's serverType: Lineage Integrator is an Egeria integration service."""

_KIND_OF: dict[OMRSEventCategory, str] = {
    OMRSEventCategory.REGISTRY: "registration",
    OMRSEventCategory.TYPEDEF: "types",
    OMRSEventCategory.INSTANCE: "instances",
}


def local_originator(settings: Settings) -> Originator:
    return Originator(
        metadata_collection_id=settings.collection_id,
        server_name=settings.server_name,
        server_type=SERVER_TYPE,
        organization_name=settings.organization_name,
    )


def rest_url(settings: Settings) -> str:
    return settings.advertised_url or f"http://{socket.gethostname()}:{settings.web_port}"


def remote_connection(settings: Settings) -> dict[str, Any]:
    """The OCF Connection other members use to reach this server's repository services:
    Egeria's REST repository connector at `<rest url>/servers/<server name>`."""
    return repository_rest_connection(settings.server_name, rest_url(settings))


def is_local(settings: Settings, originator: Originator) -> bool:
    """An event this server sent: same collection id and server name.

    A REFRESH_REGISTRATION_REQUEST names no collection (Egeria writes its originator without
    one, and so does `refresh_registration_request`); it is ours when it names this server.
    """
    if originator.metadata_collection_id is None:
        return originator.server_name == settings.server_name
    return (
        originator.metadata_collection_id == settings.collection_id
        and originator.server_name == settings.server_name
    )


def outbound_topics(service: LineageService, cohort: str, category: OMRSEventCategory) -> list[str]:
    kind = _KIND_OF[category]
    return service.names.cohort(cohort).outbound(kind)


async def send_event(
    service: LineageService, cohort: str, event: OMRSEventV1, key: str | None = None
) -> list[asyncio.Future[Any]]:
    """Queue one event on the cohort topic(s) of its category; returns the delivery futures."""
    value = dump_omrs_event(event)
    record_key = (key or service.settings.collection_id).encode()
    futures = []
    for name in outbound_topics(service, cohort, event.event_category):
        topic = service.topic(name)
        futures.append(cast("asyncio.Future[Any]", await topic.send(key=record_key, value=value)))
    service.metrics.events_out.labels(role=f"cohort-{_KIND_OF[event.event_category]}").inc(len(futures))
    return futures


async def publish(service: LineageService, cohort: str, event: OMRSEventV1, key: str | None = None) -> None:
    """Send one event and wait until the broker has it."""
    await asyncio.gather(*await send_event(service, cohort, event, key))


def as_home_instance_event(settings: Settings, event: OMRSEventV1) -> OMRSEventV1:
    """The event with this server as originator, and as home of instances that name none.

    Raises ValueError for a non-instance event or an instance homed in another collection.
    """
    section = event.instance_event_section
    if event.event_category is not OMRSEventCategory.INSTANCE or section is None:
        raise ValueError("publish_instance_events only publishes INSTANCE events")
    home = settings.collection_id
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
        update={"originator": local_originator(settings), "instance_event_section": new_section}
    )


async def publish_instance_events(service: LineageService, events: Sequence[OMRSEventV1]) -> None:
    """Publish instance events this server is home to, to every cohort; return once all are on the broker."""
    stamped = [as_home_instance_event(service.settings, event) for event in events]
    futures: list[asyncio.Future[Any]] = []
    for cohort_topics in service.names.cohorts:
        for event in stamped:
            futures += await send_event(service, cohort_topics.cohort, event, key=instance_guid(event))
    await asyncio.gather(*futures)
