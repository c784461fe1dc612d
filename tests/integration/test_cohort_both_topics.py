"""BOTH_SINGLE_AND_DEDICATED_TOPICS: an event a member puts on both topics is handled once."""

from __future__ import annotations

from typing import Any

import orjson

from schemas.omrs import OMRSEventErrorCode, instance_error_event
from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, create_topic, produce, read_to_end
from tests.support.omrs_events import (
    Member,
    cohort_topic,
    encoded,
    refresh_request,
    registration,
    server_member,
)
from tests.support.workers import wait_until

BOTH = {"LINEAGE_COHORT_TOPIC_STRUCTURE": "BOTH_SINGLE_AND_DEDICATED_TOPICS"}


def from_us(broker: Broker, topic: str, server: str) -> list[dict[str, Any]]:
    events = [orjson.loads(r.value or b"") for r in read_to_end(broker.bootstrap, topic)]
    return [e for e in events if e["originator"]["serverName"] == server]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    """The registry events among `events` (the single topic carries TypeDef events too)."""
    return sorted(
        e["registryEventSection"]["registryEventType"] for e in events if "registryEventSection" in e
    )


def test_an_event_on_both_topics_is_handled_once(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    single, registration_topic = cohort_topic(server_env, None), cohort_topic(server_env, "registration")
    instances = cohort_topic(server_env, "instances")
    for topic in (single, registration_topic, cohort_topic(server_env, "types"), instances):
        create_topic(broker.bootstrap, topic, partitions=2)
    us = server_member(server_env)
    worker = workers(BOTH)
    worker.wait_ready()

    member = Member("cocoMDS3")
    request = encoded(refresh_request(member))
    aimed = encoded(
        instance_error_event(
            member.originator,
            OMRSEventErrorCode.CONFLICTING_TYPE,
            "check your types",
            us.collection_id,
            "0b0b0b0b-0000-4000-8000-0000000000bb",
        )
    )
    for topic, value in (
        (single, request),
        (registration_topic, request),
        (single, aimed),
        (instances, aimed),
    ):
        produce(broker.bootstrap, topic, [value], keys=[member.server_name.encode()])
    # A sentinel after them on both topics: once the worker shows it, both copies were handled.
    sentinel = Member("sentinel")
    for topic in (single, registration_topic):
        produce(
            broker.bootstrap,
            topic,
            [encoded(registration(sentinel))],
            keys=[member.server_name.encode()],
        )
    wait_until(
        lambda: any(
            m["serverName"] == "sentinel"
            for m in worker.get("/api/v1/cohort/members").json()["cohorts"][0]["members"]
        ),
        timeout=30,
    )

    # We publish to both structures too: registration, refresh request and one answer on each topic.
    expected = ["REFRESH_REGISTRATION_REQUEST", "REGISTRATION_EVENT", "RE_REGISTRATION_EVENT"]
    assert kinds(from_us(broker, registration_topic, server=us.server_name)) == expected
    assert kinds(from_us(broker, single, server=us.server_name)) == expected

    errors = worker.get("/api/v1/cohort/errors").json()["errors"]
    assert len(errors) == 1
    metrics = worker.get("/metrics").text
    assert 'lineage_cohort_error_events_total{code="CONFLICTING_TYPE",cohort="testCohort"} 1.0' in metrics
    assert 'reason="duplicate"' in metrics
