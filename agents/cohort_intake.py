"""Cohort intake: read every cohort topic, validate each record, route it to the agent of its category.

One Faust agent consumes the inbound topics of every configured cohort in the configured
structure (dedicated, single, or both). For each record:

- not JSON, or not an OMRS event: dead-lettered (raw bytes, headers naming source and reason);
- parses but breaks a rule: dead-lettered, and its sender gets an INVALID_REGISTRY_EVENT /
  INVALID_TYPEDEF_EVENT / INVALID_INSTANCE_EVENT error event (never an error event in answer
  to an error event, nor to ourselves);
- valid: dispatched on ``eventCategory``: REGISTRY to ``cohort.registry``, TYPEDEF to
  ``cohort.types`` (one partition each: per-cohort order, one owner), INSTANCE to
  ``cohort.instances`` keyed by instance guid (per-guid order, whatever key the sender
  used); UNKNOWN and GENERIC are ignored with a logged reason and a counter.

Routing splits what spans several guids: a BATCH_INSTANCES_EVENT becomes one record per
instance, a RE_IDENTIFIED event one record for the old guid and one for the new. Routed
records carry the cohort and, with BOTH_SINGLE_AND_DEDICATED_TOPICS, a digest of the event
so the next agent handles an event seen on two topics once.

The offset of a record is committed only after its routed copies are stored (the batch
stream flushes the producer and checks every send before committing) or it is dead-lettered.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agents import cohort_ignored
from agents.cohort_publisher import is_local, local_originator, send_event
from agents.cohort_topics import CohortInternalTopics
from agents.dead_letters import SourceRecord, send_dead_letter
from agents.parsed_cache import ParsedCache, worker_cache
from app.settings import CohortTopicStructure
from schemas.errors import FieldError
from schemas.omrs import (
    InstanceGraph,
    OMRSEventCategory,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSInstanceEventType,
    check_event_semantics,
    dump_omrs_event,
    event_type_of,
    instance_error_event,
    instance_guid,
    parse_omrs_event,
    registry_error_event,
    sender_collection_id,
    typedef_error_event,
    validate_omrs_event,
)

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

STREAM = "cohort-intake"

HEADER_COHORT = "lineage.cohort"
HEADER_DIGEST = "lineage.digest"
HEADER_CONTROL = "lineage.control"
HEADER_SOURCE = "lineage.source"

_I = OMRSInstanceEventType
_ERROR_TYPES = frozenset({"REGISTRATION_ERROR_EVENT", "TYPEDEF_ERROR_EVENT", "INSTANCE_ERROR_EVENT"})


@dataclass(frozen=True, slots=True)
class Routed:
    """One record for a stage-two topic: which stream, its key and its value.

    `event` is what `value` parses to, so the intake can hand the stage of the same worker
    the parsed event instead of having it parse the bytes again (not part of equality).
    """

    stream: str  # "registry" | "types" | "instances"
    key: str
    value: bytes
    event: OMRSEventV1 | None = field(default=None, compare=False, repr=False)


def parsed_omrs_events(service: LineageService) -> ParsedCache[OMRSEventV1]:
    """The worker's OMRS events by their bytes: the intake remembers what it routes, the
    stages and the lineage graph of the same worker take it from here instead of parsing."""
    return worker_cache(service, "omrs", parse_omrs_event)


def digest(cohort: str, event: OMRSEventV1) -> str:
    """Identity of an event within a cohort: the same event on two topics has the same digest."""
    return hashlib.sha256(cohort.encode() + b"\x00" + dump_omrs_event(event)).hexdigest()[:32]


def route(event: OMRSEventV1, raw: bytes) -> list[Routed]:
    """Where a valid event goes. Pure: the same event gives the same records."""
    category = event.event_category
    sender = sender_collection_id(event) or event.originator.server_name or "unknown"
    if category is OMRSEventCategory.REGISTRY:
        return [Routed("registry", sender, raw, event)]
    if category is OMRSEventCategory.TYPEDEF:
        return [Routed("types", sender, raw, event)]
    if category is not OMRSEventCategory.INSTANCE:
        return []
    section = event.instance_event_section
    assert section is not None  # semantics checked: the INSTANCE category carries its section
    kind = section.event_type
    if kind is _I.BATCH_INSTANCES_EVENT:
        return _split_batch(event)
    if kind in (_I.RE_IDENTIFIED_ENTITY_EVENT, _I.RE_IDENTIFIED_RELATIONSHIP_EVENT):
        new_guid = instance_guid(event)
        original = section.original_entity or section.original_relationship
        old_guid = section.original_instance_guid or (original.guid if original else None)
        return [
            Routed("instances", guid, raw, event)
            for guid in dict.fromkeys(g for g in (old_guid, new_guid) if g)
        ]
    if kind is _I.INSTANCE_ERROR_EVENT:
        error = event.error_section
        target = (error.target_instance_guid if error else None) or section.instance_guid or sender
        return [Routed("instances", target, raw, event)]
    return [Routed("instances", instance_guid(event) or sender, raw, event)]


def _split_batch(event: OMRSEventV1) -> list[Routed]:
    """One record per instance of a batch, each a batch of one, keyed by that instance's guid."""
    section = event.instance_event_section
    assert section is not None
    batch = section.instance_batch or InstanceGraph()
    graphs = [(e.guid, InstanceGraph(entities=[e])) for e in batch.entities or []]
    graphs += [(r.guid, InstanceGraph(relationships=[r])) for r in batch.relationships or []]
    routed = []
    for guid, one in graphs:
        piece = event.model_copy(
            update={"instance_event_section": section.model_copy(update={"instance_batch": one})}
        )
        routed.append(Routed("instances", guid or "", dump_omrs_event(piece), piece))
    return [r for r in routed if r.key]


def invalid_event_answer(
    service: LineageService, event: OMRSEventV1, errors: list[FieldError]
) -> OMRSEventV1 | None:
    """The INVALID_*_EVENT error event for a parseable event that breaks a rule, if one is due."""
    settings = service.settings
    target = sender_collection_id(event)
    kind = event_type_of(event)
    if (
        target is None
        or is_local(settings, event.originator)
        or (kind is not None and kind.value in _ERROR_TYPES)
    ):
        return None
    message = "invalid OMRS event: " + "; ".join(str(e) for e in errors[:5])
    originator = local_originator(settings)
    if event.event_category is OMRSEventCategory.REGISTRY:
        return registry_error_event(originator, OMRSEventErrorCode.INVALID_REGISTRY_EVENT, message, target)
    if event.event_category is OMRSEventCategory.TYPEDEF:
        return typedef_error_event(originator, OMRSEventErrorCode.INVALID_TYPEDEF_EVENT, message, target)
    if event.event_category is OMRSEventCategory.INSTANCE:
        return instance_error_event(
            originator, OMRSEventErrorCode.INVALID_INSTANCE_EVENT, message, target, instance_guid(event)
        )
    return None


class CohortIntake:
    """The stage-one agent and what it needs to route."""

    def __init__(self, service: LineageService, topics: CohortInternalTopics):
        self.service = service
        self.topics = topics
        self.cohort_of: dict[str, str] = {
            name: cohort.cohort for cohort in service.names.cohorts for name in cohort.inbound
        }
        self.dedup = (
            service.settings.cohort_topic_structure is CohortTopicStructure.BOTH_SINGLE_AND_DEDICATED_TOPICS
        )
        partitions = service.settings.topic_partitions
        self.targets = {
            "registry": service.topic(topics.registry, partitions=1, declare=True),
            "types": service.topic(topics.types, partitions=1, declare=True),
            "instances": service.topic(topics.instances, partitions=partitions, declare=True),
        }
        self.target_names = {
            "registry": topics.registry,
            "types": topics.types,
            "instances": topics.instances,
        }
        self.parsed = parsed_omrs_events(service)

    def install(self) -> None:
        inbound = list(self.cohort_of)
        if not inbound:
            log.info("No cohorts configured: cohort membership is off")
            return
        self.service.add_record_agent(self.service.topic(*inbound, declare=True), STREAM, self.handle_record)

    async def handle_record(self, message: Any, key: bytes | None, value: bytes | None) -> None:
        service = self.service
        service.metrics.events_in.labels(stream=STREAM).inc()
        source = SourceRecord.of(message)
        cohort = self.cohort_of.get(source.topic, "")
        try:
            raw = value if value is not None else b""
            known = self.parsed.take(raw)  # parsed already: by the lineage graph, or on another topic
            event, errors = self._validate(raw, known)
            if event is None or errors:
                await self._reject(source, cohort, key, value, event, errors)
                return
            tail_readers = 0 if known is not None or not self.parsed.is_tailed(source.topic) else 1
            await self._forward(source, cohort, event, raw, tail_readers)
        except Exception as exc:  # never stop on one record: set it aside with the reason
            log.exception("Cohort intake failed on %s[%d]@%d", source.topic, source.partition, source.offset)
            await send_dead_letter(
                service, stream=STREAM, source=source, key=key, value=value, reason=f"intake failed: {exc!r}"
            )

    @staticmethod
    def _validate(raw: bytes, known: OMRSEventV1 | None) -> tuple[OMRSEventV1 | None, list[FieldError]]:
        """`validate_omrs_event`, without the parse when this worker already parsed these bytes."""
        if known is not None:
            return known, check_event_semantics(known)
        return validate_omrs_event(raw)

    async def _reject(
        self,
        source: SourceRecord,
        cohort: str,
        key: bytes | None,
        value: bytes | None,
        event: OMRSEventV1 | None,
        errors: list[FieldError],
    ) -> None:
        what = "not an OMRS event" if event is None else "invalid OMRS event"
        reason = f"{what}: " + "; ".join(str(e) for e in errors[:5])
        await send_dead_letter(
            self.service, stream=STREAM, source=source, key=key, value=value, reason=reason, errors=errors
        )
        if event is not None and cohort:
            answer = invalid_event_answer(self.service, event, errors)
            if answer is not None:
                await send_event(self.service, cohort, answer)

    async def _forward(
        self, source: SourceRecord, cohort: str, event: OMRSEventV1, raw: bytes, tail_readers: int = 0
    ) -> None:
        """Route a valid event; what it parsed stays in the worker's cache for its other
        readers: the stage of each routed record, and `tail_readers` (the lineage graph, when it
        follows the source topic live and has not read these bytes yet)."""
        routed = route(event, raw)
        self._remember(event, raw, routed, tail_readers)
        if not routed:
            cohort_ignored.ignore(
                self.service,
                STREAM,
                f"category-{event.event_category.value.lower()}",
                f"{event.event_category} events carry no registry, TypeDef or instance change",
            )
            return
        headers = [
            (HEADER_COHORT, cohort.encode()),
            (HEADER_SOURCE, f"{source.topic}/{source.partition}/{source.offset}".encode()),
        ]
        event_digest = digest(cohort, event) if self.dedup else None
        for record in routed:
            record_headers = list(headers)
            if event_digest is not None:
                record_headers.append((HEADER_DIGEST, f"{event_digest}:{record.key}".encode()))
            # The app's producer directly (no Faust per-message wrapping); the batch stream
            # checks it was stored before it commits this record's offset.
            await self.service.produce(
                self.target_names[record.stream], record.key.encode(), record.value, headers=record_headers
            )
        self.service.metrics.events_out.labels(role="cohort-routed").inc(len(routed))

    def _remember(self, event: OMRSEventV1, raw: bytes, routed: list[Routed], tail_readers: int) -> None:
        """Leave each parse for the readers still to come, so none of them parses again."""
        parsed = self.parsed
        if tail_readers and all(record.value != raw for record in routed):
            parsed.remember(raw, event, tail_readers)  # a split batch: the tail reads the whole
        for record in routed:
            if record.event is not None:
                extra = tail_readers if record.value == raw else 0
                parsed.remember(record.value, record.event, 1 + extra)


def header(message: Any, name: str) -> str | None:
    """A header of a Faust message, decoded (None when absent)."""
    for key, value in message.headers or []:
        if key == name:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


def source_of(message: Any) -> SourceRecord:
    """Where a routed record was first read (the cohort topic), else where it is now."""
    origin = header(message, HEADER_SOURCE)
    if origin:
        topic, partition, offset = origin.rsplit("/", 2)
        return SourceRecord(topic, int(partition), int(offset))
    return SourceRecord.of(message)
