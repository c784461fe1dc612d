"""Instance replication: keep reference copies, answer refresh requests, report conflicts.

Every replica applies every instance event to its own reference copies (key
``cohort/copy/<guid>``), so every replica holds the same copies; the replica that owns an
event's partition sends the answers (REFRESHED_*, INSTANCE_ERROR_EVENT). The rules are in
`agents.cohort_reference_copies`: `decide` says, for the copy of one guid and one event,
what to store, what to ignore and why, or which answer is due.

An event about several instances is decided per instance: a BATCH_INSTANCES_EVENT for each
instance it carries (as a batch of one), a RE_IDENTIFIED event under the old guid (which
then points at the new one) and under the new guid. INSTANCE_ERROR_EVENT goes to the error
log when aimed at this server; UNKNOWN_INSTANCE_EVENT is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from agents.cohort_errors import ErrorLog, aimed_at_us
from agents.cohort_identity import CohortIdentity
from agents.cohort_publisher import local_originator
from agents.cohort_reference_copies import CopyPolicy, Decision, decide, instance_of, kind_of
from runtime.kv import KeyValue, get_json, put_json
from schemas.omrs import (
    EntityDetail,
    InstanceGraph,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSInstanceEventType,
    Relationship,
    TypeDefSummary,
    instance_error_event,
    instance_guid,
    refreshed_entity_event,
    refreshed_relationship_event,
)

log = logging.getLogger(__name__)

_I = OMRSInstanceEventType
_COPY = "cohort/copy/"


def copy_key(guid: str) -> bytes:
    return f"{_COPY}{guid}".encode()


def reference_copy(kv: KeyValue, guid: str) -> dict[str, Any] | None:
    """The copy of `guid` this replica holds (tombstones included), or None."""
    found: dict[str, Any] | None = get_json(kv, copy_key(guid))
    return found


def per_instance(event: OMRSEventV1) -> Iterator[tuple[str, OMRSEventV1]]:
    """(guid, event) for each instance an event is about (module docstring)."""
    section = event.instance_event_section
    assert section is not None
    kind = section.event_type
    if kind is _I.BATCH_INSTANCES_EVENT:
        batch = section.instance_batch or InstanceGraph()
        pieces = [(e.guid, InstanceGraph(entities=[e])) for e in batch.entities or []]
        pieces += [(r.guid, InstanceGraph(relationships=[r])) for r in batch.relationships or []]
        for guid, one in pieces:
            if guid:
                yield (
                    guid,
                    event.model_copy(
                        update={"instance_event_section": section.model_copy(update={"instance_batch": one})}
                    ),
                )
        return
    guid = instance_guid(event)
    if kind in (_I.RE_IDENTIFIED_ENTITY_EVENT, _I.RE_IDENTIFIED_RELATIONSHIP_EVENT):
        original = section.original_entity or section.original_relationship
        old_guid = section.original_instance_guid or (original.guid if original else None)
        for g in dict.fromkeys(x for x in (old_guid, guid) if x):
            yield g, event
        return
    if guid:
        yield guid, event


def _summary(record: dict[str, Any]) -> TypeDefSummary:
    return TypeDefSummary(
        guid=record.get("typeDefGUID"), name=record.get("typeDefName"), version=record.get("typeDefVersion")
    )


class CohortInstances:
    """Applies instance events to the reference copies; returns the answers they call for."""

    def __init__(self, identity: CohortIdentity, policy: CopyPolicy, errors: ErrorLog) -> None:
        self.identity = identity
        self.policy = policy
        self.errors = errors
        self.ignored: dict[str, int] = {}
        """How many events each reason left aside (for metrics and tests)."""

    def apply(
        self, kv: KeyValue, cohort: str, event: OMRSEventV1, sequence: str, acting: bool
    ) -> list[OMRSEventV1]:
        section = event.instance_event_section
        assert section is not None
        if section.event_type is _I.INSTANCE_ERROR_EVENT:
            if aimed_at_us(self.identity, event):
                self.errors.record(kv, cohort, event, sequence, acting)
            return []
        if section.event_type is _I.UNKNOWN_INSTANCE_EVENT:
            return []
        answers: list[OMRSEventV1] = []
        for guid, piece in per_instance(event):
            decision = decide(reference_copy(kv, guid), piece, guid, cohort, self.policy)
            answers += self._act(kv, cohort, guid, piece, decision, acting)
        return answers

    def _act(
        self, kv: KeyValue, cohort: str, guid: str, event: OMRSEventV1, decision: Decision, acting: bool
    ) -> list[OMRSEventV1]:
        if decision.outcome == "store":
            assert decision.record is not None
            put_json(kv, copy_key(guid), decision.record)
            return []
        if decision.outcome == "ignore":
            self.ignored[decision.reason] = self.ignored.get(decision.reason, 0) + 1
            return []
        if decision.outcome == "refresh":
            return self._refresh(cohort, event, decision.record or {}, acting)
        return [self._conflict(cohort, guid, event, decision, acting)]

    def _refresh(
        self, cohort: str, event: OMRSEventV1, record: dict[str, Any], acting: bool
    ) -> list[OMRSEventV1]:
        section = event.instance_event_section
        assert section is not None
        originator = local_originator(self.identity)
        instance = record["instance"]
        if kind_of(section.event_type) == "entity":
            if instance.get("class") != "EntityDetail":
                return []
            answer = refreshed_entity_event(originator, EntityDetail.model_validate(instance))
        else:
            answer = refreshed_relationship_event(originator, Relationship.model_validate(instance))
        if acting:
            log.info(
                "Cohort %s: answering %s for %s from %s",
                cohort,
                section.event_type.value,
                record["guid"],
                event.originator.server_name,
            )
        return [answer]

    def _conflict(
        self, cohort: str, guid: str, event: OMRSEventV1, decision: Decision, acting: bool
    ) -> OMRSEventV1:
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
        originator = local_originator(self.identity)
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
        if acting:
            log.warning(
                "Cohort %s: %s from %s: %s", cohort, decision.outcome, event.originator.server_name, message
            )
        return answer
