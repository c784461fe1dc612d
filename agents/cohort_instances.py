"""Instance replication: keep reference copies, answer refresh requests, report conflicts.

Every replica applies every instance event to its own reference copies
(`agents.reference_copy_store`, in the replica's cohort state), so every replica holds the
same copies and can answer the repository REST API; the replica that owns an event's
partition sends what the event calls for. The rules, Egeria's, are in
`agents.reference_copy_rules`: `decide` says what to store and what to send.

What is sent goes to every cohort this server is a member of, as Egeria's local repository
does (one outbound publisher per cohort). An INSTANCE_ERROR_EVENT aimed at this server is
also kept in the error log.
"""

from __future__ import annotations

import logging

from agents.cohort_errors import ErrorLog, aimed_at_us
from agents.cohort_identity import CohortIdentity
from agents.cohort_publisher import local_originator
from agents.reference_copy_rules import CopyPolicy, decide, to_event
from agents.reference_copy_store import ReferenceCopyStore
from runtime.kv import KeyValue, Prefixed
from runtime.metrics import Metrics
from schemas.omrs import OMRSEventV1, OMRSInstanceEventType

log = logging.getLogger(__name__)

STREAM = "cohort"
COPIES = b"copies/"
"""Where the reference copies live in the cohort state."""


def reference_copies(cohort_state: KeyValue) -> ReferenceCopyStore:
    """The reference copies in a replica's cohort state (writable or a read view)."""
    return ReferenceCopyStore(Prefixed(cohort_state, COPIES))


class CohortInstances:
    """Applies instance events to the reference copies; returns the events they call for
    (each to be sent to every cohort)."""

    def __init__(
        self, identity: CohortIdentity, policy: CopyPolicy, errors: ErrorLog, metrics: Metrics
    ) -> None:
        self.identity = identity
        self.policy = policy
        self.errors = errors
        self.metrics = metrics

    def apply(
        self, kv: KeyValue, cohort: str, event: OMRSEventV1, sequence: str, acting: bool
    ) -> list[OMRSEventV1]:
        section = event.instance_event_section
        assert section is not None
        if section.event_type is OMRSInstanceEventType.INSTANCE_ERROR_EVENT and aimed_at_us(
            self.identity, event
        ):
            self.errors.record(kv, cohort, event, sequence, acting)
        copies = reference_copies(kv)
        decision = decide(event, cohort, copies.get, self.policy)
        copies.apply(decision)
        if not decision.puts and not decision.sends:
            self.metrics.ignored_events.labels(stream=STREAM, reason=decision.reason or "nothing-to-do").inc()
        if not decision.sends:
            return []
        originator = local_originator(self.identity)
        answers = [to_event(send, originator) for send in decision.sends]
        if acting:
            log.info(
                "Cohort %s: %s from %s calls for %s",
                cohort,
                section.event_type.value,
                event.originator.server_name,
                ", ".join(_describe(a) for a in answers),
            )
        return answers


def _describe(event: OMRSEventV1) -> str:
    section = event.instance_event_section
    if section is None:
        return "an event"
    if event.error_section is not None:
        return (
            f"{event.error_section.error_code.value} to {event.error_section.target_metadata_collection_id}"
        )
    return f"{section.event_type.value} for {section.instance_guid or ''}".strip()
