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
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agents.cohort_dedup import SeenEvents
from agents.cohort_errors import ErrorLog
from agents.cohort_publisher import local_originator, send_event
from agents.cohort_reference_copies import CopyPolicy, Decision, decide, instance_of, kind_of
from agents.cohort_stage import CohortStage
from agents.cohort_store import ChangelogStore
from agents.cohort_topics import CohortInternalTopics
from schemas.omrs import (
    EntityDetail,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSInstanceEventType,
    Relationship,
    TypeDefSummary,
    instance_error_event,
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


class CohortInstances(CohortStage):
    stream = STREAM
    label = "Cohort instances"
    failure = "instance handling failed"

    def __init__(
        self, service: LineageService, topics: CohortInternalTopics, errors: ErrorLog, seen: SeenEvents | None
    ):
        partitions = service.settings.topic_partitions
        store = ChangelogStore(
            service,
            name="reference copies",
            source_topic=topics.instances,
            changelog=topics.reference_copies,
            partitions=partitions,
        )
        super().__init__(
            service, service.topic(topics.instances, partitions=partitions, declare=True), store, errors, seen
        )
        self.policy = copy_policy(service)

    async def on_event(
        self,
        partition: int,
        cohort: str,
        key: bytes | None,
        event: OMRSEventV1,
        event_digest: str | None,
        data: Mapping[str, Any],
    ) -> None:
        section = event.instance_event_section
        assert section is not None
        action = DISPATCH[section.event_type]
        guid = (key or b"").decode()
        if action == COPY:
            await self._act(
                partition, cohort, guid, event, decide(data.get(guid), event, guid, cohort, self.policy)
            )
        elif action == ERROR:
            await self.on_error_event(cohort, event, event_digest)
        else:
            self.ignore(section.event_type.value, action)

    async def _act(
        self, partition: int, cohort: str, guid: str, event: OMRSEventV1, decision: Decision
    ) -> None:
        if decision.outcome == "store":
            assert decision.record is not None
            await self.store.put(partition, guid, decision.record)
            self.service.metrics.events_out.labels(role="reference-copy").inc()
        elif decision.outcome == "ignore":
            self.ignore(decision.reason)
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
                self.ignore("no-entity-detail", "only a proxy of this entity is kept")
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
