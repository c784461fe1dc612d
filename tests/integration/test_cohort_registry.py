"""Cohort registry with real worker replicas: register once (announcing this server's types),
answer a refresh once, keep the members, re-register on a restart, leave on command. The
restart test also checks that the explorer's read model survives a restart on disk (issue 16).

"Once" is observed with sentinels, not waited for: a member that registers after the event
under test, on the same partition (Egeria keys a member's events by the member), is shown by
every replica only after everything before it on that partition was handled, and a replica
sends an event's answers before the event counts as handled.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from agents.catalogue.layout import layout_for
from tests.conftest import WorkerFactory
from tests.support.egeria_beans import protocol_versions, wire_problems
from tests.support.events import run_event
from tests.support.explorer_history import ETL, history
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


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TYPEDEF_LAYOUT = json.loads((FIXTURES / "egeria" / "event_layouts.json").read_text())["events"][
    "NEW_TYPEDEF_EVENT"
]
"""The fields Egeria's NEW_TYPEDEF_EVENT carries: odpi/egeria 86e1137bf8ffbb59bb14612396e6adf1dbcbad96,
OMRSTypeDefEvent.java:100-110 (the section OMRSTypeDefEvent.getOMRSEventV1 writes into
OMRSEventV1.typeDefEventSection, an OMRSEventV1TypeDefSection) and OMRSRepositoryEventBuilder.java:57,
as recorded in tests/fixtures/egeria/event_layouts.json."""
EGERIA_5_TYPES = {
    t["name"]: t
    for t in json.loads(
        (Path(__file__).resolve().parents[2] / "schemas" / "egeria_types" / "egeria-5.2.json").read_text()
    )["typeDefs"]
}
"""Egeria 5.2's TypeDefs, read from odpi/egeria 19177ef738265ef6d297e0269ff8ace97bc41dfc,
content-packs/OpenMetadataTypes.omarchive (patches applied): what a first registration in a
cohort whose members announced no release must announce."""


def typedef_events(broker: Broker, topic: str, server: str) -> list[dict[str, Any]]:
    return [
        e
        for e in registry_events(broker, topic)
        if e.get("typeDefEventSection", {}).get("typeDefEventType") == "NEW_TYPEDEF_EVENT"
        and e["originator"]["serverName"] == server
    ]


def check_type_announcements(events: list[dict[str, Any]], us: Member) -> None:
    """NEW_TYPEDEF_EVENTs as Egeria's Java writes them (OMRSEventV1 with an OMRSTypeDefEventSection)
    and as Egeria 5.2's archive defines each type, super types announced before their subtypes."""
    announced = [e["typeDefEventSection"]["typeDef"]["name"] for e in events]
    assert len(set(announced)) == len(announced), "a type was announced twice"
    assert {"Referenceable", "Process", "DataFlow", "LineageMapping"} <= set(announced)
    for event in events:
        assert wire_problems(event, "OMRSEvent") == [], event["typeDefEventSection"]["typeDef"]["name"]
        assert event["class"] == "OMRSEventV1"
        assert event["protocolVersionId"] in protocol_versions()
        assert event["eventCategory"] == TYPEDEF_LAYOUT["category"]
        assert sorted(event["originator"]) == sorted(TYPEDEF_LAYOUT["originator"])
        assert event["originator"]["metadataCollectionId"] == us.collection_id
        assert sorted(event["typeDefEventSection"]) == sorted(TYPEDEF_LAYOUT["typeDefEventSection"])
        assert "errorSection" not in event and "registryEventSection" not in event
        typedef = event["typeDefEventSection"]["typeDef"]
        egeria = EGERIA_5_TYPES[typedef["name"]]
        assert (typedef["guid"], typedef["version"], typedef["category"]) == (
            egeria["guid"],
            egeria["version"],
            egeria["category"],
        ), typedef["name"]
        if egeria.get("superType"):
            assert typedef["superType"]["name"] == egeria["superType"]
            assert announced.index(egeria["superType"]) < announced.index(typedef["name"])


def explorer_holds(worker: WorkerProcess, events: int) -> bool:
    """Whether the worker's Marquez read API answers (its read model caught up) with `events` events."""
    answer = worker.get("/api/v1/events/lineage", params={"limit": "0"})
    return answer.status_code == 200 and answer.json()["totalCount"] == events


def explorer_answers(worker: WorkerProcess) -> dict[str, Any]:
    """Every namespace's jobs and datasets, and the lineage around each job, as Marquez's API answers."""
    answers: dict[str, Any] = {"jobs": {}, "datasets": {}, "lineage": {}}
    for namespace in worker.get("/api/v1/namespaces").json()["namespaces"]:
        name = quote(namespace["name"], safe="")
        jobs = worker.get(f"/api/v1/namespaces/{name}/jobs", params={"limit": "100"}).json()["jobs"]
        answers["jobs"][namespace["name"]] = jobs
        answers["datasets"][namespace["name"]] = worker.get(
            f"/api/v1/namespaces/{name}/datasets", params={"limit": "100"}
        ).json()["datasets"]
        for job in jobs:
            node = f"job:{namespace['name']}:{job['name']}"
            answers["lineage"][node] = worker.get(
                "/api/v1/lineage", params={"nodeId": node, "depth": "5"}
            ).json()
    return answers


def explorer_events_read(worker: WorkerProcess) -> float:
    """Records the explorer follower of this process has read (its metric)."""
    for line in worker.get("/metrics").text.splitlines():
        if line.startswith('lineage_events_in_total{stream="explorer"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


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

    # Issue 14: the first registration announces this server's types on the types topic.
    # (How many: the code's own count, used only to know when all have arrived.)
    types_topic = cohort_topic(server_env, "types")
    expected = len(layout_for("auto").types())
    announcements = wait_until(
        lambda: (
            (found := typedef_events(broker, types_topic, us.server_name))
            and len(found) >= expected
            and found
        ),
        timeout=30,
        message="the first registration's NEW_TYPEDEF_EVENTs never all arrived",
    )
    check_type_announcements(announcements, us)

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
    # Announced once for the server, whatever replicas ran and re-registered since.
    assert typedef_events(broker, types_topic, us.server_name) == announcements


def test_a_restart_re_registers_once_and_asks_for_the_members_again(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    topic = cohort_topic(server_env, "registration")
    us = server_member(server_env)
    worker = workers()
    worker.wait_ready()
    sent = history().json()
    for event in sent:
        assert worker.post("/api/v1/lineage", data=event).status_code == 200
    wait_until(lambda: explorer_holds(worker, len(sent)), timeout=60, message="the history was never folded")
    before = explorer_answers(worker)
    assert before["jobs"] and before["datasets"]
    assert worker.stop() == 0
    restarted_at = int(time.time() * 1000)
    again = workers(data_dir=worker.data_dir)
    again.wait_ready()

    # Issue 16: the explorer's read model is on disk: once ready, the restarted worker answers
    # what it answered before without reading the internal topic again.
    assert wait_until(lambda: explorer_holds(again, len(sent)), timeout=30)
    assert explorer_answers(again) == before
    assert explorer_events_read(again) == 0, "the restart folded the history again"
    late = run_event("after-the-restart", "COMPLETE", namespace=ETL)
    assert again.post("/api/v1/lineage", data=orjson.dumps(late)).status_code == 200
    wait_until(
        lambda: explorer_holds(again, len(sent) + 1), timeout=30, message="the late event never folded"
    )
    jobs = again.get(f"/api/v1/namespaces/{ETL}/jobs", params={"limit": "100"}).json()["jobs"]
    assert "after-the-restart" in {j["name"] for j in jobs}
    assert explorer_events_read(again) == 1  # the metric counts what this process folded

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
