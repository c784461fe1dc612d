"""The cohort registry: this server's registration with each cohort and the members it knows.

Every replica applies every registry event to its own cohort state, so every replica knows
the members and this server's registration; the replica that owns an event's partition
sends the answers the event calls for (see `runtime.follower`).

- A member's REGISTRATION_EVENT or RE_REGISTRATION_EVENT adds or updates it,
  UN_REGISTRATION_EVENT removes it. A member registering with this server's metadata
  collection id under another server name gets a REGISTRATION_ERROR_EVENT with
  CONFLICTING_COLLECTION_ID aimed at it, and is not added.
- This server's own registry events, read back from the cohort topic, record its
  registration: `registered` after a REGISTRATION or RE_REGISTRATION, `left` after an
  UN_REGISTRATION (`lineage-integrator leave`). Readiness waits for it.
- A REFRESH_REGISTRATION_REQUEST from another member is answered with a RE_REGISTRATION_EVENT.
- Registering (`registration_events`), as Egeria's connectToCohort does on every start: a
  REGISTRATION_EVENT when this server has not registered with the cohort yet (followed by
  a NEW_TYPEDEF_EVENT for each type this server uses, as Egeria's local repository
  announces the types it loads), else a RE_REGISTRATION_EVENT; then a
  REFRESH_REGISTRATION_REQUEST so existing members answer.
  The replica that owns partition 0 of the cohort's registration topic sends them when it
  gains that partition: once for the service, however many replicas run, and again when
  the partition moves to another replica. A cohort this server left stays left.
"""

from __future__ import annotations

import logging
from typing import Any

from agents.catalogue.layout import layout_for
from agents.cohort_errors import ErrorLog, aimed_at_us
from agents.cohort_identity import CohortIdentity
from agents.cohort_publisher import is_local, local_originator, remote_connection
from agents.cohort_typedefs import cohorts_release
from runtime.kv import KeyValue, get_json, put_json, scan_json
from schemas.cohort_types import typedef_announcements
from schemas.omrs import (
    OMRSEventV1,
    OMRSRegistryEventType,
    conflicting_collection_id_event,
    now_ms,
    re_registration_event,
    refresh_registration_request,
    registration_event,
)

log = logging.getLogger(__name__)

_R = OMRSRegistryEventType
_MEMBER = "cohort/member/"
_LOCAL = "cohort/local/"


def member_key(cohort: str, collection_id: str) -> bytes:
    return f"{_MEMBER}{cohort}/{collection_id}".encode()


def local_key(cohort: str) -> bytes:
    return f"{_LOCAL}{cohort}".encode()


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


def members_view(kv: KeyValue, cohorts: list[str]) -> list[dict[str, Any]]:
    """The registry per cohort, for REST: this server's registration and the remote members."""
    view = []
    for cohort in cohorts:
        members = [value for _, value in scan_json(kv, f"{_MEMBER}{cohort}/".encode())]
        members.sort(key=lambda m: str(m.get("serverName")))
        view.append(
            {"cohort": cohort, "localRegistration": get_json(kv, local_key(cohort)), "members": members}
        )
    return view


def registered_with_all(kv: KeyValue, cohorts: list[str]) -> bool:
    """Whether this server's registration (or departure) is recorded for every cohort."""
    return all(kv.get(local_key(cohort)) is not None for cohort in cohorts)


class CohortRegistry:
    def __init__(self, identity: CohortIdentity, errors: ErrorLog) -> None:
        self.identity = identity
        self.errors = errors

    def apply(
        self, kv: KeyValue, cohort: str, event: OMRSEventV1, sequence: str, acting: bool
    ) -> list[OMRSEventV1]:
        """Apply one registry event; returns the answers it calls for."""
        section = event.registry_event_section
        assert section is not None
        kind = section.registry_event_type
        sender = event.originator.metadata_collection_id
        own = is_local(self.identity, event.originator)
        if kind is _R.REGISTRATION_ERROR_EVENT:
            if aimed_at_us(self.identity, event):
                self.errors.record(kv, cohort, event, sequence, acting)
            return []
        if own and event.originator.server_name != self.identity.server_name:
            return (
                self._conflicting_collection_id(cohort, event)
                if kind in (_R.REGISTRATION_EVENT, _R.RE_REGISTRATION_EVENT)
                else []
            )
        if kind in (_R.REGISTRATION_EVENT, _R.RE_REGISTRATION_EVENT):
            if own:
                self._record_local(kv, cohort, "registered", registrationTime=section.registration_timestamp)
            elif sender:
                put_json(kv, member_key(cohort, sender), member_record(cohort, event))
                if acting:
                    log.info(
                        "Cohort %s: member %s (%s) %s",
                        cohort,
                        event.originator.server_name,
                        sender,
                        kind.value,
                    )
            return []
        if kind is _R.UN_REGISTRATION_EVENT:
            if own:
                self._record_local(kv, cohort, "left", leftTime=event.timestamp)
                if acting:
                    log.warning("Left cohort %s (our UN_REGISTRATION_EVENT came back)", cohort)
            elif sender:
                kv.delete(member_key(cohort, sender))
            return []
        if kind is _R.REFRESH_REGISTRATION_REQUEST and not own:
            local = get_json(kv, local_key(cohort))
            if local is not None and local.get("state") == "registered":
                return [self._re_registration(local)]
        return []

    def registration_events(self, kv: KeyValue, cohort: str) -> list[OMRSEventV1]:
        """What this server sends when it (re)connects to a cohort (module docstring)."""
        local = get_json(kv, local_key(cohort))
        originator = local_originator(self.identity)
        if local is None:
            log.info(
                "Registering with cohort %s as %s (%s)",
                cohort,
                self.identity.server_name,
                self.identity.collection_id,
            )
            first = registration_event(
                originator, now_ms(), remote_connection(self.identity), self.identity.metadata_collection_name
            )
        elif local.get("state") == "left":
            log.warning(
                "Cohort %s: this server left it at %s (lineage-integrator leave); it stays out. Remove it from "
                "LINEAGE_COHORTS; adding it back later registers again",
                cohort,
                local.get("leftTime"),
            )
            return []
        else:
            log.info("Re-registering with cohort %s", cohort)
            return [self._re_registration(local), refresh_registration_request(originator)]
        # The types of the Egeria release the cohort's members announced (read from its types
        # topic before registering), Egeria 5's when none did yet.
        types = layout_for("auto", cohorts_release(kv, [cohort])).types()
        return [first, refresh_registration_request(originator), *typedef_announcements(originator, types)]

    def _re_registration(self, local: dict[str, Any]) -> OMRSEventV1:
        return re_registration_event(
            local_originator(self.identity),
            local.get("registrationTime") or now_ms(),
            remote_connection(self.identity),
            self.identity.metadata_collection_name,
        )

    def _record_local(self, kv: KeyValue, cohort: str, state: str, **fields: Any) -> None:
        local = dict(get_json(kv, local_key(cohort)) or {"cohort": cohort})
        local.update(
            state=state,
            metadataCollectionId=self.identity.collection_id,
            metadataCollectionName=self.identity.metadata_collection_name,
            serverName=self.identity.server_name,
            **{k: v for k, v in fields.items() if v is not None},
        )
        put_json(kv, local_key(cohort), local)

    def _conflicting_collection_id(self, cohort: str, event: OMRSEventV1) -> list[OMRSEventV1]:
        section = event.registry_event_section
        assert section is not None
        sender = event.originator.metadata_collection_id
        message = (
            f"Server {event.originator.server_name} registered with metadata collection id {sender}, which is "
            f"already used by server {self.identity.server_name} in cohort {cohort}"
        )
        log.warning("Cohort %s: %s", cohort, message)
        return [conflicting_collection_id_event(local_originator(self.identity), message, sender or "")]
