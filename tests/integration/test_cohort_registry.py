"""Cohort registry with real worker replicas: register once, answer a refresh once, keep the members."""

from __future__ import annotations

import subprocess
from typing import Any

import orjson

from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, consume, create_topic, produce
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


def registry_events(broker: Broker, topic: str, expect: int, settle: float = 0.0) -> list[dict[str, Any]]:
    return [
        orjson.loads(r.value or b"") for r in consume(broker.bootstrap, topic, expect=expect, settle=settle)
    ]


def of_type(events: list[dict[str, Any]], kind: str, server: str) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e["registryEventSection"]["registryEventType"] == kind and e["originator"]["serverName"] == server
    ]


def members_of(worker: WorkerProcess) -> dict[str, Any]:
    body = worker.get("/api/v1/cohort/members").json()
    return {m["metadataCollectionId"]: m for m in body["cohorts"][0]["members"]}


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

    # Registered once for the server, not once per replica (plus one refresh request, as Egeria).
    events = registry_events(broker, topic, expect=2, settle=3.0)
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

    # A member registers and asks everyone to re-register: exactly one answer from us.
    atlas = Member("atlas-proxy")
    produce(broker.bootstrap, topic, [encoded(registration(atlas))], keys=[atlas.server_name.encode()])
    produce(broker.bootstrap, topic, [encoded(refresh_request(atlas))], keys=[atlas.server_name.encode()])
    events = registry_events(broker, topic, expect=5, settle=5.0)
    answers = of_type(events, "RE_REGISTRATION_EVENT", us.server_name)
    assert len(answers) == 1, answers
    assert answers[0]["registryEventSection"]["registrationTimestamp"] == section["registrationTimestamp"]

    # Every replica shows the member, with what it registered.
    for worker in (first, second):
        member = wait_until(lambda w=worker: members_of(w).get(atlas.collection_id), timeout=30)
        assert member["serverName"] == "atlas-proxy"
        assert member["repositoryConnection"]["endpoint"]["address"].startswith("https://atlas-proxy")
    local = first.get("/api/v1/cohort/members").json()["cohorts"][0]["localRegistration"]
    assert local["state"] == "registered"

    # A member using our collection id is told so, and is not added.
    impostor = Member("impostor", us.collection_id)
    produce(broker.bootstrap, topic, [encoded(registration(impostor))], keys=[b"impostor"])
    events = registry_events(broker, topic, expect=7, settle=2.0)
    errors = of_type(events, "REGISTRATION_ERROR_EVENT", us.server_name)
    assert len(errors) == 1
    error = errors[0]["errorSection"]
    assert error["errorCode"] == "CONFLICTING_COLLECTION_ID"
    assert error["targetMetadataCollectionId"] == us.collection_id
    # Egeria's processConflictingCollectionIdEvent sends the collection id alone, no connection
    assert "targetRemoteConnection" not in error
    assert us.collection_id not in members_of(first)

    # UN_REGISTRATION removes the member; a replica stopping does not unregister us.
    produce(broker.bootstrap, topic, [encoded(un_registration(atlas))], keys=[b"atlas"])
    wait_until(lambda: atlas.collection_id not in members_of(second), timeout=30)
    second.stop()
    first.wait_ready()
    assert not of_type(
        registry_events(broker, topic, expect=7, settle=2.0), "UN_REGISTRATION_EVENT", us.server_name
    )

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
    assert (
        len(of_type(registry_events(broker, topic, expect=8), "UN_REGISTRATION_EVENT", us.server_name)) == 1
    )
    wait_until(
        lambda: (
            first.get("/api/v1/cohort/members").json()["cohorts"][0]["localRegistration"]["state"] == "left"
        ),
        timeout=30,
    )
