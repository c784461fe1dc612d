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
from app.settings import Settings
from schemas.omrs import dump_omrs_event, un_registration_event


def leave_cohort(settings: Settings, bootstrap: list[str], cohort: str) -> list[str]:
    """Send the UN_REGISTRATION_EVENT; return the topics written (once the broker has them)."""
    names = cohort_topics(settings.topic_root, cohort, settings.cohort_topic_structure).outbound(
        "registration"
    )
    event = un_registration_event(
        local_originator(settings.cohort_identity()),
        metadata_collection_name=settings.metadata_collection_name,
    )
    value = dump_omrs_event(event)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        futures = [producer.send(name, key=settings.collection_id.encode(), value=value) for name in names]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()
    return names
