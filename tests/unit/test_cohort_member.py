"""The cohort member's rules over a replica's state: instances split per guid, invalid events
answered, registry events and registration, duplicates of BOTH topic structure recognised."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from agents.cohort_errors import ErrorLog, recent_errors
from agents.cohort_identity import CohortIdentity
from agents.cohort_member import CohortConfig, CohortMember, invalid_event_answer
from agents.cohort_registry import CohortRegistry, local_key, members_view, registered_with_all
from agents.cohort_topics import CohortTopicStructure, cohort_topics
from agents.cohort_typedefs import CohortTypeDefs
from runtime.failures import Rejected
from runtime.kv import MemoryKeyValue, get_json
from runtime.metrics import Metrics
from schemas.errors import FieldError
from schemas.omrs import (
    OMRSEventErrorCode,
    OMRSInstanceEventType,
    OMRSRegistryEventType,
    instance_error_event,
    registry_error_event,
)
from schemas.omrs_builders import new_typedef_event
from schemas.open_metadata_types import release_types
from tests.support.omrs_events import (
    Member,
    encoded,
    entity,
    entity_event,
    refresh_request,
    registration,
    un_registration,
)

_I = OMRSInstanceEventType
_R = OMRSRegistryEventType
EGERIA = Member("cocoMDS1", "11111111-1111-4111-8111-111111111111")
US = CohortIdentity(
    collection_id="22222222-2222-4222-8222-222222222222",
    server_name="lineage",
    metadata_collection_name="lineage catalogue",
    organization_name="org",
    advertised_url="http://lineage:6066",
)
OURSELVES = Member("lineage", US.collection_id)


def test_invalid_events_are_answered_except_errors_and_our_own() -> None:
    errors = [FieldError("$.instanceEventSection.entity", "NEW_ENTITY_EVENT needs entity")]
    event = entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity("g-1", "DataFile", 1, EGERIA))
    answer = invalid_event_answer(US, event, errors)
    assert answer is not None and answer.error_section is not None
    assert answer.error_section.error_code is OMRSEventErrorCode.INVALID_INSTANCE_EVENT
    assert answer.error_section.target_metadata_collection_id == EGERIA.collection_id
    assert "needs entity" in (answer.error_section.error_message or "")
    error = instance_error_event(EGERIA.originator, OMRSEventErrorCode.CONFLICTING_TYPE, "x", "y")
    assert invalid_event_answer(US, error, errors) is None
    ours = entity_event(OURSELVES, _I.NEW_ENTITY_EVENT, entity("g-2", "DataFile", 1, OURSELVES))
    assert invalid_event_answer(US, ours, errors) is None


def registry() -> CohortRegistry:
    return CohortRegistry(US, ErrorLog(US, Metrics()))


def event_types(events: list) -> list[str]:  # type: ignore[type-arg]
    """The registry events among `events`, by type (registering also announces TypeDefs)."""
    return [e.registry_event_section.registry_event_type.value for e in events if e.registry_event_section]


def test_the_first_registration_announces_the_types_this_server_uses() -> None:
    events = registry().registration_events(MemoryKeyValue(), "coco")
    announced = [e.type_def_event_section.type_def.name for e in events if e.type_def_event_section]
    assert {"Process", "DataFlow", "LineageMapping"} <= set(announced)
    assert announced.index("Referenceable") < announced.index("Process")


def test_the_announced_types_are_those_of_the_release_the_cohorts_members_run() -> None:
    """Egeria 6.0's archive (schemas/egeria_types, from odpi/egeria's type archive source)
    names guid 815b004d... `Schema`, 5.2's `AssetSchemaType`: a cohort of Egeria 6 members
    is told of `Schema` and `TabularDataSet`, never of a type Egeria 6 dropped."""
    six = next(t for t in release_types("6.0").types if t.name == "Schema")
    kv = MemoryKeyValue()
    CohortTypeDefs(US, ErrorLog(US, Metrics())).apply(
        kv, "coco", new_typedef_event(Member("cocoMDS6").originator, six.type_def()), "1", acting=True
    )
    events = registry().registration_events(kv, "coco")
    announced = {e.type_def_event_section.type_def.name for e in events if e.type_def_event_section}
    assert {"Schema", "TabularDataSet", "Process"} <= announced
    assert not announced & {"AssetSchemaType", "TableDataSet", "KafkaTopic", "PortSchema"}
    fresh = registry().registration_events(MemoryKeyValue(), "other")  # no member announced yet: Egeria 5
    assert "AssetSchemaType" in {
        e.type_def_event_section.type_def.name for e in fresh if e.type_def_event_section
    }


def test_registration_is_first_registration_then_re_registration_and_a_left_cohort_stays_left() -> None:
    kv, reg = MemoryKeyValue(), registry()
    assert event_types(reg.registration_events(kv, "coco")) == [
        "REGISTRATION_EVENT",
        "REFRESH_REGISTRATION_REQUEST",
    ]
    assert not registered_with_all(kv, ["coco"])
    reg.apply(kv, "coco", registration(OURSELVES, at=123), "1", acting=True)
    assert get_json(kv, local_key("coco"))["state"] == "registered"
    assert registered_with_all(kv, ["coco"])
    again = reg.registration_events(kv, "coco")
    assert event_types(again) == ["RE_REGISTRATION_EVENT", "REFRESH_REGISTRATION_REQUEST"]
    assert again[0].registry_event_section.registration_timestamp == 123  # type: ignore[union-attr]
    reg.apply(kv, "coco", un_registration(OURSELVES), "2", acting=True)
    assert get_json(kv, local_key("coco"))["state"] == "left"
    assert reg.registration_events(kv, "coco") == []


def test_members_come_and_go_and_a_refresh_request_is_answered_once_registered() -> None:
    kv, reg = MemoryKeyValue(), registry()
    assert reg.apply(kv, "coco", registration(EGERIA, at=5), "1", acting=True) == []
    [view] = members_view(kv, ["coco"])
    assert [m["serverName"] for m in view["members"]] == ["cocoMDS1"]
    assert view["members"][0]["registrationTime"] == 5
    assert reg.apply(kv, "coco", refresh_request(EGERIA), "2", acting=True) == []  # not registered yet
    reg.apply(kv, "coco", registration(OURSELVES), "3", acting=True)
    [answer] = reg.apply(kv, "coco", refresh_request(EGERIA), "4", acting=True)
    assert event_types([answer]) == ["RE_REGISTRATION_EVENT"]
    reg.apply(kv, "coco", un_registration(EGERIA), "5", acting=True)
    assert members_view(kv, ["coco"])[0]["members"] == []


def test_another_server_with_our_collection_id_gets_an_error_and_is_not_added() -> None:
    kv, reg = MemoryKeyValue(), registry()
    impostor = Member("impostor", US.collection_id)
    [answer] = reg.apply(kv, "coco", registration(impostor), "1", acting=True)
    assert answer.error_section is not None
    assert answer.error_section.error_code is OMRSEventErrorCode.CONFLICTING_COLLECTION_ID
    assert members_view(kv, ["coco"])[0]["members"] == []
    assert kv.get(local_key("coco")) is None


def test_error_events_aimed_at_us_are_kept_newest_last() -> None:
    kv, reg = MemoryKeyValue(), registry()
    aimed = registry_error_event(
        EGERIA.originator, OMRSEventErrorCode.BAD_REMOTE_CONNECTION, "bad", US.collection_id
    )
    other = registry_error_event(EGERIA.originator, OMRSEventErrorCode.BAD_REMOTE_CONNECTION, "x", "someone")
    reg.apply(kv, "coco", aimed, "1", acting=True)
    reg.apply(kv, "coco", other, "2", acting=True)
    [kept] = recent_errors(kv)
    assert kept["errorSection"]["errorMessage"] == "bad"
    assert recent_errors(kv, "other-cohort") == []


class Sent:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    async def send(self, cohort: str, event: object) -> list[object]:
        self.events.append((cohort, event))
        return []


def member(
    structure: CohortTopicStructure = CohortTopicStructure.DEDICATED_TOPICS,
) -> tuple[CohortMember, Sent]:
    sent = Sent()
    config = CohortConfig(
        identity=US,
        cohorts=(cohort_topics("t", "coco", structure),),
        structure=structure,
        kept_types=frozenset({"DataFile"}),
    )
    return CohortMember(config, sent, Metrics()), sent  # type: ignore[arg-type]


def record(topic: str, value: bytes, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(topic=topic, partition=0, offset=offset, key=None, value=value)


def test_only_the_acting_replica_answers_but_every_replica_applies() -> None:
    m, sent = member()
    topic = m.topics[0]
    kv = MemoryKeyValue()
    asyncio.run(m.apply(record(topic, encoded(registration(OURSELVES))), kv, acting=False))
    asyncio.run(m.apply(record(topic, encoded(refresh_request(EGERIA)), 1), kv, acting=False))
    assert sent.events == []
    assert get_json(kv, local_key("coco"))["state"] == "registered"
    asyncio.run(m.apply(record(topic, encoded(refresh_request(EGERIA)), 2), kv, acting=True))
    assert [c for c, _ in sent.events] == ["coco"]


def test_a_record_that_is_no_omrs_event_is_rejected_for_the_dead_letters() -> None:
    m, sent = member()
    with pytest.raises(Rejected, match="not an OMRS event"):
        asyncio.run(m.apply(record(m.topics[0], b"{not json"), MemoryKeyValue(), acting=True))
    assert sent.events == []


def test_with_both_structures_the_second_copy_of_an_event_changes_nothing() -> None:
    m, sent = member(CohortTopicStructure.BOTH_SINGLE_AND_DEDICATED_TOPICS)
    kv = MemoryKeyValue()
    asyncio.run(m.apply(record(m.topics[0], encoded(registration(OURSELVES))), kv, acting=True))
    request = encoded(refresh_request(EGERIA))
    for topic in (m.topics[0], m.topics[-1]):  # the dedicated registration topic, then the single topic
        asyncio.run(m.apply(record(topic, request, 1), kv, acting=True))
    assert len(sent.events) == 1


def test_registration_goes_out_from_whoever_gains_partition_0_of_the_registration_topic() -> None:
    from aiokafka import TopicPartition

    m, sent = member()
    kv = MemoryKeyValue()
    asyncio.run(m.on_gained({TopicPartition(m.topics[0], 1)}, kv))
    assert sent.events == []
    asyncio.run(m.on_gained({TopicPartition(m.topics[0], 0)}, kv))
    assert event_types([e for _, e in sent.events]) == ["REGISTRATION_EVENT", "REFRESH_REGISTRATION_REQUEST"]
