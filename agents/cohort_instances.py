"""Instance replication: keep reference copies, answer refresh requests, report conflicts.

Instance events of every cohort arrive on ``cohort.instances`` keyed by instance guid (the
intake re-keys them), so all events of one guid are on one partition, in order, handled by
the replica that owns it. The copies live in a `ChangelogStore` co-partitioned with that
topic (changelog ``cohort.referencecopies``, key = guid); the rules are in
`agents.cohort_reference_copies`.

Every instance event type is dispatched here: the ones that change or query a copy go to
`decide`, INSTANCE_ERROR_EVENT to the error log (when aimed at us), UNKNOWN_INSTANCE_EVENT
is ignored with its reason. Answers (REFRESHED_*, INSTANCE_ERROR_EVENT) go to the cohort
the event came from.

Readers on other replicas (the lineage graph) tail the ``cohort.referencecopies`` topic
with `agents.cohort_store.ChangelogReader`: latest value per guid, tombstones have
``purged: true``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from agents import cohort_ignored
from agents.cohort_dedup import SeenEvents
from agents.cohort_errors import ErrorLog, aimed_at_us
from agents.cohort_intake import HEADER_COHORT, HEADER_DIGEST, header, source_of
from agents.cohort_publisher import local_originator, send_event
from agents.cohort_reference_copies import CopyPolicy, Decision, decide, instance_of, kind_of
from agents.cohort_store import ChangelogStore
from agents.cohort_topics import CohortInternalTopics, raw_topic
from agents.dead_letters import send_dead_letter
from schemas.omrs import (
    EntityDetail,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSInstanceEventType,
    Relationship,
    TypeDefSummary,
    instance_error_event,
    parse_omrs_event,
    refreshed_entity_event,
    refreshed_relationship_event,
)
from schemas.open_metadata_types import LINEAGE_TYPE_NAMES

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

STREAM = "cohort-instances"

_I = OMRSInstanceEventType
COPY = "copy"
ERROR = "error"

DISPATCH: dict[OMRSInstanceEventType, str] = {
    **{
        t: COPY
        for t in OMRSInstanceEventType
        if t not in (_I.INSTANCE_ERROR_EVENT, _I.UNKNOWN_INSTANCE_EVENT)
    },
    _I.INSTANCE_ERROR_EVENT: ERROR,
    _I.UNKNOWN_INSTANCE_EVENT: "UNKNOWN_INSTANCE_EVENT has no defined meaning",
}
"""Every instance event type: handled by the copy rules, by the error log, or ignored (the reason)."""


def copy_policy(service: LineageService) -> CopyPolicy:
    types = service.settings.reference_copy_types or list(LINEAGE_TYPE_NAMES)
    return CopyPolicy(local_collection_id=service.settings.collection_id, kept_types=frozenset(types))


def _summary(record: dict[str, Any]) -> TypeDefSummary:
    return TypeDefSummary(
        guid=record.get("typeDefGUID"), name=record.get("typeDefName"), version=record.get("typeDefVersion")
    )


class CohortInstances:
    def __init__(
        self, service: LineageService, topics: CohortInternalTopics, errors: ErrorLog, seen: SeenEvents | None
    ):
        self.service = service
        self.settings = service.settings
        partitions = service.settings.topic_partitions
        self.topic = raw_topic(service, topics.instances, partitions=partitions)
        self.store = ChangelogStore(
            service,
            name="reference copies",
            source_topic=topics.instances,
            changelog=topics.reference_copies,
            partitions=partitions,
        )
        self.errors = errors
        self.seen = seen
        self.policy = copy_policy(service)

    def install(self) -> None:
        @self.service.app.agent(self.topic, name=STREAM)
        async def cohort_instances(stream: Any) -> None:
            async for event in stream.events():
                await self.handle_record(event.message, event.key, event.value)

    async def handle_record(self, message: Any, key: bytes | None, value: bytes | None) -> None:
        self.service.metrics.events_in.labels(stream=STREAM).inc()
        partition = message.partition
        data = await self.store.partition(partition)
        try:
            cohort = header(message, HEADER_COHORT) or ""
            event_digest = header(message, HEADER_DIGEST)
            if self.seen is not None and event_digest and await self.seen.seen(partition, event_digest):
                cohort_ignored.ignore(self.service, STREAM, "duplicate", "seen on the other cohort topic")
                return
            event = parse_omrs_event(value or b"")
            section = event.instance_event_section
            assert section is not None
            action = DISPATCH[section.event_type]
            guid = (key or b"").decode()
            if action == COPY:
                await self._act(
                    partition, cohort, guid, event, decide(data.get(guid), event, guid, cohort, self.policy)
                )
            elif action == ERROR:
                if aimed_at_us(self.settings, event):
                    await self.errors.record(cohort, event, event_digest)
                else:
                    cohort_ignored.ignore(self.service, STREAM, "aimed-at-another-member")
            else:
                cohort_ignored.ignore(self.service, STREAM, section.event_type.value, action)
            if self.seen is not None and event_digest:
                await self.seen.mark(partition, event_digest)
        except Exception as exc:
            log.exception("Cohort instances failed on %s[%d]@%d", message.topic, partition, message.offset)
            await send_dead_letter(
                self.service,
                stream=STREAM,
                source=source_of(message),
                key=key,
                value=value,
                reason=f"instance handling failed: {exc!r}",
            )

    async def _act(
        self, partition: int, cohort: str, guid: str, event: OMRSEventV1, decision: Decision
    ) -> None:
        if decision.outcome == "store":
            assert decision.record is not None
            await self.store.put(partition, guid, decision.record)
            self.service.metrics.events_out.labels(role="reference-copy").inc()
        elif decision.outcome == "ignore":
            cohort_ignored.ignore(self.service, STREAM, decision.reason)
        elif decision.outcome == "refresh":
            await self._refresh(cohort, event, decision.record or {})
        else:
            await self._conflict(cohort, guid, event, decision)

    async def _refresh(self, cohort: str, event: OMRSEventV1, record: dict[str, Any]) -> None:
        section = event.instance_event_section
        assert section is not None
        originator = local_originator(self.settings)
        instance = record["instance"]
        if kind_of(section.event_type) == "entity":
            if instance.get("class") != "EntityDetail":
                cohort_ignored.ignore(
                    self.service, STREAM, "no-entity-detail", "only a proxy of this entity is kept"
                )
                return
            answer = refreshed_entity_event(originator, EntityDetail.model_validate(instance))
        else:
            answer = refreshed_relationship_event(originator, Relationship.model_validate(instance))
        await send_event(self.service, cohort, answer, key=record["guid"])
        log.info(
            "Cohort %s: answered %s for %s from %s",
            cohort,
            section.event_type.value,
            record["guid"],
            event.originator.server_name,
        )

    async def _conflict(self, cohort: str, guid: str, event: OMRSEventV1, decision: Decision) -> None:
        section = event.instance_event_section
        assert section is not None
        _, bean = instance_of(section)
        sender = event.originator.metadata_collection_id
        theirs = None
        if bean is not None and bean.type is not None:
            theirs = TypeDefSummary(
                guid=bean.type.type_def_guid,
                name=bean.type.type_def_name,
                version=bean.type.type_def_version,
                category=bean.type.type_def_category,
            )
        originator = local_originator(self.settings)
        if decision.outcome == "conflicting-type":
            assert decision.ours is not None
            message = (
                f"Instance {guid} has type {theirs.name if theirs else '?'} (guid "
                f"{theirs.guid if theirs else '?'}, version {theirs.version if theirs else '?'}); this server's "
                f"TypeDef {decision.ours.name} is guid {decision.ours.guid}, version {decision.ours.version}"
            )
            answer = instance_error_event(
                originator,
                OMRSEventErrorCode.CONFLICTING_TYPE,
                message,
                sender,
                guid,
                decision.ours.summary(),
                target_type_def_summary=theirs,
            )
        else:
            record = decision.record or {}
            message = (
                f"Instance {guid} has type {theirs.name if theirs else '?'}; the copy this server holds "
                f"(home {record.get('homeMetadataCollectionId')}) has type {record.get('typeDefName')}"
            )
            answer = instance_error_event(
                originator,
                OMRSEventErrorCode.CONFLICTING_INSTANCES,
                message,
                sender,
                guid,
                _summary(record),
                target_type_def_summary=theirs,
                other_instance_guid=guid,
                other_metadata_collection_id=record.get("homeMetadataCollectionId"),
            )
        log.warning(
            "Cohort %s: %s from %s: %s", cohort, decision.outcome, event.originator.server_name, message
        )
        await send_event(self.service, cohort, answer, key=guid)
