"""One worker against a real broker: conflicts answered as Egeria answers them, errors aimed at
us kept, bad input dead-lettered, and the worker goes on.

Expectations come from Egeria's behaviour as recorded in tests/fixtures/egeria/event_layouts.json
(OMRSRepositoryContentManager.processNewTypeDefEvent for TypeDefs, LocalOMRSInstanceEventProcessor
for instances): a TypeDef whose name is known with another guid is CONFLICTING_TYPEDEFS naming
the sender as the other collection; a newer version is no conflict; an instance under a known
guid with another createTime is CONFLICTING_INSTANCES, and a newer version that lowers the
type version CONFLICTING_TYPE, both aimed at the instance's home.
"""

from __future__ import annotations

from typing import Any

import orjson

from runtime.dead_letters import (
    HEADER_REASON,
    HEADER_SOURCE_OFFSET,
    HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_TOPIC,
)
from schemas.omrs import OMRSEventErrorCode, OMRSInstanceEventType, instance_error_event
from schemas.open_metadata_types import attribute_type_named, type_named
from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, create_topic, produce, read_to_end
from tests.support.omrs_events import (
    BASE_TIME,
    Member,
    cohort_topic,
    encoded,
    entity,
    entity_event,
    internal_topic,
    new_entity_typedef,
    new_primitive_typedef,
    refresh_entity_request,
    registration,
    server_member,
)
from tests.support.workers import WorkerProcess, wait_until

_I = OMRSInstanceEventType


def events_on(broker: Broker, topic: str) -> list[dict[str, Any]]:
    """Every OMRS event on a topic, read to its end; garbage skipped."""
    decoded = []
    for record in read_to_end(broker.bootstrap, topic):
        try:
            value = orjson.loads(record.value or b"")
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict) and "originator" in value:
            decoded.append(value)
    return decoded


def errors_from(events: list[dict[str, Any]], server: str) -> list[dict[str, Any]]:
    return [e for e in events if e.get("errorSection") and e["originator"]["serverName"] == server]


def members(worker: WorkerProcess) -> set[str]:
    return {m["serverName"] for m in worker.get("/api/v1/cohort/members").json()["cohorts"][0]["members"]}


def test_conflicts_are_answered_errors_aimed_at_us_are_kept_and_garbage_is_dead_lettered(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    types_topic, instances_topic = cohort_topic(server_env, "types"), cohort_topic(server_env, "instances")
    registration_topic = cohort_topic(server_env, "registration")
    topics = (registration_topic, types_topic, instances_topic)
    for topic in topics:
        create_topic(broker.bootstrap, topic, partitions=2)
    us = server_member(server_env)
    egeria = Member("cocoMDS1")
    worker = workers()
    worker.wait_ready()

    # Garbage first, on every cohort topic: dead-lettered with where it came from; the worker goes on.
    garbage = [b"\xff\xfe not json", b'{"class": "OMRSEventV1"}', b"[1, 2, 3]"]
    for topic in topics:
        produce(broker.bootstrap, topic, garbage, keys=[b"cocoMDS1"] * len(garbage))
    # A parseable event that breaks a rule: dead letter plus INVALID_INSTANCE_EVENT back to its sender.
    invalid = orjson.loads(
        encoded(entity_event(egeria, _I.NEW_ENTITY_EVENT, entity("e-0", "DataFile", 1, egeria)))
    )
    del invalid["instanceEventSection"]["entity"]
    produce(broker.bootstrap, instances_topic, [orjson.dumps(invalid)], keys=[b"cocoMDS1"])

    # TypeDefs: a name known with another guid, a guid under another name, a newer version,
    # an attribute type's name with another guid, and one that agrees.
    process, string = type_named("Process"), attribute_type_named("string")
    assert process is not None and string is not None
    typedefs = [
        new_entity_typedef(
            egeria, "Process", "11111111-2222-3333-4444-555555555555", process.version, "Asset"
        ),
        new_entity_typedef(egeria, "Procedure", process.guid, 1),
        new_entity_typedef(egeria, "Process", process.guid, process.version + 5, "Asset"),
        new_primitive_typedef(egeria, "string", "99999999-8888-7777-6666-555555555555"),
        new_entity_typedef(egeria, "Process", process.guid, process.version, "Asset"),
    ]
    produce(broker.bootstrap, types_topic, [encoded(e) for e in typedefs], keys=[b"cocoMDS1"] * len(typedefs))

    # Instances: a copy, then another instance under its guid (another createTime); a copy at
    # type version 3, then a newer version of it at type version 1; our own instance read back,
    # then a refresh request for it; an error event another member aims at us.
    table = entity("f0e1d2c3-0000-4000-8000-000000000001", "DataFile", 1, egeria)
    impostor = entity(table.guid or "", "DataFile", 2, egeria).model_copy(
        update={"create_time": BASE_TIME + 5}
    )
    typed = entity("f0e1d2c3-0000-4000-8000-000000000002", "DataFile", 1, egeria, type_version=3)
    regressed = entity(typed.guid or "", "DataFile", 2, egeria, type_version=1)
    mine = entity("f0e1d2c3-0000-4000-8000-000000000003", "DeployedSoftwareComponent", 1, us)
    aimed = instance_error_event(
        egeria.originator,
        OMRSEventErrorCode.CONFLICTING_INSTANCES,
        "yours clashes",
        us.collection_id,
        mine.guid,
    )
    instance_events = [
        entity_event(egeria, _I.NEW_ENTITY_EVENT, table),
        entity_event(egeria, _I.UPDATED_ENTITY_EVENT, impostor),
        entity_event(egeria, _I.NEW_ENTITY_EVENT, typed),
        entity_event(egeria, _I.UPDATED_ENTITY_EVENT, regressed),
        entity_event(us, _I.NEW_ENTITY_EVENT, mine),
        refresh_entity_request(egeria, mine.guid or "", "DeployedSoftwareComponent", us.collection_id),
        aimed,
    ]
    produce(broker.bootstrap, instances_topic, [encoded(e) for e in instance_events], keys=[b"cocoMDS1"] * 7)

    # Sentinels: a member registering after everything else on each topic's partition
    # (every record above is keyed by cocoMDS1): once the worker shows them all, all was handled.
    for topic in topics:
        produce(
            broker.bootstrap,
            topic,
            [encoded(registration(Member(f"sentinel-{topic[-5:]}")))],
            keys=[b"cocoMDS1"],
        )
    wait_until(lambda: {f"sentinel-{t[-5:]}" for t in topics} <= members(worker), timeout=60)

    typedef_errors = errors_from(events_on(broker, types_topic), us.server_name)
    by_code = {e["errorSection"]["errorCode"]: e for e in typedef_errors}
    assert sorted(e["errorSection"]["errorCode"] for e in typedef_errors) == [
        "CONFLICTING_ATTRIBUTE_TYPEDEFS",
        "CONFLICTING_TYPEDEFS",
    ]
    conflicting = by_code["CONFLICTING_TYPEDEFS"]
    assert conflicting["typeDefEventSection"]["typeDefEventType"] == "TYPEDEF_ERROR_EVENT"
    assert (
        conflicting["typeDefEventSection"]["originalTypeDefSummary"]["guid"]
        == "11111111-2222-3333-4444-555555555555"
    )
    assert conflicting["errorSection"]["otherMetadataCollectionId"] == egeria.collection_id
    assert conflicting["errorSection"]["otherTypeDefSummary"]["guid"] == process.guid
    attribute = by_code["CONFLICTING_ATTRIBUTE_TYPEDEFS"]
    assert (
        attribute["typeDefEventSection"]["originalAttributeTypeDef"]["guid"]
        == "99999999-8888-7777-6666-555555555555"
    )
    assert attribute["errorSection"]["otherAttributeTypeDef"]["guid"] == string.guid

    answers = events_on(broker, instances_topic)
    instance_errors = {
        e["errorSection"]["errorCode"]: e["errorSection"] for e in errors_from(answers, us.server_name)
    }
    assert set(instance_errors) == {"CONFLICTING_INSTANCES", "CONFLICTING_TYPE", "INVALID_INSTANCE_EVENT"}
    conflict = instance_errors["CONFLICTING_INSTANCES"]
    assert conflict["targetMetadataCollectionId"] == egeria.collection_id  # the instance's home
    assert conflict["targetInstanceGUID"] == table.guid
    assert conflict["otherMetadataCollectionId"] == us.collection_id
    wrong_type = instance_errors["CONFLICTING_TYPE"]
    assert wrong_type["targetMetadataCollectionId"] == egeria.collection_id
    assert wrong_type["targetInstanceGUID"] == typed.guid
    assert instance_errors["INVALID_INSTANCE_EVENT"]["targetMetadataCollectionId"] == egeria.collection_id
    refreshed = [
        a for a in answers if a.get("instanceEventSection", {}).get("eventType") == "REFRESHED_ENTITY_EVENT"
    ]
    assert len(refreshed) == 1
    assert refreshed[0]["instanceEventSection"]["entity"]["guid"] == mine.guid
    assert refreshed[0]["originator"]["metadataCollectionId"] == us.collection_id

    # The error aimed at us is visible over REST and counted.
    kept = worker.get("/api/v1/cohort/errors").json()["errors"]
    assert [e["errorSection"]["errorCode"] for e in kept] == ["CONFLICTING_INSTANCES"]
    assert kept[0]["originator"]["serverName"] == "cocoMDS1"
    assert (
        'lineage_cohort_error_events_total{code="CONFLICTING_INSTANCES",cohort="testCohort"} 1.0'
        in worker.get("/metrics").text
    )

    # Every garbage record and the invalid event are dead letters naming their source.
    letters = read_to_end(broker.bootstrap, internal_topic(server_env, "deadletter"))
    assert len(letters) == 10
    sources = {(r.headers[HEADER_SOURCE_TOPIC].decode(), r.value) for r in letters}
    for topic in topics:
        assert {(topic, g) for g in garbage} <= sources
    for letter in letters:
        assert (
            letter.headers[HEADER_SOURCE_PARTITION].isdigit()
            and letter.headers[HEADER_SOURCE_OFFSET].isdigit()
        )
        assert letter.headers[HEADER_REASON]
    assert worker.process is not None and worker.process.poll() is None
