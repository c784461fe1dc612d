"""This server as a member of its cohorts: every cohort event, read once, applied, answered.

```
 cohort topics (every LINEAGE_COHORTS cohort, in LINEAGE_COHORT_TOPIC_STRUCTURE)
   -> every replica's cohort follower (runtime.follower): each record parsed once, then
        registry events  -> member registry and this server's registration (cohort_registry)
        TypeDef events   -> the cohort's TypeDefs, clashes with ours (cohort_typedefs)
        instance events  -> reference copies (cohort_instances), the catalogue's read
                            model (agents.catalogue.read_model) and the cohort's lineage
                            graph (agents.lineage_model)
        error events aimed at this server -> the error log (cohort_errors)
      all in the replica's own cohort state (state/cohort under LINEAGE_DATA_DIR);
   the replica that owns the record's partition also sends what the record calls for:
      answers and error events back to the cohort, the dead letter of a bad record
 registration, re-registration, refresh request: by the owner of partition 0 of each
 cohort's registration topic, when it gains it
```

A record that is not an OMRS event, or breaks a rule, is rejected (dead-lettered by its
owner), and its sender gets an INVALID_REGISTRY_EVENT / INVALID_TYPEDEF_EVENT /
INVALID_INSTANCE_EVENT error event (never in answer to an error event, nor to ourselves).
With BOTH_SINGLE_AND_DEDICATED_TOPICS a member publishes each event to two topics; the
second copy is recognised by its digest and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition

from agents.catalogue import read_model
from agents.cohort_errors import ErrorLog
from agents.cohort_identity import CohortIdentity
from agents.cohort_instances import CohortInstances
from agents.cohort_publisher import CohortPublisher, is_local, local_originator
from agents.cohort_registry import CohortRegistry
from agents.cohort_topics import CohortTopics, CohortTopicStructure
from agents.cohort_typedefs import CohortTypeDefs
from agents.lineage_model import LineageGraph
from agents.reference_copy_rules import CopyPolicy
from runtime.failures import Rejected
from runtime.kv import KeyValue, Prefixed
from runtime.metrics import Metrics
from schemas.errors import FieldError
from schemas.omrs import (
    OMRSEventCategory,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSInstanceEventType,
    event_type_of,
    instance_error_event,
    instance_guid,
    registry_error_event,
    sender_collection_id,
    typedef_error_event,
    validate_omrs_event,
)

log = logging.getLogger(__name__)

_ERROR_TYPES = frozenset({"REGISTRATION_ERROR_EVENT", "TYPEDEF_ERROR_EVENT", "INSTANCE_ERROR_EVENT"})
_SEEN = "cohort/seen/"
_SEEN_AT = "cohort/seen-at/"
SEEN_WINDOW_S = 3600.0
"""How long a digest is remembered (BOTH topic structure): the two copies of an event arrive
within seconds of each other."""


@dataclass(frozen=True)
class CohortConfig:
    identity: CohortIdentity
    cohorts: tuple[CohortTopics, ...]
    structure: CohortTopicStructure
    kept_types: frozenset[str]
    """Types whose instances are kept as reference copies (subtypes included)."""


def invalid_event_answer(
    identity: CohortIdentity, event: OMRSEventV1, errors: list[FieldError]
) -> OMRSEventV1 | None:
    """The INVALID_*_EVENT error event for a parseable event that breaks a rule, if one is due."""
    target = sender_collection_id(event)
    kind = event_type_of(event)
    if (
        target is None
        or is_local(identity, event.originator)
        or (kind is not None and kind.value in _ERROR_TYPES)
    ):
        return None
    message = "invalid OMRS event: " + "; ".join(str(e) for e in errors[:5])
    originator = local_originator(identity)
    if event.event_category is OMRSEventCategory.REGISTRY:
        return registry_error_event(originator, OMRSEventErrorCode.INVALID_REGISTRY_EVENT, message, target)
    if event.event_category is OMRSEventCategory.TYPEDEF:
        return typedef_error_event(originator, OMRSEventErrorCode.INVALID_TYPEDEF_EVENT, message, target)
    if event.event_category is OMRSEventCategory.INSTANCE:
        return instance_error_event(
            originator, OMRSEventErrorCode.INVALID_INSTANCE_EVENT, message, target, instance_guid(event)
        )
    return None


CATALOGUE = b"catalogue/"
"""Where the catalogue's read model lives in the cohort state."""


def catalogue_read_model(cohort_state: KeyValue) -> KeyValue:
    """The catalogue read model (`agents.catalogue.read_model`) in a replica's cohort state."""
    return Prefixed(cohort_state, CATALOGUE)


GRAPH = b"graph/"
"""Where the cohort's lineage graph lives in the cohort state."""


def cohort_lineage_graph(cohort_state: KeyValue) -> LineageGraph:
    """The cohort's lineage graph (`agents.lineage_model`) in a replica's cohort state: what
    every member shares, this server's own instances included (they come back through the
    topic like any member's)."""
    return LineageGraph(Prefixed(cohort_state, GRAPH))


def as_error_event(event: OMRSEventV1) -> OMRSEventV1:
    """Egeria's own instance error events name no event type (its constructors leave
    UNKNOWN_INSTANCE_EVENT, with the error section set): read them as INSTANCE_ERROR_EVENT."""
    section = event.instance_event_section
    if (
        event.error_section is not None
        and section is not None
        and section.event_type is OMRSInstanceEventType.UNKNOWN_INSTANCE_EVENT
    ):
        fixed = section.model_copy(update={"event_type": OMRSInstanceEventType.INSTANCE_ERROR_EVENT})
        return event.model_copy(update={"instance_event_section": fixed})
    return event


class CohortMember:
    """The cohort follower's handler (see the module docstring)."""

    def __init__(self, config: CohortConfig, publisher: CohortPublisher, metrics: Metrics) -> None:
        self.config = config
        self.publisher = publisher
        self.metrics = metrics
        identity = config.identity
        self.errors = ErrorLog(identity, metrics)
        self.registry = CohortRegistry(identity, self.errors)
        self.typedefs = CohortTypeDefs(identity, self.errors)
        self.instances = CohortInstances(
            identity,
            CopyPolicy(local_collection_id=identity.collection_id, kept_types=config.kept_types),
            self.errors,
            metrics,
        )
        self.cohort_of = {topic: c.cohort for c in config.cohorts for topic in c.inbound}
        self.registration_partitions = {
            TopicPartition(c.registration_topic, 0): c.cohort for c in config.cohorts
        }
        self.dedup = config.structure is CohortTopicStructure.BOTH_SINGLE_AND_DEDICATED_TOPICS

    @property
    def topics(self) -> list[str]:
        return list(self.cohort_of)

    @property
    def cohort_names(self) -> list[str]:
        return [c.cohort for c in self.config.cohorts]

    async def apply(self, record: Any, kv: KeyValue, acting: bool) -> None:
        """One cohort record: applied to the cohort state; answered when this replica acts on it."""
        cohort = self.cohort_of.get(record.topic, "")
        raw: bytes = record.value or b""
        event, errors = validate_omrs_event(raw)
        if event is None or errors:
            await self._reject(cohort, event, errors, acting)
        assert event is not None
        if self.dedup and self._seen_before(kv, cohort, raw):
            self.metrics.ignored_events.labels(stream="cohort", reason="duplicate").inc()
            return
        event = as_error_event(event)
        sequence = f"{record.partition:04d}/{record.offset:015d}"
        category = event.event_category
        to_every_cohort = category is OMRSEventCategory.INSTANCE
        if category is OMRSEventCategory.REGISTRY:
            answers = self.registry.apply(kv, cohort, event, sequence, acting)
        elif category is OMRSEventCategory.TYPEDEF:
            answers = self.typedefs.apply(kv, cohort, event, sequence, acting)
        elif to_every_cohort:
            answers = self.instances.apply(kv, cohort, event, sequence, acting)
            read_model.apply_event(catalogue_read_model(kv), event)
            cohort_lineage_graph(kv).apply(event)
        else:
            answers = []
        if acting:
            for answer in answers:
                for target in self.cohort_names if to_every_cohort else [cohort]:
                    await self.publisher.send(target, answer)

    async def _reject(
        self, cohort: str, event: OMRSEventV1 | None, errors: list[FieldError], acting: bool
    ) -> None:
        what = "not an OMRS event" if event is None else "invalid OMRS event"
        if acting and event is not None and cohort:
            answer = invalid_event_answer(self.config.identity, event, errors)
            if answer is not None:
                await self.publisher.send(cohort, answer)
        raise Rejected(f"{what}: " + "; ".join(str(e) for e in errors[:5]), errors)

    def _seen_before(self, kv: KeyValue, cohort: str, raw: bytes) -> bool:
        """Whether this event came already on the cohort's other topic (remembering it if not)."""
        digest = hashlib.sha256(cohort.encode() + b"\x00" + raw).hexdigest()[:32]
        key = (_SEEN + digest).encode()
        if kv.get(key) is not None:
            return True
        now = time.time()
        kv.put(key, b"1")
        kv.put(f"{_SEEN_AT}{now:017.6f}/{digest}".encode(), b"")
        for old, _ in kv.scan(_SEEN_AT.encode()):
            at, _, old_digest = old.decode()[len(_SEEN_AT) :].partition("/")
            if now - float(at) < SEEN_WINDOW_S:
                break
            kv.delete(old)
            kv.delete((_SEEN + old_digest).encode())
        return False

    async def on_gained(self, gained: set[TopicPartition], kv: KeyValue) -> None:
        """Register with each cohort whose registration partition this replica just gained."""
        for tp in gained:
            cohort = self.registration_partitions.get(tp)
            if cohort is not None:
                for event in self.registry.registration_events(kv, cohort):
                    await self.publisher.send(cohort, event)
