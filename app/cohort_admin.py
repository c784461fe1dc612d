"""One-shot cohort administration from the CLI (no worker needed): leaving a cohort.

Leaving is explicit, never a side effect of a replica stopping: ``lineage-integrator leave
--cohort C`` sends this server's UN_REGISTRATION_EVENT to the cohort's registration
topic(s). Other members drop us from their registry; our own workers, reading it back,
mark the local registration "left" and stop registering with that cohort.
"""

from __future__ import annotations

from kafka import KafkaProducer

from agents.cohort_publisher import local_originator
from agents.cohort_topics import cohort_topics
from app.kafka_clients import ONE_SHOT_DEADLINE_S, producer_options
from app.settings import Settings
from schemas.omrs import dump_omrs_event, un_registration_event


class UnknownCohort(ValueError):
    """`leave` was asked for a cohort this server is not configured for."""


def check_cohort(settings: Settings, cohort: str) -> None:
    """Refuse a cohort not in LINEAGE_COHORTS: this server never joined it, so there is
    nothing to leave (and a typo would otherwise send an event nobody expects)."""
    if cohort not in settings.cohorts:
        configured = ", ".join(settings.cohorts) or "none"
        raise UnknownCohort(
            f"{settings.server_name} is not configured for cohort {cohort!r} "
            f"(LINEAGE_COHORTS: {configured}); nothing sent"
        )


def leave_cohort(settings: Settings, bootstrap: list[str], cohort: str) -> list[str]:
    """Send the UN_REGISTRATION_EVENT; return the topics written (once the broker has them)."""
    check_cohort(settings, cohort)
    names = cohort_topics(settings.topic_root, cohort, settings.cohort_topic_structure).outbound(
        "registration"
    )
    event = un_registration_event(
        local_originator(settings.cohort_identity()),
        metadata_collection_name=settings.metadata_collection_name,
    )
    value = dump_omrs_event(event)
    connection = settings.kafka_connection(bootstrap)
    producer = KafkaProducer(
        bootstrap_servers=list(connection.bootstrap_servers), **producer_options(connection), acks="all"
    )
    try:
        futures = [producer.send(name, key=settings.collection_id.encode(), value=value) for name in names]
        producer.flush(timeout=ONE_SHOT_DEADLINE_S)
        for future in futures:
            future.get(timeout=ONE_SHOT_DEADLINE_S)
    finally:
        producer.close(timeout=1)
    return names
