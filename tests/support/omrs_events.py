"""Realistic OMRS events for tests and benchmarks: members, registrations, TypeDefs, lineage instances.

Built with the `schemas.omrs` builders and the real type catalogue, shaped like what an
Egeria server writes (full InstanceType with super types, audit header, string properties
as PrimitivePropertyValue, proxies with unique properties). Everything is deterministic
for a given seed, so a benchmark run and a test run can be compared.

`lineage_history` is the workhorse: a stream of instance events over many guids in the
order one member would publish them (all keyed by that member's server, as Egeria does),
with deletes, restores, purges, classifications, batches, re-identifies and deliberately
stale re-sends of older versions mixed in.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from schemas.omrs import (
    Classification,
    EntityDetail,
    EntityProxy,
    InstanceGraph,
    InstanceProperties,
    InstanceType,
    OMRSEventV1,
    OMRSInstanceEventType,
    Originator,
    PrimitivePropertyValue,
    Relationship,
    dump_omrs_event,
    instance_event,
    refresh_registration_request,
    registration_event,
    un_registration_event,
)
from schemas.omrs_builders import _event
from schemas.omrs_enums import OMRSEventCategory, OMRSEventProtocolVersion, OMRSTypeDefEventType
from schemas.omrs_events import TypeDefEventSection
from schemas.omrs_typedefs import EntityDef, PrimitiveDef
from schemas.open_metadata_types import ancestry, type_named

_I = OMRSInstanceEventType
BASE_TIME = 1_700_000_000_000
STRING_GUID = "b34a64b9-554a-42b1-8f8a-7d5c2339f9c4"


@dataclass(frozen=True)
class Member:
    """A fake cohort member: the originator of the events it sends."""

    server_name: str
    collection_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    organization: str = "Coco Pharmaceuticals"
    server_type: str = "Metadata Access Store"

    @property
    def originator(self) -> Originator:
        return Originator(
            metadata_collection_id=self.collection_id,
            server_name=self.server_name,
            server_type=self.server_type,
            organization_name=self.organization,
        )

    def connection(self) -> dict[str, Any]:
        return {
            "class": "Connection",
            "headerVersion": 0,
            "qualifiedName": f"{self.server_name}::remote-connection",
            "connectorType": {
                "class": "ConnectorType",
                "headerVersion": 0,
                "connectorProviderClassName": "org.odpi.openmetadata.adapters.repositoryservices.rest."
                "repositoryconnector.OMRSRESTRepositoryConnectorProvider",
            },
            "endpoint": {
                "class": "Endpoint",
                "headerVersion": 0,
                "address": f"https://{self.server_name}:9443/servers/{self.server_name}",
            },
        }


def encoded(event: OMRSEventV1) -> bytes:
    return dump_omrs_event(event)


# -- registry --------------------------------------------------------------------------
def registration(member: Member, at: int = BASE_TIME) -> OMRSEventV1:
    return registration_event(member.originator, at, member.connection(), f"{member.server_name} repository")


def refresh_request(member: Member) -> OMRSEventV1:
    return refresh_registration_request(member.originator)


def un_registration(member: Member) -> OMRSEventV1:
    return un_registration_event(member.originator)


# -- TypeDefs -----------------------------------------------------------------------------
def new_entity_typedef(
    member: Member, name: str, guid: str, version: int, super_type: str = "Referenceable"
) -> OMRSEventV1:
    parent = type_named(super_type)
    typedef = EntityDef(
        header_version=1,
        guid=guid,
        name=name,
        status="ACTIVE_TYPEDEF",
        version=version,
        version_name=f"{version}.0",
        category="ENTITY_DEF",
        super_type=parent.link() if parent else None,
        origin=member.collection_id,
        created_by=member.server_name,
        create_time=BASE_TIME,
        valid_instance_status_list=["ACTIVE", "DELETED"],
        initial_status="ACTIVE",
    )
    section = TypeDefEventSection(
        type_def_event_type=OMRSTypeDefEventType.NEW_TYPEDEF_EVENT,
        type_def_guid=guid,
        type_def_name=name,
        type_def=typedef,
    )
    return _event(
        member.originator,
        OMRSEventCategory.TYPEDEF,
        None,
        OMRSEventProtocolVersion.V1,
        type_def_event_section=section,
    )


def new_primitive_typedef(member: Member, name: str, guid: str, version: int = 1) -> OMRSEventV1:
    primitive = PrimitiveDef(
        header_version=1,
        version=version,
        version_name="1.0",
        category="PRIMITIVE",
        guid=guid,
        name=name,
        primitive_def_category="OM_PRIMITIVE_TYPE_STRING",
    )
    section = TypeDefEventSection(
        type_def_event_type=OMRSTypeDefEventType.NEW_ATTRIBUTE_TYPEDEF_EVENT,
        type_def_guid=guid,
        type_def_name=name,
        attribute_type_def=primitive,
    )
    return _event(
        member.originator,
        OMRSEventCategory.TYPEDEF,
        None,
        OMRSEventProtocolVersion.V1,
        type_def_event_section=section,
    )


# -- instances --------------------------------------------------------------------------
def instance_type(type_name: str, *, version: int | None = None, guid: str | None = None) -> InstanceType:
    """The full InstanceType Egeria writes, from the catalogue (version/guid overridable to make conflicts)."""
    known = type_named(type_name)
    assert known is not None, type_name
    supers = [type_named(n) for n in list(ancestry(type_name))[1:]]
    return InstanceType(
        header_version=1,
        type_def_category=known.category,
        type_def_guid=guid or known.guid,
        type_def_name=known.name,
        type_def_version=known.version if version is None else version,
        type_def_super_types=[t.link() for t in supers if t is not None] or None,
        valid_status_list=["ACTIVE", "DELETED"],
    )


def strings(**values: str) -> InstanceProperties:
    props = {
        name: PrimitivePropertyValue(
            header_version=1,
            instance_property_category="PRIMITIVE",
            type_guid=STRING_GUID,
            type_name="string",
            primitive_def_category="OM_PRIMITIVE_TYPE_STRING",
            primitive_value=value,
        )
        for name, value in values.items()
    }
    return InstanceProperties(
        header_version=1, instance_properties=props, property_names=list(props), property_count=len(props)
    )


def entity(
    guid: str,
    type_name: str,
    version: int,
    home: Member,
    *,
    qualified_name: str | None = None,
    status: str = "ACTIVE",
    classifications: list[Classification] | None = None,
    type_version: int | None = None,
    type_guid: str | None = None,
) -> EntityDetail:
    qualified_name = qualified_name or f"{type_name}::{guid}"
    return EntityDetail(
        header_version=1,
        type=instance_type(type_name, version=type_version, guid=type_guid),
        instance_provenance_type="LOCAL_COHORT",
        metadata_collection_id=home.collection_id,
        metadata_collection_name=f"{home.server_name} repository",
        created_by=home.server_name,
        updated_by=home.server_name if version > 1 else None,
        create_time=BASE_TIME,
        update_time=BASE_TIME + version * 1000 if version > 1 else None,
        version=version,
        status=status,
        guid=guid,
        classifications=classifications,
        properties=strings(
            qualifiedName=qualified_name,
            name=qualified_name.rsplit("::", 1)[-1],
            description=f"version {version}",
        ),
    )


def proxy_of(detail: EntityDetail) -> EntityProxy:
    qualified = (
        detail.properties.instance_properties["qualifiedName"]
        if detail.properties and detail.properties.instance_properties
        else None
    )
    data = detail.model_dump(by_alias=True, exclude_none=True, exclude={"properties", "class_"})
    proxy = EntityProxy.model_validate(data)
    if qualified is not None:
        proxy.unique_properties = InstanceProperties(
            header_version=1,
            instance_properties={"qualifiedName": qualified},
            property_names=["qualifiedName"],
            property_count=1,
        )
    return proxy


def relationship(
    guid: str,
    type_name: str,
    version: int,
    home: Member,
    one: EntityDetail,
    two: EntityDetail,
    status: str = "ACTIVE",
) -> Relationship:
    return Relationship(
        header_version=1,
        type=instance_type(type_name),
        instance_provenance_type="LOCAL_COHORT",
        metadata_collection_id=home.collection_id,
        metadata_collection_name=f"{home.server_name} repository",
        created_by=home.server_name,
        create_time=BASE_TIME,
        version=version,
        status=status,
        guid=guid,
        properties=strings(qualifiedName=f"{type_name}::{one.guid}->{two.guid}"),
        entity_one_proxy=proxy_of(one),
        entity_two_proxy=proxy_of(two),
    )


def ownership(owner: str, home: Member, version: int = 1) -> Classification:
    known = type_named("Ownership")
    assert known is not None
    return Classification(
        header_version=1,
        type=InstanceType(
            header_version=1,
            type_def_category="CLASSIFICATION_DEF",
            type_def_guid=known.guid,
            type_def_name=known.name,
            type_def_version=known.version,
        ),
        instance_provenance_type="LOCAL_COHORT",
        metadata_collection_id=home.collection_id,
        created_by=home.server_name,
        create_time=BASE_TIME,
        version=version,
        status="ACTIVE",
        name="Ownership",
        properties=strings(owner=owner, ownerTypeName="UserIdentity", ownerPropertyName="userId"),
        classification_origin="ASSIGNED",
    )


def entity_event(
    member: Member, kind: OMRSInstanceEventType, detail: EntityDetail, **kwargs: Any
) -> OMRSEventV1:
    return instance_event(
        member.originator,
        kind,
        entity=detail,
        home_metadata_collection_id=detail.metadata_collection_id,
        **kwargs,
    )


def relationship_event(
    member: Member, kind: OMRSInstanceEventType, rel: Relationship, **kwargs: Any
) -> OMRSEventV1:
    return instance_event(
        member.originator,
        kind,
        relationship=rel,
        home_metadata_collection_id=rel.metadata_collection_id,
        **kwargs,
    )


def refresh_entity_request(member: Member, guid: str, type_name: str, home: str) -> OMRSEventV1:
    known = type_named(type_name)
    assert known is not None
    return instance_event(
        member.originator,
        _I.REFRESH_ENTITY_REQUEST,
        type_def_guid=known.guid,
        type_def_name=known.name,
        instance_guid=guid,
        home_metadata_collection_id=home,
    )


def purge_entity_event(member: Member, detail: EntityDetail) -> OMRSEventV1:
    return entity_event(member, _I.PURGED_ENTITY_EVENT, detail)


def batch_event(
    member: Member, entities: list[EntityDetail], relationships: list[Relationship]
) -> OMRSEventV1:
    return instance_event(
        member.originator,
        _I.BATCH_INSTANCES_EVENT,
        instance_batch=InstanceGraph(entities=entities or None, relationships=relationships or None),
    )


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# -- a stream of lineage -----------------------------------------------------------------
_ENTITY_TYPES = (
    "DeployedSoftwareComponent",
    "DataFile",
    "CSVFile",
    "RelationalTable",
    "RelationalColumn",
    "KafkaTopic",
    "PortImplementation",
    "DeployedDatabaseSchema",
)
_RELATIONSHIP_TYPES = ("DataFlow", "LineageMapping", "ProcessHierarchy", "ProcessPort", "ControlFlow")


@dataclass
class LineageHistory:
    """Instance events one member published, and what that member holds once they are all out:
    the truth a reference copy must end at, written by the generator, not by the rules under test."""

    events: list[OMRSEventV1]
    entities: dict[str, EntityDetail]
    """Every entity the member still holds, at its last version (soft-deleted ones included)."""
    relationships: dict[str, Relationship]
    removed: set[str]
    """Entity guids the member purged or re-identified away."""


def lineage_history(member: Member, count: int, seed: int = 7) -> LineageHistory:
    """`count` instance events (one more when the last step is a delete and its follow-up)
    one member publishes about its lineage, in publication order.

    Mixes: new entities and relationships, updates, classifications (full entity and
    proxy-only), soft deletes and restores, purges, re-identifies, batches, and stale
    re-sends of older versions (about 1 in 12), so the final state depends on version rules,
    not on arrival alone.
    """
    rng = random.Random(seed)
    events: list[OMRSEventV1] = []
    live: dict[str, EntityDetail] = {}
    rels: dict[str, Relationship] = {}
    history: list[OMRSEventV1] = []
    while len(events) < count:
        roll = rng.random()
        if roll < 0.25 or len(live) < 4:
            detail = entity(uid(rng), rng.choice(_ENTITY_TYPES), 1, member)
            live[detail.guid or ""] = detail
            event = entity_event(member, _I.NEW_ENTITY_EVENT, detail)
        elif roll < 0.40:
            one, two = rng.sample(list(live.values()), 2)
            rel = relationship(uid(rng), rng.choice(_RELATIONSHIP_TYPES), 1, member, one, two)
            rels[rel.guid or ""] = rel
            event = relationship_event(member, _I.NEW_RELATIONSHIP_EVENT, rel)
        elif roll < 0.62:
            guid = rng.choice(list(live))
            old = live[guid]
            new = old.model_copy(
                update={
                    "version": (old.version or 0) + 1,
                    "properties": strings(
                        qualifiedName=f"{old.type.type_def_name}::{guid}",
                        description=f"version {(old.version or 0) + 1}",
                    ),
                }
            )
            live[guid] = new
            event = entity_event(member, _I.UPDATED_ENTITY_EVENT, new, original_entity=old)
        elif roll < 0.68:
            guid = rng.choice(list(live))
            old = live[guid]
            new = old.model_copy(
                update={
                    "version": (old.version or 0) + 1,
                    "classifications": [ownership(f"user{rng.randint(1, 9)}", member)],
                }
            )
            live[guid] = new
            if rng.random() < 0.5:
                event = entity_event(
                    member, _I.CLASSIFIED_ENTITY_EVENT, new, classification=new.classifications[0]
                )
            else:
                event = instance_event(
                    member.originator,
                    _I.CLASSIFIED_ENTITY_EVENT,
                    entity_proxy=proxy_of(new),
                    classification=new.classifications[0],
                    home_metadata_collection_id=member.collection_id,
                )
        elif roll < 0.74 and rels:
            guid = rng.choice(list(rels))
            old_rel = rels[guid]
            new_rel = old_rel.model_copy(update={"version": (old_rel.version or 0) + 1})
            rels[guid] = new_rel
            event = relationship_event(member, _I.UPDATED_RELATIONSHIP_EVENT, new_rel)
        elif roll < 0.79:
            guid = rng.choice(list(live))
            old = live[guid]
            deleted = old.model_copy(
                update={
                    "version": (old.version or 0) + 1,
                    "status": "DELETED",
                    "status_on_delete": old.status,
                }
            )
            live[guid] = deleted
            event = entity_event(member, _I.DELETED_ENTITY_EVENT, deleted)
            if rng.random() < 0.5:
                events.append(event)
                history.append(event)
                restored = deleted.model_copy(
                    update={
                        "version": (deleted.version or 0) + 1,
                        "status": "ACTIVE",
                        "status_on_delete": None,
                    }
                )
                live[guid] = restored
                event = entity_event(member, _I.RESTORED_ENTITY_EVENT, restored)
            else:
                events.append(event)
                history.append(event)
                event = purge_entity_event(member, deleted)
                del live[guid]
        elif roll < 0.82:
            guid = rng.choice(list(live))
            old = live.pop(guid)
            new_guid = uid(rng)
            moved = old.model_copy(
                update={"guid": new_guid, "version": (old.version or 0) + 1, "re_identified_from_guid": guid}
            )
            live[new_guid] = moved
            event = entity_event(member, _I.RE_IDENTIFIED_ENTITY_EVENT, moved, original_instance_guid=guid)
        elif roll < 0.86:
            batch = [entity(uid(rng), rng.choice(_ENTITY_TYPES), 1, member) for _ in range(3)]
            for detail in batch:
                live[detail.guid or ""] = detail
            flow = relationship(uid(rng), "DataFlow", 1, member, batch[0], batch[1])
            rels[flow.guid or ""] = flow
            event = batch_event(member, batch, [flow])
        elif history:
            event = rng.choice(history[-200:])  # a stale or duplicate re-send
        else:
            continue
        events.append(event)
        history.append(event)
    removed = {g for g in _entity_guids(events) if g not in live}
    return LineageHistory(events, live, rels, removed)


def _entity_guids(events: list[OMRSEventV1]) -> set[str]:
    guids: set[str] = set()
    for event in events:
        section = event.instance_event_section
        if section is None:
            continue
        for bean in [
            section.entity,
            *((section.instance_batch.entities or []) if section.instance_batch else []),
        ]:
            if bean is not None and bean.guid:
                guids.add(bean.guid)
        if section.original_instance_guid and "ENTITY" in section.event_type.value:
            guids.add(section.original_instance_guid)
    return guids


# -- where a test server's cohort events go ----------------------------------------------
def cohort_topic(env: dict[str, str], kind: str | None, cohort: str = "testCohort") -> str:
    """A cohort topic of the server `env` configures: kind "registration"/"types"/"instances", None = single."""
    from agents.cohort_topics import cohort_dedicated_topic, cohort_single_topic

    root = env["LINEAGE_TOPIC_ROOT"]
    return cohort_single_topic(root, cohort) if kind is None else cohort_dedicated_topic(root, cohort, kind)


def internal_topic(env: dict[str, str], name: str) -> str:
    return f"{env['LINEAGE_TOPIC_ROOT']}.server.{env['LINEAGE_SERVER_NAME']}.omis.lineageintegrator.{name}"


def server_member(env: dict[str, str]) -> Member:
    """The test server itself as a Member (its name and derived collection id): events it would send."""
    from agents.cohort_publisher import SERVER_TYPE
    from app.settings import Settings

    settings = Settings(server_name=env["LINEAGE_SERVER_NAME"])
    return Member(env["LINEAGE_SERVER_NAME"], settings.collection_id, "lineage-integrator", SERVER_TYPE)
