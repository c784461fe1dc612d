"""Builders of the events this service sends to its cohorts.

Pure functions: no I/O, and the same arguments (timestamp included) give the same event.
Each sets what Egeria needs to read it (`class` = OMRSEventV1, `protocolVersionId`, the
originator, the category, the section's event type) and a millisecond `timestamp`, read
from the clock only when none is passed in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.omrs_base import now_ms, to_epoch_ms
from schemas.omrs_enums import (
    InstanceProvenanceType,
    OMRSEventCategory,
    OMRSEventErrorCode,
    OMRSEventProtocolVersion,
    OMRSInstanceEventType,
    OMRSRegistryEventType,
    OMRSTypeDefEventType,
    TypeDefCategory,
)
from schemas.omrs_events import (
    ErrorSection,
    InstanceEventSection,
    OMRSEventV1,
    Originator,
    RegistryEventSection,
    TypeDefEventSection,
)
from schemas.omrs_instances import Classification, EntityDetail, EntityProxy, InstanceGraph, Relationship
from schemas.omrs_typedefs import (
    AttributeTypeDef,
    ClassificationDef,
    EntityDef,
    RelationshipDef,
    TypeDef,
    TypeDefSummary,
)

Date = int | datetime
"""A date argument: epoch milliseconds, or a datetime (naive means UTC)."""

V1 = OMRSEventProtocolVersion.V1


def _event(
    originator: Originator,
    category: OMRSEventCategory,
    timestamp: Date | None,
    protocol_version_id: OMRSEventProtocolVersion,
    **sections: Any,
) -> OMRSEventV1:
    """The envelope every builder shares."""
    return OMRSEventV1(
        class_="OMRSEventV1",
        protocol_version_id=protocol_version_id,
        timestamp=now_ms() if timestamp is None else to_epoch_ms(timestamp),
        originator=originator,
        event_category=category,
        **sections,
    )


def _registry_event(
    event_type: OMRSRegistryEventType,
    originator: Originator,
    registration_timestamp: Date | None,
    remote_connection: dict[str, Any] | None,
    metadata_collection_name: str | None,
    timestamp: Date | None,
    protocol_version_id: OMRSEventProtocolVersion,
) -> OMRSEventV1:
    section = RegistryEventSection(
        registry_event_type=event_type,
        registration_timestamp=None
        if registration_timestamp is None
        else to_epoch_ms(registration_timestamp),
        metadata_collection_name=metadata_collection_name,
        remote_connection=remote_connection,
    )
    return _event(
        originator, OMRSEventCategory.REGISTRY, timestamp, protocol_version_id, registry_event_section=section
    )


def registration_event(
    originator: Originator,
    registration_timestamp: Date,
    remote_connection: dict[str, Any] | None,
    metadata_collection_name: str | None = None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """REGISTRATION_EVENT: this member introduces itself (remote connection: OCF Connection JSON)."""
    return _registry_event(
        OMRSRegistryEventType.REGISTRATION_EVENT,
        originator,
        registration_timestamp,
        remote_connection,
        metadata_collection_name,
        timestamp,
        protocol_version_id,
    )


def re_registration_event(
    originator: Originator,
    registration_timestamp: Date,
    remote_connection: dict[str, Any] | None,
    metadata_collection_name: str | None = None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """RE_REGISTRATION_EVENT: the answer to a REFRESH_REGISTRATION_REQUEST."""
    return _registry_event(
        OMRSRegistryEventType.RE_REGISTRATION_EVENT,
        originator,
        registration_timestamp,
        remote_connection,
        metadata_collection_name,
        timestamp,
        protocol_version_id,
    )


def un_registration_event(
    originator: Originator,
    registration_timestamp: Date | None = None,
    remote_connection: dict[str, Any] | None = None,
    metadata_collection_name: str | None = None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """UN_REGISTRATION_EVENT: this member leaves the cohort.

    Like Egeria's (`OMRSRegistryEventPublisher.processUnRegistrationEvent`, which takes the
    collection name and drops it), the section carries the event type alone: the other
    arguments are accepted and not written.
    """
    del registration_timestamp, remote_connection, metadata_collection_name
    section = RegistryEventSection(registry_event_type=OMRSRegistryEventType.UN_REGISTRATION_EVENT)
    return _event(
        originator, OMRSEventCategory.REGISTRY, timestamp, protocol_version_id, registry_event_section=section
    )


def refresh_registration_request(
    originator: Originator,
    registration_timestamp: Date | None = None,
    remote_connection: dict[str, Any] | None = None,
    metadata_collection_name: str | None = None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """REFRESH_REGISTRATION_REQUEST: asks every member to re-register.

    Written as Egeria writes it (`OMRSRegistryEventPublisher.processRegistrationRefreshRequest`):
    the originator names the server, its type and organization but no metadata collection id,
    and the section carries the event type alone (the other arguments are not written).
    """
    del registration_timestamp, remote_connection, metadata_collection_name
    section = RegistryEventSection(registry_event_type=OMRSRegistryEventType.REFRESH_REGISTRATION_REQUEST)
    return _event(
        originator.model_copy(update={"metadata_collection_id": None}),
        OMRSEventCategory.REGISTRY,
        timestamp,
        protocol_version_id,
        registry_event_section=section,
    )


# -- error events -----------------------------------------------------------------------------
#
# Each error code is written with the fields Egeria's constructor for it fills (see
# OMRSRegistryEvent, OMRSTypeDefEvent and OMRSInstanceEvent, and the publishers that call
# them: tests/fixtures/egeria/event_layouts.json cites the lines). Codes that no Egeria
# constructor sends (INVALID_*_EVENT, ...) carry the fields given.

_E = OMRSEventErrorCode


def registry_error_event(
    originator: Originator,
    error_code: OMRSEventErrorCode,
    message: str,
    target_metadata_collection_id: str | None,
    *,
    target_remote_connection: dict[str, Any] | None = None,
    other_metadata_collection_id: str | None = None,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """REGISTRATION_ERROR_EVENT aimed at `target_metadata_collection_id`.

    Egeria's one registry error constructor carries the target and its remote connection
    only; CONFLICTING_COLLECTION_ID goes without the connection (the publisher passes null).
    `other_metadata_collection_id` is accepted and never written: no registry error carries it.
    """
    del other_metadata_collection_id
    error = ErrorSection(
        error_code=error_code,
        error_message=message,
        target_metadata_collection_id=target_metadata_collection_id,
        target_remote_connection=None
        if error_code is _E.CONFLICTING_COLLECTION_ID
        else target_remote_connection,
    )
    section = RegistryEventSection(registry_event_type=OMRSRegistryEventType.REGISTRATION_ERROR_EVENT)
    return _event(
        originator,
        OMRSEventCategory.REGISTRY,
        timestamp,
        protocol_version_id,
        registry_event_section=section,
        error_section=error,
    )


def conflicting_collection_id_event(
    originator: Originator,
    message: str,
    conflicting_metadata_collection_id: str,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """CONFLICTING_COLLECTION_ID: two members use `conflicting_metadata_collection_id`
    (`OMRSRegistryEventPublisher.processConflictingCollectionIdEvent`)."""
    return registry_error_event(
        originator,
        _E.CONFLICTING_COLLECTION_ID,
        message,
        conflicting_metadata_collection_id,
        timestamp=timestamp,
        protocol_version_id=protocol_version_id,
    )


def bad_remote_connection_event(
    originator: Originator,
    message: str,
    target_metadata_collection_id: str,
    remote_connection: dict[str, Any] | None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """BAD_REMOTE_CONNECTION: the member's remote connection cannot be used
    (`OMRSRegistryEventPublisher.processBadConnectionEvent`; Egeria itself mislabels it
    CONFLICTING_COLLECTION_ID there, this writes the code the event means)."""
    return registry_error_event(
        originator,
        _E.BAD_REMOTE_CONNECTION,
        message,
        target_metadata_collection_id,
        target_remote_connection=remote_connection,
        timestamp=timestamp,
        protocol_version_id=protocol_version_id,
    )


def _typedef_from_summary(summary: TypeDefSummary) -> TypeDef:
    """A summary as the TypeDef of its category, for `otherTypeDef` when no whole TypeDef is at hand."""
    fields = summary.model_dump(exclude_none=True)
    category = summary.category
    if category == TypeDefCategory.RELATIONSHIP_DEF:
        return RelationshipDef(**fields)
    if category == TypeDefCategory.CLASSIFICATION_DEF:
        return ClassificationDef(**fields)
    return EntityDef(**fields)


def typedef_error_event(
    originator: Originator,
    error_code: OMRSEventErrorCode,
    message: str,
    target_metadata_collection_id: str | None,
    target_type_def_summary: TypeDefSummary | None = None,
    other_type_def_summary: TypeDefSummary | None = None,
    other_attribute_type_def: AttributeTypeDef | None = None,
    *,
    target_attribute_type_def: AttributeTypeDef | None = None,
    other_type_def: TypeDef | None = None,
    other_metadata_collection_id: str | None = None,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """TYPEDEF_ERROR_EVENT about a TypeDef the member `target_metadata_collection_id` sent.

    Arguments name the member at fault and its definition as `target`, and this server's
    definition as `other`; each code is written in the layout of Egeria's constructor:

    - CONFLICTING_TYPEDEFS: the member's TypeDef in `typeDefEventSection.originalTypeDefSummary`,
      the member in `errorSection.otherMetadataCollectionId`, ours in `otherTypeDefSummary`;
    - CONFLICTING_ATTRIBUTE_TYPEDEFS: likewise with `originalAttributeTypeDef` and
      `otherAttributeTypeDef`;
    - TYPEDEF_PATCH_MISMATCH: the member and its summary as the target, our whole TypeDef in
      `otherTypeDef` (made from `other_type_def_summary` when no TypeDef is given).
    """
    member = other_metadata_collection_id or target_metadata_collection_id
    if error_code is _E.CONFLICTING_TYPEDEFS:
        return typedef_conflict_event(
            originator,
            message,
            target_type_def_summary,
            member,
            other_type_def_summary,
            timestamp=timestamp,
            protocol_version_id=protocol_version_id,
        )
    if error_code is _E.CONFLICTING_ATTRIBUTE_TYPEDEFS:
        return attribute_typedef_conflict_event(
            originator,
            message,
            target_attribute_type_def,
            member,
            other_attribute_type_def,
            timestamp=timestamp,
            protocol_version_id=protocol_version_id,
        )
    if error_code is _E.TYPEDEF_PATCH_MISMATCH:
        if other_type_def is None and other_type_def_summary is not None:
            other_type_def = _typedef_from_summary(other_type_def_summary)
        return typedef_patch_mismatch_event(
            originator,
            message,
            target_metadata_collection_id,
            target_type_def_summary,
            other_type_def,
            timestamp=timestamp,
            protocol_version_id=protocol_version_id,
        )
    error = ErrorSection(
        error_code=error_code,
        error_message=message,
        target_metadata_collection_id=target_metadata_collection_id,
        target_type_def_summary=target_type_def_summary,
        target_attribute_type_def=target_attribute_type_def,
        other_metadata_collection_id=other_metadata_collection_id,
        other_type_def_summary=other_type_def_summary,
        other_type_def=other_type_def,
        other_attribute_type_def=other_attribute_type_def,
    )
    return _typedef_error(
        originator,
        TypeDefEventSection(type_def_event_type=_TYPEDEF_ERROR),
        error,
        timestamp,
        protocol_version_id,
    )


_TYPEDEF_ERROR = OMRSTypeDefEventType.TYPEDEF_ERROR_EVENT


def _typedef_error(
    originator: Originator,
    section: TypeDefEventSection,
    error: ErrorSection,
    timestamp: Date | None,
    protocol_version_id: OMRSEventProtocolVersion,
) -> OMRSEventV1:
    return _event(
        originator,
        OMRSEventCategory.TYPEDEF,
        timestamp,
        protocol_version_id,
        type_def_event_section=section,
        error_section=error,
    )


def typedef_conflict_event(
    originator: Originator,
    message: str,
    their_type_def: TypeDefSummary | TypeDef | None,
    their_metadata_collection_id: str | None,
    our_type_def: TypeDefSummary | TypeDef | None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """CONFLICTING_TYPEDEFS as Egeria's local repository sends it when a member announces a
    TypeDef that clashes with one it knows (`OMRSRepositoryContentManager.processNewTypeDefEvent`
    -> `OMRSRepositoryEventBuilder.processTypeDefConflictEvent`): the member's TypeDef as
    `originalTypeDefSummary`, the member as `otherMetadataCollectionId`, ours as
    `otherTypeDefSummary`. A whole TypeDef given for a summary is written whole, without
    `class`, as Jackson writes a TypeDef held in a TypeDefSummary field."""
    section = TypeDefEventSection(
        type_def_event_type=_TYPEDEF_ERROR, original_type_def_summary=_as_summary(their_type_def)
    )
    error = ErrorSection(
        error_code=_E.CONFLICTING_TYPEDEFS,
        error_message=message,
        other_metadata_collection_id=their_metadata_collection_id,
        other_type_def_summary=_as_summary(our_type_def),
    )
    return _typedef_error(originator, section, error, timestamp, protocol_version_id)


def _as_summary(bean: TypeDefSummary | TypeDef | None) -> TypeDefSummary | None:
    """A TypeDef as a TypeDefSummary keeping every field but `class` (Jackson's view of a
    TypeDef in a TypeDefSummary-typed field)."""
    if bean is None or type(bean) is TypeDefSummary:
        return bean
    fields = bean.model_dump(by_alias=True, exclude_none=True, mode="json")
    fields.pop("class", None)
    return TypeDefSummary.model_validate(fields)


def attribute_typedef_conflict_event(
    originator: Originator,
    message: str | None,
    their_attribute_type_def: AttributeTypeDef | None,
    their_metadata_collection_id: str | None,
    our_attribute_type_def: AttributeTypeDef | None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """CONFLICTING_ATTRIBUTE_TYPEDEFS as Egeria sends it
    (`OMRSRepositoryContentManager.processNewAttributeTypeDefEvent`): the member's
    AttributeTypeDef as `originalAttributeTypeDef`, the member as `otherMetadataCollectionId`,
    ours as `otherAttributeTypeDef`."""
    section = TypeDefEventSection(
        type_def_event_type=_TYPEDEF_ERROR, original_attribute_type_def=their_attribute_type_def
    )
    error = ErrorSection(
        error_code=_E.CONFLICTING_ATTRIBUTE_TYPEDEFS,
        error_message=message,
        other_metadata_collection_id=their_metadata_collection_id,
        other_attribute_type_def=our_attribute_type_def,
    )
    return _typedef_error(originator, section, error, timestamp, protocol_version_id)


def typedef_patch_mismatch_event(
    originator: Originator,
    message: str,
    target_metadata_collection_id: str | None,
    target_type_def_summary: TypeDefSummary | None,
    other_type_def: TypeDef | None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """TYPEDEF_PATCH_MISMATCH in the layout of Egeria's constructor
    (`OMRSRepositoryEventBuilder.processTypeDefPatchMismatchEvent`): the member and its
    TypeDefSummary as the target, this server's whole TypeDef as `otherTypeDef`. (No Egeria
    component sends one, and Egeria does nothing with one it receives.)"""
    error = ErrorSection(
        error_code=_E.TYPEDEF_PATCH_MISMATCH,
        error_message=message,
        target_metadata_collection_id=target_metadata_collection_id,
        target_type_def_summary=_as_summary(target_type_def_summary),
        other_type_def=other_type_def,
    )
    section = TypeDefEventSection(type_def_event_type=_TYPEDEF_ERROR)
    return _typedef_error(originator, section, error, timestamp, protocol_version_id)


def instance_error_event(
    originator: Originator,
    error_code: OMRSEventErrorCode,
    message: str,
    target_metadata_collection_id: str | None,
    target_instance_guid: str | None = None,
    other_type_def_summary: TypeDefSummary | None = None,
    *,
    target_type_def_summary: TypeDefSummary | None = None,
    other_instance_guid: str | None = None,
    other_origin: InstanceProvenanceType | str | None = None,
    other_metadata_collection_id: str | None = None,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """INSTANCE_ERROR_EVENT aimed at `target_metadata_collection_id`.

    CONFLICTING_TYPE is written as Egeria's constructor writes it: the target (member, type,
    instance guid) and `otherTypeDefSummary` only; CONFLICTING_INSTANCES and the codes no
    Egeria constructor sends carry every field given. The section's `eventType` is
    INSTANCE_ERROR_EVENT, the type Egeria's receivers act on (Egeria's own error constructors
    leave it at UNKNOWN_INSTANCE_EVENT, which receivers ignore).
    """
    conflicting_type = error_code is _E.CONFLICTING_TYPE
    error = ErrorSection(
        error_code=error_code,
        error_message=message,
        target_metadata_collection_id=target_metadata_collection_id,
        target_type_def_summary=target_type_def_summary,
        target_instance_guid=target_instance_guid,
        other_metadata_collection_id=None if conflicting_type else other_metadata_collection_id,
        other_origin=None if conflicting_type else other_origin,
        other_type_def_summary=other_type_def_summary,
        other_instance_guid=None if conflicting_type else other_instance_guid,
    )
    section = InstanceEventSection(event_type=OMRSInstanceEventType.INSTANCE_ERROR_EVENT)
    return _event(
        originator,
        OMRSEventCategory.INSTANCE,
        timestamp,
        protocol_version_id,
        instance_event_section=section,
        error_section=error,
    )


def conflicting_instances_event(
    originator: Originator,
    message: str,
    target_metadata_collection_id: str | None,
    target_type_def_summary: TypeDefSummary | None,
    target_instance_guid: str | None,
    other_metadata_collection_id: str | None,
    other_origin: InstanceProvenanceType | str | None,
    other_type_def_summary: TypeDefSummary | None,
    other_instance_guid: str | None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """CONFLICTING_INSTANCES with the nine fields of Egeria's constructor
    (`OMRSRepositoryEventBuilder.processConflictingInstancesEvent`)."""
    return instance_error_event(
        originator,
        _E.CONFLICTING_INSTANCES,
        message,
        target_metadata_collection_id,
        target_instance_guid,
        other_type_def_summary,
        target_type_def_summary=target_type_def_summary,
        other_instance_guid=other_instance_guid,
        other_origin=other_origin,
        other_metadata_collection_id=other_metadata_collection_id,
        timestamp=timestamp,
        protocol_version_id=protocol_version_id,
    )


def conflicting_type_event(
    originator: Originator,
    message: str,
    target_metadata_collection_id: str | None,
    target_type_def_summary: TypeDefSummary | None,
    target_instance_guid: str | None,
    other_type_def_summary: TypeDefSummary | None,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """CONFLICTING_TYPE with the fields of Egeria's constructor
    (`OMRSRepositoryEventBuilder.processConflictingTypeEvent`)."""
    return instance_error_event(
        originator,
        _E.CONFLICTING_TYPE,
        message,
        target_metadata_collection_id,
        target_instance_guid,
        other_type_def_summary,
        target_type_def_summary=target_type_def_summary,
        timestamp=timestamp,
        protocol_version_id=protocol_version_id,
    )


# -- TypeDef announcements -----------------------------------------------------------------


def new_typedef_event(
    originator: Originator,
    type_def: TypeDef,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """NEW_TYPEDEF_EVENT: the section carries the event type and the TypeDef, as Egeria's
    local repository writes it when it adds a TypeDef (`OMRSRepositoryEventBuilder.processNewTypeDefEvent`)."""
    section = TypeDefEventSection(
        type_def_event_type=OMRSTypeDefEventType.NEW_TYPEDEF_EVENT, type_def=type_def
    )
    return _event(
        originator, OMRSEventCategory.TYPEDEF, timestamp, protocol_version_id, type_def_event_section=section
    )


def new_attribute_typedef_event(
    originator: Originator,
    attribute_type_def: AttributeTypeDef,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """NEW_ATTRIBUTE_TYPEDEF_EVENT: the event type and the AttributeTypeDef
    (`OMRSRepositoryEventBuilder.processNewAttributeTypeDefEvent`)."""
    section = TypeDefEventSection(
        type_def_event_type=OMRSTypeDefEventType.NEW_ATTRIBUTE_TYPEDEF_EVENT,
        attribute_type_def=attribute_type_def,
    )
    return _event(
        originator, OMRSEventCategory.TYPEDEF, timestamp, protocol_version_id, type_def_event_section=section
    )


def _identity(
    *beans: EntityDetail | EntityProxy | Relationship | None,
) -> tuple[str | None, str | None, str | None]:
    """typeDefGUID, typeDefName and instanceGUID of the first bean given."""
    for bean in beans:
        if bean is None:
            continue
        if bean.type is None:
            return None, None, bean.guid
        return bean.type.type_def_guid, bean.type.type_def_name, bean.guid
    return None, None, None


def instance_event(
    originator: Originator,
    event_type: OMRSInstanceEventType,
    entity: EntityDetail | None = None,
    relationship: Relationship | None = None,
    classification: Classification | None = None,
    home_metadata_collection_id: str | None = None,
    *,
    entity_proxy: EntityProxy | None = None,
    original_entity: EntityDetail | None = None,
    original_relationship: Relationship | None = None,
    original_classification: Classification | None = None,
    instance_batch: InstanceGraph | None = None,
    original_home_metadata_collection_id: str | None = None,
    original_type_def_summary: TypeDefSummary | None = None,
    original_instance_guid: str | None = None,
    type_def_guid: str | None = None,
    type_def_name: str | None = None,
    instance_guid: str | None = None,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """Any instance event; typeDefGUID, typeDefName and instanceGUID come from the instance
    (entity, else relationship, else entity proxy) unless given."""
    guid, name, instance = _identity(entity, relationship, entity_proxy)
    section = InstanceEventSection(
        event_type=event_type,
        type_def_guid=type_def_guid or guid,
        type_def_name=type_def_name or name,
        instance_guid=instance_guid or instance,
        original_entity=original_entity,
        entity=entity,
        entity_proxy=entity_proxy,
        original_relationship=original_relationship,
        relationship=relationship,
        original_classification=original_classification,
        classification=classification,
        instance_batch=instance_batch,
        home_metadata_collection_id=home_metadata_collection_id,
        original_home_metadata_collection_id=original_home_metadata_collection_id,
        original_type_def_summary=original_type_def_summary,
        original_instance_guid=original_instance_guid,
    )
    return _event(
        originator, OMRSEventCategory.INSTANCE, timestamp, protocol_version_id, instance_event_section=section
    )


def refreshed_entity_event(
    originator: Originator,
    entity: EntityDetail,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """REFRESHED_ENTITY_EVENT: the home repository's answer to a REFRESH_ENTITY_REQUEST."""
    return instance_event(
        originator,
        OMRSInstanceEventType.REFRESHED_ENTITY_EVENT,
        entity=entity,
        timestamp=timestamp,
        protocol_version_id=protocol_version_id,
    )


def refreshed_relationship_event(
    originator: Originator,
    relationship: Relationship,
    *,
    timestamp: Date | None = None,
    protocol_version_id: OMRSEventProtocolVersion = V1,
) -> OMRSEventV1:
    """REFRESHED_RELATIONSHIP_EVENT: the answer to a REFRESH_RELATIONSHIP_REQUEST."""
    return instance_event(
        originator,
        OMRSInstanceEventType.REFRESHED_RELATIONSHIP_EVENT,
        relationship=relationship,
        timestamp=timestamp,
        protocol_version_id=protocol_version_id,
    )
