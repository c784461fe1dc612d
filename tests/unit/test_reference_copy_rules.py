"""Reference-copy rules against Egeria's instance event processing.

Expectations come from Egeria's Java, not from `decide`:
- LIEP = LocalOMRSInstanceEventProcessor.java, open-metadata-implementation/repository-services/
  repository-services-implementation/src/main/java/org/odpi/openmetadata/repositoryservices/
  localrepository/repositoryconnector/, odpi/egeria commit b121d36db81cdfad7b46bcd3688d61af58bc97b4
  (updateReferenceEntity, compareAndValidateReferenceInstance, processGUIDConflict,
  processRefreshEntityRequested, processConflictingInstancesEvent, processDeletedEntityEvent).
- IMMC = InMemoryOMRSMetadataCollection.java (inmemory-repository-connector), commit
  55305a548f5533b9037b09fcc9a5a9ec9561821d (saveRelationshipReferenceCopy stores both end proxies).
- LISTENER = OMRSEventListener.java (eventmanagement), commit 55060db5477e497be4ec72a68cefe7ef26ea9d1e.

The instances are hand-made, shaped like Egeria's EntityDetail / Relationship beans (audit
header, instance header, full InstanceType with super types); the type guids are made up on
purpose: the rules must not depend on any type catalogue.
"""

from __future__ import annotations

from typing import Any

import orjson

from agents.reference_copy_rules import (
    CopyPolicy,
    Decision,
    InstanceErrorSend,
    Record,
    RefreshedSend,
    RefreshRequestSend,
    decide,
    to_event,
)
from agents.reference_copy_store import ReferenceCopyStore
from runtime.kv import MemoryKeyValue
from schemas.omrs import (
    Classification,
    EntityDetail,
    EntityProxy,
    InstanceGraph,
    InstanceType,
    OMRSEventErrorCode,
    OMRSEventV1,
    OMRSInstanceEventType,
    Originator,
    Relationship,
    TypeDefLink,
    TypeDefSummary,
    dump_omrs_event,
    instance_error_event,
    instance_event,
)

_I = OMRSInstanceEventType
LOCAL = "10000000-0000-4000-8000-00000000000a"
A = "a0000000-0000-4000-8000-00000000000a"
B = "b0000000-0000-4000-8000-00000000000b"
RELAY = "c0000000-0000-4000-8000-00000000000c"
CREATED = 1_700_000_000_000
GUID = "e0000000-0000-4000-8000-000000000001"
PROCESS = ("d1a3b7e0-0000-4000-8000-000000000001", "Process")
ASSET = ("d1a3b7e0-0000-4000-8000-000000000002", "Asset")
REFERENCEABLE = ("d1a3b7e0-0000-4000-8000-000000000003", "Referenceable")
DATA_FILE = ("d1a3b7e0-0000-4000-8000-000000000004", "DataFile")
DATA_FLOW = ("d1a3b7e0-0000-4000-8000-000000000005", "DataFlow")
FUTURE = ("d1a3b7e0-0000-4000-8000-000000000006", "SomeTypeOfANewerRelease")
SUPERS = {
    "Process": [ASSET, REFERENCEABLE],
    "DataFile": [ASSET, REFERENCEABLE],
    "SomeTypeOfANewerRelease": [REFERENCEABLE],
    "Referenceable": [],
    "DataFlow": [],
}
ALL = CopyPolicy(LOCAL)
LINEAGE = CopyPolicy(LOCAL, kept_types=frozenset({"Process", "DataFile", "DataFlow"}))


def originator(collection_id: str) -> Originator:
    return Originator(metadata_collection_id=collection_id, server_name=f"server-{collection_id[:1]}")


def itype(name_guid: tuple[str, str], version: int = 1, category: str = "ENTITY_DEF") -> InstanceType:
    guid, name = name_guid
    return InstanceType(
        type_def_category=category,
        type_def_guid=guid,
        type_def_name=name,
        type_def_version=version,
        type_def_super_types=[TypeDefLink(guid=g, name=n) for g, n in SUPERS.get(name, [])] or None,
    )


def detail(
    guid: str = GUID,
    version: int = 1,
    home: str = A,
    *,
    kind: tuple[str, str] = PROCESS,
    type_version: int = 1,
    created: int = CREATED,
    status: str = "ACTIVE",
    classifications: list[Classification] | None = None,
) -> EntityDetail:
    return EntityDetail(
        header_version=1,
        type=itype(kind, type_version),
        instance_provenance_type="LOCAL_COHORT",
        metadata_collection_id=home,
        created_by="erin",
        create_time=created,
        version=version,
        status=status,
        guid=guid,
        classifications=classifications,
    )


def proxy(guid: str, home: str = A, kind: tuple[str, str] = DATA_FILE, version: int = 1) -> EntityProxy:
    return EntityProxy(
        header_version=1,
        type=itype(kind),
        metadata_collection_id=home,
        create_time=CREATED,
        version=version,
        status="ACTIVE",
        guid=guid,
    )


def rel(
    guid: str, one: EntityProxy, two: EntityProxy, version: int = 1, home: str = A, status: str = "ACTIVE"
) -> Relationship:
    return Relationship(
        header_version=1,
        type=itype(DATA_FLOW, category="RELATIONSHIP_DEF"),
        instance_provenance_type="LOCAL_COHORT",
        metadata_collection_id=home,
        create_time=CREATED,
        version=version,
        status=status,
        guid=guid,
        entity_one_proxy=one,
        entity_two_proxy=two,
    )


def entity_event(kind: OMRSInstanceEventType, bean: EntityDetail, sender: str | None = None) -> OMRSEventV1:
    return instance_event(
        originator(sender or bean.metadata_collection_id or A),
        kind,
        entity=bean,
        home_metadata_collection_id=bean.metadata_collection_id,
    )


def relationship_event(
    kind: OMRSInstanceEventType, bean: Relationship, sender: str | None = None
) -> OMRSEventV1:
    return instance_event(
        originator(sender or bean.metadata_collection_id or A),
        kind,
        relationship=bean,
        home_metadata_collection_id=bean.metadata_collection_id,
    )


class Copies:
    """A store and the decisions made against it, applied in order."""

    def __init__(self, policy: CopyPolicy = ALL) -> None:
        self.store = ReferenceCopyStore(MemoryKeyValue())
        self.policy = policy
        self.sends: list[Any] = []

    def feed(self, event: OMRSEventV1, cohort: str = "coco") -> Decision:
        decision = decide(event, cohort, self.store.get, self.policy)
        self.store.apply(decision)
        self.sends.extend(decision.sends)
        return decision

    def entity(self, guid: str = GUID) -> Record | None:
        return self.store.entity(guid)


def test_types_from_any_release_are_stored_without_an_error_event() -> None:
    # LIEP compareAndValidateReferenceInstance: `if (storedInstance == null) return true`; the
    # instance is then saved when the exchange rule and isActiveType allow it. No TypeDef
    # catalogue is consulted, so no CONFLICTING_TYPE on a first copy, whatever the version.
    copies = Copies()
    for guid, kind, type_version in [
        ("e0000000-0000-4000-8000-000000000011", REFERENCEABLE, 7),
        ("e0000000-0000-4000-8000-000000000012", PROCESS, 1),
        ("e0000000-0000-4000-8000-000000000013", FUTURE, 42),
    ]:
        decision = copies.feed(
            entity_event(_I.NEW_ENTITY_EVENT, detail(guid, kind=kind, type_version=type_version))
        )
        assert decision.reason == "stored" and decision.sends == ()
        stored = copies.entity(guid)
        assert stored is not None and stored["typeDefVersion"] == type_version


def test_exchange_rule_keeps_subtypes_of_the_kept_types_only() -> None:
    copies = Copies(CopyPolicy(LOCAL, kept_types=frozenset({"Asset"})))
    assert copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(kind=PROCESS))).reason == "stored"
    other = detail("e0000000-0000-4000-8000-000000000021", kind=FUTURE)
    assert copies.feed(entity_event(_I.NEW_ENTITY_EVENT, other)).reason == "not-a-kept-type"
    assert copies.entity(other.guid or "") is None


def test_only_a_higher_version_replaces_the_copy() -> None:
    # LIEP: `if (storedInstance.getVersion() < incomingInstance.getVersion())`, otherwise the
    # event is ignored ("received in a mixed up order - not an error").
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    copies.feed(entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=3)))
    assert copies.feed(entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=2))).reason == "stale-version"
    assert copies.feed(entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=3))).reason == "stale-version"
    stored = copies.entity()
    assert stored is not None and stored["version"] == 3 and copies.sends == []


def test_conflicting_type_only_when_a_newer_version_regresses_the_type_version() -> None:
    # LIEP: same createTime, newer version, `storedInstanceType.getTypeDefVersion() <=
    # incomingInstanceType.getTypeDefVersion()` saves; otherwise processConflictingTypeEvent(
    # target = incomingInstance.getMetadataCollectionId(), targetTypeDefSummary = incoming type,
    # targetInstanceGUID = incoming guid, otherTypeDefSummary = stored type).
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=2, type_version=3)))
    upgraded = copies.feed(entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=3, type_version=4)))
    assert upgraded.reason == "stored" and upgraded.sends == ()

    # The regressed version arrives relayed by another member: the error goes to the home (A).
    regressed = copies.feed(
        entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=4, type_version=2), sender=RELAY)
    )
    assert regressed.reason == "conflicting-type" and regressed.puts == ()
    [error] = regressed.sends
    assert isinstance(error, InstanceErrorSend)
    assert error.error_code == OMRSEventErrorCode.CONFLICTING_TYPE
    assert error.target_metadata_collection_id == A
    assert error.target_instance_guid == GUID
    assert error.target_type_def_summary == {
        "guid": PROCESS[0], "name": "Process", "version": 2, "category": "ENTITY_DEF"
    }  # fmt: skip
    assert error.other_type_def_summary is not None and error.other_type_def_summary["version"] == 4
    stored = copies.entity()
    assert stored is not None and stored["version"] == 3


def test_conflicting_instances_for_another_create_time_aimed_at_the_instance_home() -> None:
    # LIEP: a different createTime is processGUIDConflict: processConflictingInstancesEvent(
    # target = incomingInstance.getMetadataCollectionId(), targetTypeDefSummary = incoming type,
    # targetInstanceGUID, otherMetadataCollectionId = localMetadataCollectionId,
    # otherOrigin = storedInstance.getInstanceProvenanceType(), otherTypeDefSummary = stored type,
    # otherInstanceGUID = stored guid).
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    intruder = detail(version=1, home=B, kind=DATA_FILE, created=CREATED + 5)
    decision = copies.feed(entity_event(_I.NEW_ENTITY_EVENT, intruder, sender=RELAY))
    assert decision.reason == "conflicting-instances" and decision.puts == ()
    [error] = decision.sends
    assert isinstance(error, InstanceErrorSend)
    assert error.error_code == OMRSEventErrorCode.CONFLICTING_INSTANCES
    assert error.target_metadata_collection_id == B
    assert error.target_instance_guid == GUID
    assert error.target_type_def_summary is not None and error.target_type_def_summary["name"] == "DataFile"
    assert error.other_metadata_collection_id == LOCAL
    assert error.other_origin == "LOCAL_COHORT"
    assert error.other_type_def_summary is not None and error.other_type_def_summary["name"] == "Process"
    assert error.other_instance_guid == GUID


def test_another_home_is_a_conflict_unless_the_event_re_homes_the_instance() -> None:
    # LIEP: same createTime and newer version but another metadataCollectionId: stored on a
    # RE_HOMED_*_EVENT, processGUIDConflict for every other event type.
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    moved = copies.feed(entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=2, home=B)))
    assert moved.reason == "conflicting-instances"
    assert isinstance(moved.sends[0], InstanceErrorSend) and moved.sends[0].target_metadata_collection_id == B
    re_homed = copies.feed(entity_event(_I.RE_HOMED_ENTITY_EVENT, detail(version=2, home=B)))
    assert re_homed.reason == "stored"
    stored = copies.entity()
    assert stored is not None and stored["homeMetadataCollectionId"] == B


def test_a_new_type_under_the_same_create_time_is_stored() -> None:
    # LIEP: with the same createTime a different type name is only audit-logged
    # (NEW_TYPE_INFORMATION) and the newer version is saved: no CONFLICTING_INSTANCES.
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1, kind=PROCESS)))
    decision = copies.feed(entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=2, kind=DATA_FILE)))
    assert decision.reason == "stored" and decision.sends == ()
    stored = copies.entity()
    assert stored is not None and stored["typeDefName"] == "DataFile"


def test_deletes_are_not_compared_so_they_report_no_conflict() -> None:
    # LIEP processDeletedEntityEvent calls deleteEntityReferenceCopy directly, without
    # compareAndValidateReferenceInstance: no error event. Here a conflicting one is not applied.
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    other = detail(version=2, created=CREATED + 9, status="DELETED")
    decision = copies.feed(entity_event(_I.DELETED_ENTITY_EVENT, other))
    assert decision.sends == () and decision.puts == ()
    deleted = copies.feed(entity_event(_I.DELETED_ENTITY_EVENT, detail(version=2, status="DELETED")))
    assert deleted.reason == "stored"
    stored = copies.entity()
    assert stored is not None and stored["status"] == "DELETED"


def test_home_instances_are_not_overwritten_by_other_members() -> None:
    copies = Copies()
    ours = detail(version=3, home=LOCAL)
    assert copies.feed(entity_event(_I.NEW_ENTITY_EVENT, ours, sender=LOCAL)).reason == "own-event"
    before = copies.entity()

    # The same instance, newer, sent by another member (Egeria's XTDB repository refuses it
    # with HomeEntityException; its event processor only audit-logs that: no error event).
    claim = copies.feed(entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=4, home=LOCAL), sender=A))
    assert claim.reason == "home-instance" and claim.puts == () and claim.sends == ()
    # A re-home of our instance, and a purge of it, are refused too.
    away = copies.feed(entity_event(_I.RE_HOMED_ENTITY_EVENT, detail(version=4, home=A)))
    assert away.reason == "home-instance" and away.sends == ()
    purge = copies.feed(entity_event(_I.PURGED_ENTITY_EVENT, detail(version=4, home=LOCAL), sender=A))
    assert purge.reason == "home-instance"
    assert copies.entity() == before

    # Another instance under our guid (another createTime) is Egeria's GUID conflict: the
    # error goes to that instance's home.
    clash = copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1, home=B, created=CREATED + 1)))
    assert clash.reason == "conflicting-instances"
    assert isinstance(clash.sends[0], InstanceErrorSend) and clash.sends[0].target_metadata_collection_id == B

    # An instance claiming this server as home that it does not hold is not stored either.
    stranger = detail("e0000000-0000-4000-8000-000000000031", home=LOCAL)
    assert copies.feed(entity_event(_I.NEW_ENTITY_EVENT, stranger, sender=A)).reason == "home-instance"
    assert copies.entity(stranger.guid or "") is None


def test_own_events_are_not_processed_as_cohort_events() -> None:
    # LISTENER: an instance event whose originator metadataCollectionId is the local one is
    # dropped ("Ignoring event that this server originated"); the server name is not compared.
    copies = Copies()
    request = instance_event(
        originator(LOCAL), _I.REFRESH_ENTITY_REQUEST, instance_guid=GUID, home_metadata_collection_id=LOCAL
    )
    assert copies.feed(request).sends == ()
    foreign_in_own = detail(version=1, home=A)
    decision = copies.feed(entity_event(_I.NEW_ENTITY_EVENT, foreign_in_own, sender=LOCAL))
    assert decision.reason == "own-event" and decision.puts == ()


def test_refresh_requests_naming_this_server_are_answered_with_its_instance() -> None:
    # LIEP processRefreshEntityRequested: when produceRefreshEvents and the request's
    # homeMetadataCollectionId is the local one, isEntityKnown(guid) and, if found,
    # outboundRepositoryEventProcessor.processRefreshEntityEvent(entity).
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=2, home=LOCAL), sender=LOCAL))

    def request(home: str, guid: str = GUID) -> OMRSEventV1:
        return instance_event(
            originator(A),
            _I.REFRESH_ENTITY_REQUEST,
            type_def_guid=PROCESS[0],
            type_def_name=PROCESS[1],
            instance_guid=guid,
            home_metadata_collection_id=home,
        )

    answered = copies.feed(request(LOCAL))
    [answer] = answered.sends
    assert isinstance(answer, RefreshedSend) and answer.kind == "entity"
    assert answer.instance["guid"] == GUID and answer.instance["version"] == 2
    assert answer.instance["class"] == "EntityDetail"
    assert copies.feed(request(A)).reason == "not-home"
    assert copies.feed(request(LOCAL, "e0000000-0000-4000-8000-0000000000ff")).sends == ()
    silent = decide(
        request(LOCAL), "coco", copies.store.get, CopyPolicy(LOCAL, answer_refresh_requests=False)
    )
    assert silent.sends == ()


def test_a_relationship_brings_proxies_of_its_ends_and_refresh_requests_for_them() -> None:
    # IMMC saveRelationshipReferenceCopy: addEntityProxyToStore(one), (two), then the
    # relationship. The refresh request for an end not held is this project's addition
    # (refresh_missing_ends); it names the end's type and home as LocalOMRSMetadataCollection.
    # refreshEntityReferenceCopy does (typeDefGUID, typeDefName, entityGUID, homeMetadataCollectionId).
    copies = Copies(LINEAGE)
    held = "e0000000-0000-4000-8000-000000000041"
    missing = "e0000000-0000-4000-8000-000000000042"
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(held, kind=DATA_FILE)))
    flow = rel("f0000000-0000-4000-8000-000000000001", proxy(held), proxy(missing, home=B))
    decision = copies.feed(relationship_event(_I.NEW_RELATIONSHIP_EVENT, flow))
    assert decision.reason == "stored"
    assert decision.sends == (
        RefreshRequestSend(
            kind="entity",
            type_def_guid=DATA_FILE[0],
            type_def_name="DataFile",
            instance_guid=missing,
            home_metadata_collection_id=B,
        ),
    )
    end = copies.entity(missing)
    assert end is not None and end["form"] == "proxy" and end["instance"]["class"] == "EntityProxy"
    held_record = copies.entity(held)
    assert held_record is not None and held_record["form"] == "detail"

    # Once the proxy is held, another relationship to it asks for nothing more.
    again = rel("f0000000-0000-4000-8000-000000000002", proxy(held), proxy(missing, home=B))
    assert copies.feed(relationship_event(_I.NEW_RELATIONSHIP_EVENT, again)).sends == ()
    # The home's answer replaces the proxy with the detail (isEntityKnown ignores proxies).
    refreshed = copies.feed(entity_event(_I.REFRESHED_ENTITY_EVENT, detail(missing, home=B, kind=DATA_FILE)))
    assert refreshed.reason == "stored"
    replaced = copies.entity(missing)
    assert replaced is not None and replaced["form"] == "detail"


def test_conflicts_other_members_report_remove_the_copy_of_the_named_instance() -> None:
    # LIEP processConflictingInstancesEvent: when the target is not the local collection,
    # removeReferenceCopyOfInstance(targetTypeDefSummary, targetInstanceGUID, target).
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    summary = TypeDefSummary(guid=PROCESS[0], name="Process", version=1, category="ENTITY_DEF")

    def conflict(target: str) -> OMRSEventV1:
        return instance_error_event(
            originator(B),
            OMRSEventErrorCode.CONFLICTING_INSTANCES,
            "two instances under one guid",
            target,
            GUID,
            summary,
            target_type_def_summary=summary,
        )

    assert copies.feed(conflict(LOCAL)).reason == "error-aimed-at-this-server"
    assert copies.entity() is not None and not copies.entity()["purged"]  # type: ignore[index]
    assert copies.feed(conflict(A)).reason == "copy-removed"
    gone = copies.entity()
    assert gone is not None and gone["purged"] is True


def test_classifications_change_the_copy_and_keep_its_properties() -> None:
    owner = Classification(name="Ownership", version=1, status="ACTIVE", type=itype(("c1", "Ownership"), 1))
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    classified = instance_event(
        originator(A),
        _I.CLASSIFIED_ENTITY_EVENT,
        entity_proxy=proxy(GUID, kind=PROCESS, version=2),
        classification=owner,
        home_metadata_collection_id=A,
    )
    assert copies.feed(classified).reason == "stored"
    stored = copies.entity()
    assert stored is not None and stored["version"] == 2 and stored["form"] == "detail"
    assert [c["name"] for c in stored["instance"]["classifications"]] == ["Ownership"]
    declassified = instance_event(
        originator(A),
        _I.DECLASSIFIED_ENTITY_EVENT,
        entity_proxy=proxy(GUID, kind=PROCESS, version=3),
        original_classification=owner,
        home_metadata_collection_id=A,
    )
    copies.feed(declassified)
    stored = copies.entity()
    assert stored is not None and "classifications" not in stored["instance"]


def test_batches_store_entities_then_relationships_without_reporting_conflicts() -> None:
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    other = detail(version=2, created=CREATED + 3)
    file = detail("e0000000-0000-4000-8000-000000000051", kind=DATA_FILE)
    flow = rel("f0000000-0000-4000-8000-000000000051", proxy(GUID, kind=PROCESS), proxy(file.guid or ""))
    batch = instance_event(
        originator(A),
        _I.BATCH_INSTANCES_EVENT,
        instance_batch=InstanceGraph(entities=[other, file], relationships=[flow]),
    )
    decision = copies.feed(batch)
    assert decision.sends == ()
    assert decision.notes == (
        f"{GUID}: conflicting-instances",
        f"{file.guid}: stored",
        f"{flow.guid}: stored",
    )


def test_purge_leaves_a_tombstone_that_refuses_older_events() -> None:
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    copies.feed(entity_event(_I.DELETED_ENTITY_EVENT, detail(version=2, status="DELETED")))
    assert (
        copies.feed(entity_event(_I.PURGED_ENTITY_EVENT, detail(version=2, status="DELETED"))).reason
        == "purged"
    )
    assert copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1))).reason == "stale-version"
    assert copies.feed(entity_event(_I.PURGED_ENTITY_EVENT, detail(version=2))).reason == "already-purged"
    purged = copies.entity()
    assert purged is not None and purged["purged"] and "instance" not in purged


def test_re_identify_stores_the_new_guid_and_retires_the_old_one() -> None:
    new_guid = "e0000000-0000-4000-8000-000000000061"
    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    moved = instance_event(
        originator(A),
        _I.RE_IDENTIFIED_ENTITY_EVENT,
        entity=detail(new_guid, version=2),
        original_instance_guid=GUID,
        home_metadata_collection_id=A,
    )
    assert copies.feed(moved).reason == "stored"
    old = copies.entity()
    assert old is not None and old["purged"] and old["reIdentifiedTo"] == new_guid
    assert copies.entity(new_guid) is not None


def test_sends_become_the_events_egeria_reads() -> None:
    # The error section fields Egeria's OMRSInstanceEvent error constructor fills for
    # CONFLICTING_INSTANCES (LIEP processGUIDConflict arguments), and the refresh request's
    # typeDefGUID / typeDefName / instanceGUID / homeMetadataCollectionId.
    error = InstanceErrorSend(
        error_code=OMRSEventErrorCode.CONFLICTING_INSTANCES,
        message="two instances",
        target_metadata_collection_id=B,
        target_type_def_summary={
            "guid": DATA_FILE[0],
            "name": "DataFile",
            "version": 1,
            "category": "ENTITY_DEF",
        },
        target_instance_guid=GUID,
        other_type_def_summary={
            "guid": PROCESS[0],
            "name": "Process",
            "version": 1,
            "category": "ENTITY_DEF",
        },
        other_metadata_collection_id=LOCAL,
        other_origin="LOCAL_COHORT",
        other_instance_guid=GUID,
    )
    wire = orjson.loads(dump_omrs_event(to_event(error, originator(LOCAL), timestamp=1)))
    assert wire["instanceEventSection"]["eventType"] == "INSTANCE_ERROR_EVENT"
    section = wire["errorSection"]
    assert section["errorCode"] == "CONFLICTING_INSTANCES"
    assert section["targetMetadataCollectionId"] == B
    assert section["targetInstanceGUID"] == GUID
    assert section["targetTypeDefSummary"]["name"] == "DataFile"
    assert section["otherMetadataCollectionId"] == LOCAL
    assert section["otherOrigin"] == "LOCAL_COHORT"
    assert section["otherTypeDefSummary"]["name"] == "Process"
    assert section["otherInstanceGUID"] == GUID

    request = RefreshRequestSend("entity", DATA_FILE[0], "DataFile", GUID, B)
    wire = orjson.loads(dump_omrs_event(to_event(request, originator(LOCAL), timestamp=1)))
    assert wire["instanceEventSection"] == {
        "eventType": "REFRESH_ENTITY_REQUEST",
        "typeDefGUID": DATA_FILE[0],
        "typeDefName": "DataFile",
        "instanceGUID": GUID,
        "homeMetadataCollectionId": B,
    }


def test_a_history_of_events_ends_where_egerias_rules_say() -> None:
    """Eleven events about one entity E (home A), its relationship R and R's other end X.

    Expected final state and sends, worked out by hand from LIEP / IMMC (not by replaying):
     1 NEW E v1 (home A)                     -> E v1
     2 UPDATED E v3                          -> E v3
     3 UPDATED E v2 (late)                   -> ignored: not newer
     4 UPDATED E v4, type version 0 < 1      -> CONFLICTING_TYPE to A; E stays v3
     5 NEW E' from B, another createTime     -> CONFLICTING_INSTANCES to B; E stays v3
     6 RE_HOMED E v5, home B                 -> E v5, home B
     7 NEW R v1 (home B) between E and X     -> R v1; X held as a proxy; refresh request to B for X
     8 REFRESHED X v1 (detail, from B)       -> X detail
     9 DELETED R v2                          -> R v2, status DELETED
    10 PURGED R v2                           -> R tombstone (version 2)
    11 NEW R v1 (redelivered)                -> ignored: older than the tombstone
    """
    e, x, r = GUID, "e0000000-0000-4000-8000-0000000000a1", "f0000000-0000-4000-8000-0000000000a1"
    copies = Copies(LINEAGE)
    flow = rel(r, proxy(e, home=B, kind=PROCESS), proxy(x, home=B), home=B)
    events = [
        entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)),
        entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=3)),
        entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=2)),
        entity_event(_I.UPDATED_ENTITY_EVENT, detail(version=4, type_version=0)),
        entity_event(_I.NEW_ENTITY_EVENT, detail(version=1, home=B, created=CREATED + 7)),
        entity_event(_I.RE_HOMED_ENTITY_EVENT, detail(version=5, home=B)),
        relationship_event(_I.NEW_RELATIONSHIP_EVENT, flow),
        entity_event(_I.REFRESHED_ENTITY_EVENT, detail(x, home=B, kind=DATA_FILE)),
        relationship_event(
            _I.DELETED_RELATIONSHIP_EVENT, flow.model_copy(update={"version": 2, "status": "DELETED"})
        ),
        relationship_event(_I.PURGED_RELATIONSHIP_EVENT, flow.model_copy(update={"version": 2})),
        relationship_event(_I.NEW_RELATIONSHIP_EVENT, flow),
    ]
    for event in events:
        copies.feed(event)

    final_e, final_x, final_r = copies.entity(e), copies.entity(x), copies.store.relationship(r)
    assert final_e is not None and (final_e["version"], final_e["homeMetadataCollectionId"]) == (5, B)
    assert final_x is not None and (final_x["form"], final_x["version"]) == ("detail", 1)
    assert final_r is not None and (final_r["purged"], final_r["version"]) == (True, 2)
    assert [type(s).__name__ for s in copies.sends] == [
        "InstanceErrorSend",
        "InstanceErrorSend",
        "RefreshRequestSend",
    ]
    type_error, instances_error, request = copies.sends
    assert (type_error.error_code, type_error.target_metadata_collection_id) == (
        OMRSEventErrorCode.CONFLICTING_TYPE,
        A,
    )
    assert (instances_error.error_code, instances_error.target_metadata_collection_id) == (
        OMRSEventErrorCode.CONFLICTING_INSTANCES,
        B,
    )
    assert (request.instance_guid, request.home_metadata_collection_id) == (x, B)
    assert list(copies.store.relationships_of(e)) == []


def test_classifications_apply_even_when_the_entity_version_does_not_move() -> None:
    # LIEP processClassifiedEntityEvent / processReclassifiedEntityEvent call
    # saveClassificationReferenceCopy(entity, classification) without any version comparison,
    # and IMMC classifyEntity stores addClassificationToEntity(entity, classification): the
    # classification is saved whatever the entity's version says.
    def owner(version: int, who: str) -> Classification:
        return Classification(
            name="Ownership",
            version=version,
            status="ACTIVE",
            properties=None,
            type=itype(("c1", "Ownership")),
        ).model_copy(update={"created_by": who})

    def event(kind: OMRSInstanceEventType, c: Classification) -> OMRSEventV1:
        extra = (
            {"original_classification": c} if kind == _I.DECLASSIFIED_ENTITY_EVENT else {"classification": c}
        )
        return instance_event(
            originator(A),
            kind,
            entity_proxy=proxy(GUID, kind=PROCESS, version=1),
            home_metadata_collection_id=A,
            **extra,
        )

    copies = Copies()
    copies.feed(entity_event(_I.NEW_ENTITY_EVENT, detail(version=1)))
    assert copies.feed(event(_I.CLASSIFIED_ENTITY_EVENT, owner(1, "erin"))).reason == "classification-stored"
    assert copies.feed(event(_I.CLASSIFIED_ENTITY_EVENT, owner(1, "erin"))).reason == "stale-version"
    assert (
        copies.feed(event(_I.RECLASSIFIED_ENTITY_EVENT, owner(2, "peter"))).reason == "classification-stored"
    )
    assert copies.feed(event(_I.RECLASSIFIED_ENTITY_EVENT, owner(1, "erin"))).reason == "stale-version"
    stored = copies.entity()
    assert stored is not None and [c["createdBy"] for c in stored["instance"]["classifications"]] == ["peter"]
    assert copies.feed(event(_I.DECLASSIFIED_ENTITY_EVENT, owner(1, "erin"))).reason == "stale-version"
    assert (
        copies.feed(event(_I.DECLASSIFIED_ENTITY_EVENT, owner(2, "peter"))).reason == "classification-stored"
    )
    stored = copies.entity()
    assert stored is not None and "classifications" not in stored["instance"] and stored["version"] == 1
