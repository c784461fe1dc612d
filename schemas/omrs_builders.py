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
from schemas.omrs_typedefs import AttributeTypeDef, TypeDef, TypeDefSummary

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
    """UN_REGISTRATION_EVENT: this member leaves the cohort."""
    return _registry_event(
        OMRSRegistryEventType.UN_REGISTRATION_EVENT,
        originator,
        registration_timestamp,
        remote_connection,
        metadata_collection_name,
        timestamp,
        protocol_version_id,
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
    """REFRESH_REGISTRATION_REQUEST: asks every member to re-register."""
    return _registry_event(
        OMRSRegistryEventType.REFRESH_REGISTRATION_REQUEST,
        originator,
        registration_timestamp,
        remote_connection,
        metadata_collection_name,
        timestamp,
        protocol_version_id,
    )


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
    """REGISTRATION_ERROR_EVENT aimed at the member at fault (e.g. CONFLICTING_COLLECTION_ID)."""
    error = ErrorSection(
        error_code=error_code,
        error_message=message,
        target_metadata_collection_id=target_metadata_collection_id,
        target_remote_connection=target_remote_connection,
        other_metadata_collection_id=other_metadata_collection_id,
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
    """TYPEDEF_ERROR_EVENT: e.g. CONFLICTING_TYPEDEFS or TYPEDEF_PATCH_MISMATCH."""
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
    section = TypeDefEventSection(type_def_event_type=OMRSTypeDefEventType.TYPEDEF_ERROR_EVENT)
    return _event(
        originator,
        OMRSEventCategory.TYPEDEF,
        timestamp,
        protocol_version_id,
        type_def_event_section=section,
        error_section=error,
    )


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
    """INSTANCE_ERROR_EVENT: e.g. CONFLICTING_INSTANCES or CONFLICTING_TYPE."""
    error = ErrorSection(
        error_code=error_code,
        error_message=message,
        target_metadata_collection_id=target_metadata_collection_id,
        target_type_def_summary=target_type_def_summary,
        target_instance_guid=target_instance_guid,
        other_metadata_collection_id=other_metadata_collection_id,
        other_origin=other_origin,
        other_type_def_summary=other_type_def_summary,
        other_instance_guid=other_instance_guid,
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
