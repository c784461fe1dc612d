"""The cohort registry: this server's registration with each cohort and the members it knows.

All registry events of all cohorts go through the single-partition ``cohort.registry``
topic, so one replica at a time (the owner of that partition) handles them, in order. That
gives the two "once" guarantees:

- Registration once per cohort, not once per replica: every replica, when it starts,
  sends a small "register" kick to ``cohort.registry``. The owner handles kicks in order
  against the durable registry: a cohort with no local registration gets a
  REGISTRATION_EVENT (then a REFRESH_REGISTRATION_REQUEST, as Egeria sends, to hear from
  existing members) and the local registration is stored; later kicks find it and do
  nothing (or send a RE_REGISTRATION_EVENT when this server's details changed, e.g. its
  REST address). A replica stopping sends nothing.
- One answer per REFRESH_REGISTRATION_REQUEST, however many replicas run: only the owner
  of the partition sees the request.

The registry lives in a `ChangelogStore` (changelog ``cohort.members``, compacted):
``member/<cohort>/<collectionId>`` for remote members (REGISTRATION and RE_REGISTRATION add
or update, UN_REGISTRATION removes) and ``local/<cohort>`` for this server's registration.
Every replica tails that changelog (`ChangelogReader`) for ``GET /api/v1/cohort/members``
and for readiness ("registered" once every configured cohort has a local registration).

Leaving is explicit (``lineage-integrator leave --cohort C`` sends our UN_REGISTRATION_EVENT):
when it comes back through the cohort, the local registration is marked "left" and no
later kick registers again; once the cohort is also removed from ``LINEAGE_COHORTS`` the
left record is dropped, so adding the cohort back later registers afresh (Egeria's own
behaviour when a cohort is removed from and added back to a server's configuration).

A member that registers with this server's metadata collection id (and another server
name) gets a REGISTRATION_ERROR_EVENT with CONFLICTING_COLLECTION_ID aimed at it, and is
not added.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from agents.cohort_dedup import SeenEvents
from agents.cohort_errors import ErrorLog
from agents.cohort_intake import HEADER_CONTROL, header
from agents.cohort_publisher import is_local, local_originator, publish, remote_connection, send_event
from agents.cohort_stage import CohortStage
from agents.cohort_store import ChangelogReader, ChangelogStore
from agents.cohort_topics import CohortInternalTopics
from schemas.omrs import (
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSRegistryEventType,
    now_ms,
    re_registration_event,
    refresh_registration_request,
    registration_event,
    registry_error_event,
)

if TYPE_CHECKING:
    from app.service import LineageService
    from app.settings import Settings

log = logging.getLogger(__name__)

STREAM = "cohort-registry"
KICK = "register"
READY_CONDITION = "cohort_registered"

_R = OMRSRegistryEventType


def member_key(cohort: str, collection_id: str) -> str:
    return f"member/{cohort}/{collection_id}"


def local_key(cohort: str) -> str:
    return f"local/{cohort}"


def member_record(cohort: str, event: OMRSEventV1) -> dict[str, Any]:
    """What the registry keeps about a remote member (JSON names as Egeria's MemberRegistration)."""
    section = event.registry_event_section
    assert section is not None
    o = event.originator
    return {
        "cohort": cohort,
        "metadataCollectionId": o.metadata_collection_id,
        "metadataCollectionName": section.metadata_collection_name,
        "serverName": o.server_name,
        "serverType": o.server_type,
        "organizationName": o.organization_name,
        "registrationTime": section.registration_timestamp,
        "repositoryConnection": section.remote_connection,
        "lastEventType": section.registry_event_type.value,
        "lastEventTime": event.timestamp,
    }


def local_identity(settings: Settings) -> dict[str, Any]:
    """This server's details as registered; a change of any of them calls for a RE_REGISTRATION_EVENT."""
    return {
        "metadataCollectionId": settings.collection_id,
        "metadataCollectionName": settings.metadata_collection_name,
        "serverName": settings.server_name,
        "serverType": local_originator(settings).server_type,
        "organizationName": settings.organization_name,
        "repositoryConnection": remote_connection(settings),
    }


def registration_due(local: Mapping[str, Any] | None, identity: Mapping[str, Any]) -> str | None:
    """What a kick must do for one cohort: "register", "re-register" or nothing (pure)."""
    if local is None:
        return "register"
    if local.get("state") != "registered":
        return None
    if any(local.get(k) != v for k, v in identity.items()):
        return "re-register"
    return None


def members_view(data: Mapping[str, Any], cohorts: list[str]) -> list[dict[str, Any]]:
    """The registry per cohort, for REST: this server's registration and the remote members."""
    view = []
    for cohort in cohorts:
        prefix = f"member/{cohort}/"
        members = sorted(
            (v for k, v in data.items() if k.startswith(prefix)), key=lambda m: str(m.get("serverName"))
        )
        view.append({"cohort": cohort, "localRegistration": data.get(local_key(cohort)), "members": members})
    return view


class CohortRegistry(CohortStage):
    stream = STREAM
    label = "Cohort registry"
    failure = "registry handling failed"

    def __init__(
        self,
        service: LineageService,
        topics: CohortInternalTopics,
        errors: ErrorLog,
        seen: SeenEvents | None,
    ):
        store = ChangelogStore(
            service,
            name="member registry",
            source_topic=topics.registry,
            changelog=topics.members,
            partitions=1,
        )
        super().__init__(
            service, service.topic(topics.registry, partitions=1, declare=True), store, errors, seen
        )
        self.reader = ChangelogReader(service, name="member registry", topic=topics.members)
        self.handlers: dict[OMRSRegistryEventType, Callable[[str, OMRSEventV1], Awaitable[None]] | str] = {
            _R.REGISTRATION_EVENT: self._on_registration,
            _R.RE_REGISTRATION_EVENT: self._on_registration,
            _R.UN_REGISTRATION_EVENT: self._on_un_registration,
            _R.REFRESH_REGISTRATION_REQUEST: self._on_refresh_request,
            _R.REGISTRATION_ERROR_EVENT: self.on_error_event,
            _R.UNKNOWN_REGISTRY_EVENT: "UNKNOWN_REGISTRY_EVENT has no defined meaning",
        }

    # -- wiring ---------------------------------------------------------------------------
    def install(self) -> None:
        app = self.service.app
        self.service.readiness.require(READY_CONDITION)
        self.reader.listeners.append(lambda key, value: self._update_readiness())
        self.reader.install()
        super().install()

        @app.task
        async def send_register_kick() -> None:
            value = orjson.dumps({"pid": os.getpid(), "webPort": self.settings.web_port, "time": now_ms()})
            await self.topic.send(key=KICK.encode(), value=value, headers=[(HEADER_CONTROL, KICK.encode())])

    def _update_readiness(self) -> None:
        data = self.reader.data
        met = all(local_key(c) in data for c in self.settings.cohorts)
        self.service.readiness.set(READY_CONDITION, met)

    # -- handling -------------------------------------------------------------------------
    async def handle(
        self, message: Any, key: bytes | None, value: bytes | None, data: Mapping[str, Any]
    ) -> None:
        if header(message, HEADER_CONTROL) == KICK:
            await self.registration_check(data)
        else:
            await super().handle(message, key, value, data)

    async def on_event(
        self,
        partition: int,
        cohort: str,
        key: bytes | None,
        event: OMRSEventV1,
        event_digest: str | None,
        data: Mapping[str, Any],
    ) -> None:
        assert event.registry_event_section is not None
        handler = self.handlers[event.registry_event_section.registry_event_type]
        if isinstance(handler, str):
            self.ignore(event.registry_event_section.registry_event_type.value, handler)
        else:
            await handler(cohort, event)

    async def registration_check(self, data: Mapping[str, Any]) -> None:
        """Register with every configured cohort not registered yet; tidy cohorts no longer configured."""
        identity = local_identity(self.settings)
        for cohort in self.settings.cohorts:
            local = data.get(local_key(cohort))
            due = registration_due(local, identity)
            if due == "register":
                await self._register(cohort, identity)
            elif due == "re-register":
                assert local is not None
                await self._re_register(cohort, {**local, **identity})
            elif local is not None and local.get("state") == "left":
                log.warning(
                    "Cohort %s: this server left it at %s (lineage-integrator leave); it stays out. Remove it from "
                    "LINEAGE_COHORTS; adding it back later registers again",
                    cohort,
                    local.get("leftTime"),
                )
        for key, local in list(data.items()):
            cohort = key.removeprefix("local/")
            if key.startswith("local/") and cohort not in self.settings.cohorts:
                if local.get("state") == "left":
                    await self.store.delete(0, key)
                else:
                    log.warning(
                        "Still registered with cohort %s, which is no longer configured: run "
                        "`lineage-integrator leave --cohort %s`",
                        cohort,
                        cohort,
                    )

    async def _register(self, cohort: str, identity: dict[str, Any]) -> None:
        registered_at = now_ms()
        originator = local_originator(self.settings)
        event = registration_event(
            originator, registered_at, identity["repositoryConnection"], identity["metadataCollectionName"]
        )
        await send_event(self.service, cohort, event)
        await send_event(self.service, cohort, refresh_registration_request(originator))
        local = {"cohort": cohort, "state": "registered", **identity, "registrationTime": registered_at}
        await self.store.put(0, local_key(cohort), local)
        log.info(
            "Registered with cohort %s as %s (%s)",
            cohort,
            self.settings.server_name,
            self.settings.collection_id,
        )

    async def _re_register(self, cohort: str, local: dict[str, Any]) -> None:
        await self._send_re_registration(cohort, local)
        await self.store.put(0, local_key(cohort), local)
        log.info("Re-registered with cohort %s: this server's details changed", cohort)

    async def _send_re_registration(self, cohort: str, local: Mapping[str, Any]) -> None:
        event = re_registration_event(
            local_originator(self.settings),
            local["registrationTime"],
            local.get("repositoryConnection"),
            local.get("metadataCollectionName"),
        )
        await send_event(self.service, cohort, event)

    async def _on_registration(self, cohort: str, event: OMRSEventV1) -> None:
        settings = self.settings
        if is_local(settings, event.originator):
            self.ignore("own-event", "our own registration, read back")
            return
        sender = event.originator.metadata_collection_id
        assert sender is not None  # semantics: membership events name the member
        if sender == settings.collection_id:
            await self._conflicting_collection_id(cohort, event)
            return
        await self.store.put(0, member_key(cohort, sender), member_record(cohort, event))
        log.info(
            "Cohort %s: member %s (%s) %s",
            cohort,
            event.originator.server_name,
            sender,
            "registered"
            if event.registry_event_section
            and event.registry_event_section.registry_event_type is _R.REGISTRATION_EVENT
            else "re-registered",
        )

    async def _conflicting_collection_id(self, cohort: str, event: OMRSEventV1) -> None:
        section = event.registry_event_section
        assert section is not None
        sender = event.originator.metadata_collection_id
        message = (
            f"Server {event.originator.server_name} registered with metadata collection id {sender}, which is "
            f"already used by server {self.settings.server_name} in cohort {cohort}"
        )
        log.warning("Cohort %s: %s", cohort, message)
        answer = registry_error_event(
            local_originator(self.settings),
            OMRSEventErrorCode.CONFLICTING_COLLECTION_ID,
            message,
            sender,
            target_remote_connection=section.remote_connection,
            other_metadata_collection_id=self.settings.collection_id,
        )
        await publish(self.service, cohort, answer)

    async def _on_un_registration(self, cohort: str, event: OMRSEventV1) -> None:
        data = await self.store.partition(0)
        if is_local(self.settings, event.originator):
            local = dict(data.get(local_key(cohort)) or {"cohort": cohort})
            local.update(state="left", leftTime=event.timestamp)
            await self.store.put(0, local_key(cohort), local)
            log.warning("Left cohort %s (our UN_REGISTRATION_EVENT came back)", cohort)
            return
        sender = event.originator.metadata_collection_id or ""
        if await self.store.delete(0, member_key(cohort, sender)) is None:
            self.ignore("unknown-member", "UN_REGISTRATION of a member not registered")
        else:
            log.info("Cohort %s: member %s (%s) left", cohort, event.originator.server_name, sender)

    async def _on_refresh_request(self, cohort: str, event: OMRSEventV1) -> None:
        if is_local(self.settings, event.originator):
            self.ignore("own-event", "our own refresh request, read back")
            return
        local = (await self.store.partition(0)).get(local_key(cohort))
        if local is None or local.get("state") != "registered":
            self.ignore("not-registered", f"refresh request in cohort {cohort}")
            return
        await self._send_re_registration(cohort, local)
        log.info("Cohort %s: answered the refresh request of %s", cohort, event.originator.server_name)
