"""One worker against a real broker: each conflict gets its error event, bad input its dead letter."""

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
from schemas.open_metadata_types import type_named
from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, consume, create_topic, produce
from tests.support.omrs_events import (
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
from tests.support.workers import wait_until

_I = OMRSInstanceEventType


def events_on(broker: Broker, topic: str, expect: int, settle: float = 0.0) -> list[dict[str, Any]]:
    """Every record of a topic (garbage included, so `expect` counts it) decoded; garbage dropped."""
    decoded = []
    for record in consume(broker.bootstrap, topic, expect=expect, settle=settle):
        try:
            value = orjson.loads(record.value or b"")
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict) and "originator" in value:
            decoded.append(value)
    return decoded


def errors_from(events: list[dict[str, Any]], server: str) -> list[dict[str, Any]]:
    return [e for e in events if e.get("errorSection") and e["originator"]["serverName"] == server]


def test_conflicts_are_answered_errors_aimed_at_us_are_kept_and_garbage_is_dead_lettered(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    types_topic, instances_topic = cohort_topic(server_env, "types"), cohort_topic(server_env, "instances")
    registration_topic = cohort_topic(server_env, "registration")
    for topic in (registration_topic, types_topic, instances_topic):
        create_topic(broker.bootstrap, topic, partitions=2)
    us = server_member(server_env)
    egeria = Member("cocoMDS1")
    worker = workers()
    worker.wait_ready()

    # Garbage first, on every cohort topic: dead-lettered with where it came from; the worker goes on.
    garbage = [b"\xff\xfe not json", b'{"class": "OMRSEventV1"}', b"[1, 2, 3]"]
    for topic in (registration_topic, types_topic, instances_topic):
        produce(broker.bootstrap, topic, garbage, keys=[b"g"] * len(garbage))
    # A parseable event that breaks a rule: dead letter plus INVALID_INSTANCE_EVENT back to its sender.
    invalid = orjson.loads(
        encoded(entity_event(egeria, _I.NEW_ENTITY_EVENT, entity("e-0", "DataFile", 1, egeria)))
    )
    del invalid["instanceEventSection"]["entity"]
    produce(broker.bootstrap, instances_topic, [orjson.dumps(invalid)], keys=[b"cocoMDS1"])

    # TypeDefs: a name clash, a guid clash, a version mismatch, an attribute clash.
    process, string = type_named("Process"), "b34a64b9-554a-42b1-8f8a-7d5c2339f9c4"
    data_file_version = type_named("DataFile").version  # type: ignore[union-attr]
    assert process is not None
    typedefs = [
        new_entity_typedef(
            egeria, "Process", "11111111-2222-3333-4444-555555555555", process.version, "Asset"
        ),
        new_entity_typedef(egeria, "Procedure", process.guid, 1),
        new_entity_typedef(egeria, "Process", process.guid, process.version + 5, "Asset"),
        new_primitive_typedef(egeria, "string", "99999999-8888-7777-6666-555555555555"),
        new_primitive_typedef(egeria, "text", string),
        new_entity_typedef(egeria, "Process", process.guid, process.version, "Asset"),  # agrees: no error
    ]
    produce(broker.bootstrap, types_topic, [encoded(e) for e in typedefs], keys=[b"cocoMDS1"] * len(typedefs))

    # Instances: one kept, then the same guid with another type, then a known type at another version.
    table = entity("f0e1d2c3-0000-4000-8000-000000000001", "DataFile", 1, egeria)
    clash = entity(table.guid or "", "KafkaTopic", 2, egeria)
    old_type = entity(
        "f0e1d2c3-0000-4000-8000-000000000002", "DataFile", 1, egeria, type_version=data_file_version + 1
    )
    # Our own instance read back from the cohort (as publish_instance_events sends it), then a refresh for it.
    mine = entity("f0e1d2c3-0000-4000-8000-000000000003", "DeployedSoftwareComponent", 1, us)
    # An error event another member aims at us.
    aimed = instance_error_event(
        egeria.originator,
        OMRSEventErrorCode.CONFLICTING_INSTANCES,
        "yours clashes",
        us.collection_id,
        mine.guid,
    )
    instance_events = [
        entity_event(egeria, _I.NEW_ENTITY_EVENT, table),
        entity_event(egeria, _I.UPDATED_ENTITY_EVENT, clash),
        entity_event(egeria, _I.NEW_ENTITY_EVENT, old_type),
        entity_event(us, _I.NEW_ENTITY_EVENT, mine),
        refresh_entity_request(egeria, mine.guid or "", "DeployedSoftwareComponent", us.collection_id),
        aimed,
    ]
    produce(
        broker.bootstrap,
        instances_topic,
        [encoded(e) for e in instance_events],
        keys=[b"cocoMDS1"] * len(instance_events),
    )
    # After all the garbage, a good registration is still handled.
    produce(broker.bootstrap, registration_topic, [encoded(registration(egeria))], keys=[b"cocoMDS1"])

    typedef_errors = errors_from(
        events_on(broker, types_topic, expect=len(typedefs) + len(garbage) + 5, settle=3.0), us.server_name
    )
    codes = sorted(e["errorSection"]["errorCode"] for e in typedef_errors)
    assert codes == [
        "CONFLICTING_ATTRIBUTE_TYPEDEFS",
        "CONFLICTING_ATTRIBUTE_TYPEDEFS",
        "CONFLICTING_TYPEDEFS",
        "CONFLICTING_TYPEDEFS",
        "TYPEDEF_PATCH_MISMATCH",
    ], codes
    # The layouts of Egeria's constructors (tests/fixtures/egeria/event_layouts.json): a
    # conflict names the member as the other collection and carries its definition as the
    # original; a patch mismatch targets it and carries our whole TypeDef.
    for error in typedef_errors:
        section, typedef_section = error["errorSection"], error["typeDefEventSection"]
        assert typedef_section["typeDefEventType"] == "TYPEDEF_ERROR_EVENT"
        if section["errorCode"] == "CONFLICTING_ATTRIBUTE_TYPEDEFS":
            assert section["otherMetadataCollectionId"] == egeria.collection_id
            assert typedef_section["originalAttributeTypeDef"]["class"] == "PrimitiveDef"
            assert section["otherAttributeTypeDef"]["name"] == "string"
            assert section["otherAttributeTypeDef"]["guid"] == string
        elif section["errorCode"] == "CONFLICTING_TYPEDEFS":
            assert section["otherMetadataCollectionId"] == egeria.collection_id
            assert section["otherTypeDefSummary"]["guid"] == process.guid
            assert section["otherTypeDefSummary"]["version"] == process.version
            assert typedef_section["originalTypeDefSummary"]["name"] in ("Process", "Procedure")
        else:
            assert section["targetMetadataCollectionId"] == egeria.collection_id
            assert section["otherTypeDef"]["guid"] == process.guid
            assert section["otherTypeDef"]["version"] == process.version
    mismatch = next(e for e in typedef_errors if e["errorSection"]["errorCode"] == "TYPEDEF_PATCH_MISMATCH")
    assert mismatch["errorSection"]["targetTypeDefSummary"]["version"] == process.version + 5

    answers = events_on(
        broker, instances_topic, expect=len(garbage) + 1 + len(instance_events) + 4, settle=3.0
    )
    instance_errors = {e["errorSection"]["errorCode"]: e for e in errors_from(answers, us.server_name)}
    assert set(instance_errors) == {"CONFLICTING_INSTANCES", "CONFLICTING_TYPE", "INVALID_INSTANCE_EVENT"}
    conflict = instance_errors["CONFLICTING_INSTANCES"]["errorSection"]
    assert conflict["targetMetadataCollectionId"] == egeria.collection_id
    assert conflict["targetInstanceGUID"] == table.guid
    assert conflict["otherTypeDefSummary"]["name"] == "DataFile"
    assert conflict["targetTypeDefSummary"]["name"] == "KafkaTopic"
    wrong_type = instance_errors["CONFLICTING_TYPE"]["errorSection"]
    assert wrong_type["targetMetadataCollectionId"] == egeria.collection_id
    assert wrong_type["targetInstanceGUID"] == old_type.guid
    assert wrong_type["otherTypeDefSummary"]["version"] == type_named("DataFile").version  # type: ignore[union-attr]
    assert wrong_type["targetTypeDefSummary"]["version"] == data_file_version + 1
    assert (
        instance_errors["INVALID_INSTANCE_EVENT"]["errorSection"]["targetMetadataCollectionId"]
        == egeria.collection_id
    )
    refreshed = [
        a for a in answers if a.get("instanceEventSection", {}).get("eventType") == "REFRESHED_ENTITY_EVENT"
    ]
    assert len(refreshed) == 1
    assert refreshed[0]["instanceEventSection"]["entity"]["guid"] == mine.guid
    assert refreshed[0]["originator"]["metadataCollectionId"] == us.collection_id

    # The error aimed at us is visible over REST.
    kept = wait_until(lambda: worker.get("/api/v1/cohort/errors").json()["errors"], timeout=30)
    assert [e["errorSection"]["errorCode"] for e in kept] == ["CONFLICTING_INSTANCES"]
    assert kept[0]["originator"]["serverName"] == "cocoMDS1"
    assert (
        'lineage_cohort_error_events_total{code="CONFLICTING_INSTANCES",cohort="testCohort"} 1.0'
        in worker.get("/metrics").text
    )

    # Every garbage record and the invalid event are dead letters naming their source; the worker lives.
    letters = consume(broker.bootstrap, internal_topic(server_env, "deadletter"), expect=10, settle=2.0)
    assert len(letters) == 10
    sources = {(r.headers[HEADER_SOURCE_TOPIC].decode(), r.value) for r in letters}
    for topic in (registration_topic, types_topic, instances_topic):
        assert {(topic, g) for g in garbage} <= sources
    for letter in letters:
        assert (
            letter.headers[HEADER_SOURCE_PARTITION].isdigit()
            and letter.headers[HEADER_SOURCE_OFFSET].isdigit()
        )
        assert letter.headers[HEADER_REASON]
    wait_until(
        lambda: (
            egeria.collection_id
            in {
                m["metadataCollectionId"]
                for m in worker.get("/api/v1/cohort/members").json()["cohorts"][0]["members"]
            }
        ),
        timeout=30,
    )
    assert worker.process is not None and worker.process.poll() is None
