"""Cohort registry with real worker replicas: register once, answer a refresh once, keep the
members, re-register on a restart, leave on command.

"Once" is observed with sentinels, not waited for: a member that registers after the event
under test, on the same partition (Egeria keys a member's events by the member), is shown by
every replica only after everything before it on that partition was handled, and a replica
sends an event's answers before the event counts as handled.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

import orjson

from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, create_topic, produce, read_to_end
from tests.support.omrs_events import (
    Member,
    cohort_topic,
    encoded,
    refresh_request,
    registration,
    server_member,
    un_registration,
)
from tests.support.workers import WorkerProcess, cli_command, wait_until


def registry_events(broker: Broker, topic: str) -> list[dict[str, Any]]:
    return [orjson.loads(r.value or b"") for r in read_to_end(broker.bootstrap, topic)]


def of_type(events: list[dict[str, Any]], kind: str, server: str, since_ms: int = 0) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e["registryEventSection"]["registryEventType"] == kind
        and e["originator"]["serverName"] == server
        and e["timestamp"] >= since_ms
    ]


def members_of(worker: WorkerProcess) -> dict[str, Any]:
    body = worker.get("/api/v1/cohort/members").json()
    return {m["metadataCollectionId"]: m for m in body["cohorts"][0]["members"]}


def local_registration(worker: WorkerProcess) -> dict[str, Any] | None:
    registration_: dict[str, Any] | None = worker.get("/api/v1/cohort/members").json()["cohorts"][0][
        "localRegistration"
    ]
    return registration_


def register(broker: Broker, topic: str, member: Member) -> None:
    produce(broker.bootstrap, topic, [encoded(registration(member))], keys=[member.server_name.encode()])


def sentinel_seen(broker: Broker, topic: str, workers: list[WorkerProcess], after: Member) -> None:
    """Register a sentinel member on `after`'s partition; wait until every replica shows it."""
    sentinel = Member(f"sentinel-{time.monotonic_ns()}")
    produce(broker.bootstrap, topic, [encoded(registration(sentinel))], keys=[after.server_name.encode()])
    for worker in workers:
        wait_until(lambda w=worker: sentinel.collection_id in members_of(w), timeout=30)


def test_two_replicas_register_once_answer_a_refresh_once_and_share_the_registry(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    topic = cohort_topic(server_env, "registration")
    for kind in ("registration", "types", "instances"):
        create_topic(broker.bootstrap, cohort_topic(server_env, kind), partitions=2)
    us = server_member(server_env)
    first, second = workers(), workers()
    first.wait_ready()
    second.wait_ready()
    atlas = Member("atlas-proxy")
    register(broker, topic, atlas)
    sentinel_seen(broker, topic, [first, second], after=atlas)

    # Registered once for the server, not once per replica, with one refresh request (Egeria's
    # connectToCohort); a replica gaining the registration partition later re-registers.
    events = registry_events(broker, topic)
    assert len(of_type(events, "REGISTRATION_EVENT", us.server_name)) == 1
    ours = of_type(events, "REGISTRATION_EVENT", us.server_name)[0]
    assert ours["originator"] == {
        "metadataCollectionId": us.collection_id,
        "serverName": us.server_name,
        "serverType": "Integration Daemon",
        "organizationName": "lineage-integrator",
    }
    section = ours["registryEventSection"]
    assert isinstance(section["registrationTimestamp"], int)
    assert section["remoteConnection"]["class"] == "Connection"
    assert section["remoteConnection"]["endpoint"]["address"].endswith(f"/servers/{us.server_name}")
    refreshes = of_type(events, "REFRESH_REGISTRATION_REQUEST", us.server_name)
    assert len(refreshes) == 1 + len(of_type(events, "RE_REGISTRATION_EVENT", us.server_name))

    # A member asks everyone to re-register: exactly one answer from the service.
    asked_at = int(time.time() * 1000)
    produce(broker.bootstrap, topic, [encoded(refresh_request(atlas))], keys=[atlas.server_name.encode()])
    sentinel_seen(broker, topic, [first, second], after=atlas)
    answers = of_type(registry_events(broker, topic), "RE_REGISTRATION_EVENT", us.server_name, asked_at)
    assert len(answers) == 1, answers
    assert answers[0]["registryEventSection"]["registrationTimestamp"] == section["registrationTimestamp"]

    # Every replica shows the member, with what it registered.
    for worker in (first, second):
        member = members_of(worker)[atlas.collection_id]
        assert member["serverName"] == "atlas-proxy"
        assert member["repositoryConnection"]["endpoint"]["address"].startswith("https://atlas-proxy")
        assert (local_registration(worker) or {})["state"] == "registered"

    # A member using our collection id is told so, and is not added.
    impostor = Member("impostor", us.collection_id)
    register(broker, topic, impostor)
    sentinel_seen(broker, topic, [first, second], after=impostor)
    errors = of_type(registry_events(broker, topic), "REGISTRATION_ERROR_EVENT", us.server_name)
    assert len(errors) == 1
    error = errors[0]["errorSection"]
    assert error["errorCode"] == "CONFLICTING_COLLECTION_ID"
    assert error["targetMetadataCollectionId"] == us.collection_id
    # Egeria's processConflictingCollectionIdEvent sends the collection id alone, no connection
    assert "targetRemoteConnection" not in error
    assert us.collection_id not in members_of(first)

    # UN_REGISTRATION removes the member; a replica stopping does not unregister us.
    produce(broker.bootstrap, topic, [encoded(un_registration(atlas))], keys=[atlas.server_name.encode()])
    wait_until(lambda: atlas.collection_id not in members_of(second), timeout=30)
    second.stop()
    first.wait_ready()
    sentinel_seen(broker, topic, [first], after=atlas)
    assert not of_type(registry_events(broker, topic), "UN_REGISTRATION_EVENT", us.server_name)

    # Leaving is the explicit command; the registry records it and stays out.
    done = subprocess.run(
        cli_command("leave", "--cohort", "testCohort"),
        env={**server_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert topic in done.stdout
    assert len(of_type(registry_events(broker, topic), "UN_REGISTRATION_EVENT", us.server_name)) == 1
    wait_until(lambda: (local_registration(first) or {}).get("state") == "left", timeout=30)


def test_a_restart_re_registers_once_and_asks_for_the_members_again(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    topic = cohort_topic(server_env, "registration")
    us = server_member(server_env)
    worker = workers()
    worker.wait_ready()
    worker.stop()
    restarted_at = int(time.time() * 1000)
    again = workers(data_dir=worker.data_dir)
    again.wait_ready()

    # The replica owning the registration partition re-registers once it has settled on it
    # (shortly after ready): wait for that, then for a sentinel behind it, then count.
    def re_registered() -> bool:
        events = registry_events(broker, topic)
        return all(
            of_type(events, kind, us.server_name, restarted_at)
            for kind in ("RE_REGISTRATION_EVENT", "REFRESH_REGISTRATION_REQUEST")
        )

    wait_until(
        re_registered,
        timeout=30,
        message="the restarted worker never re-registered",
    )
    atlas = Member("atlas-after-restart")
    register(broker, topic, atlas)
    sentinel_seen(broker, topic, [again], after=atlas)
    events = registry_events(broker, topic)
    assert len(of_type(events, "REGISTRATION_EVENT", us.server_name)) == 1
    assert len(of_type(events, "RE_REGISTRATION_EVENT", us.server_name, restarted_at)) == 1
    assert len(of_type(events, "REFRESH_REGISTRATION_REQUEST", us.server_name, restarted_at)) == 1
