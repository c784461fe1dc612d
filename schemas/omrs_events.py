"""The OMRS event (`OMRSEventV1`), its originator and sections; parsing and dumping.

Parsing goes straight from bytes to models (`model_validate_json`), and dumping straight
from models to bytes, so no intermediate dict is built on the hot path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, get_args

import orjson
from pydantic import Field, ValidationError

from schemas.errors import EventValidationError, FieldError, from_pydantic, json_path
from schemas.omrs_base import EpochMillis, OMRSBean, OpenEnum
from schemas.omrs_enums import (
    InstanceProvenanceType,
    OMRSEventCategory,
    OMRSEventErrorCode,
    OMRSEventProtocolVersion,
    OMRSInstanceEventType,
    OMRSRegistryEventType,
    OMRSTypeDefEventType,
)
from schemas.omrs_instances import (
    Classification,
    EntityDetail,
    EntityProxy,
    InstanceGraph,
    InstancePropertyValue,
    Relationship,
)
from schemas.omrs_typedefs import AttributeTypeDef, TypeDef, TypeDefPatch, TypeDefSummary


class Originator(OMRSBean):
    """The server that sent the event (no `class`).

    `metadataCollectionId` is absent only when the sender has no local repository.
    """

    metadata_collection_id: str | None = None
    server_name: str | None = None
    server_type: str | None = None
    organization_name: str | None = None


class RegistryEventSection(OMRSBean):
    """Cohort membership. `remoteConnection` is an OCF Connection kept as opaque JSON."""

    registry_event_type: OMRSRegistryEventType
    registration_timestamp: EpochMillis | None = None
    metadata_collection_name: str | None = None
    remote_connection: dict[str, Any] | None = None


class TypeDefEventSection(OMRSBean):
    """Type synchronisation."""

    type_def_event_type: OMRSTypeDefEventType
    type_def_guid: str | None = Field(None, alias="typeDefGUID")
    type_def_name: str | None = None
    attribute_type_def: AttributeTypeDef | None = None
    original_attribute_type_def: AttributeTypeDef | None = None
    type_def: TypeDef | None = None
    type_def_patch: TypeDefPatch | None = None
    original_type_def_summary: TypeDefSummary | None = None


class InstanceEventSection(OMRSBean):
    """Instance replication; which fields are needed depends on `eventType`."""

    event_type: OMRSInstanceEventType
    type_def_guid: str | None = Field(None, alias="typeDefGUID")
    type_def_name: str | None = None
    instance_guid: str | None = Field(None, alias="instanceGUID")
    original_entity: EntityDetail | None = None
    entity: EntityDetail | None = None
    entity_proxy: EntityProxy | None = None
    original_relationship: Relationship | None = None
    relationship: Relationship | None = None
    original_classification: Classification | None = None
    classification: Classification | None = None
    instance_batch: InstanceGraph | None = None
    home_metadata_collection_id: str | None = None
    original_home_metadata_collection_id: str | None = None
    original_type_def_summary: TypeDefSummary | None = None
    original_instance_guid: str | None = Field(None, alias="originalInstanceGUID")


class ErrorSection(OMRSBean):
    """An anomaly reported to the member named by `targetMetadataCollectionId`."""

    error_code: OMRSEventErrorCode
    error_message: str | None = None
    target_metadata_collection_id: str | None = None
    target_remote_connection: dict[str, Any] | None = None
    target_type_def_summary: TypeDefSummary | None = None
    target_attribute_type_def: AttributeTypeDef | None = None
    target_instance_guid: str | None = Field(None, alias="targetInstanceGUID")
    other_metadata_collection_id: str | None = None
    other_origin: OpenEnum[InstanceProvenanceType] | None = None
    other_type_def_summary: TypeDefSummary | None = None
    other_type_def: TypeDef | None = None
    other_attribute_type_def: AttributeTypeDef | None = None
    other_instance_guid: str | None = Field(None, alias="otherInstanceGUID")


class OMRSEventV1(OMRSBean):
    """An OMRS cohort event as Egeria writes it, for protocol versions V1.0 and V2.0.

    `class` is required: Egeria cannot read an event without `"class": "OMRSEventV1"`.
    """

    class_: Literal["OMRSEventV1"] = Field(alias="class")
    protocol_version_id: OMRSEventProtocolVersion
    timestamp: EpochMillis | None = None
    originator: Originator
    event_category: OMRSEventCategory
    registry_event_section: RegistryEventSection | None = None
    type_def_event_section: TypeDefEventSection | None = None
    instance_event_section: InstanceEventSection | None = None
    error_section: ErrorSection | None = None


def _union_tags(*unions: Any) -> frozenset[str]:
    """The `class` values of discriminated unions (`Annotated[A | B, Field(...)]`)."""
    return frozenset(
        member.model_fields["class_"].default for union in unions for member in get_args(get_args(union)[0])
    )


_CLASS_TAGS = _union_tags(InstancePropertyValue, TypeDef, AttributeTypeDef)
"""The tags pydantic adds to error locations inside discriminated unions."""


def _json_loc(loc: Sequence[int | str], data: Any) -> list[int | str]:
    """The JSON location of a pydantic error: walks the input and drops union tags.

    A tag is dropped only where the input object's own `class` names it, so a map key that
    happens to equal a tag (a property called "EnumDef") stays in the path.
    """
    parts: list[int | str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            if part in node:
                node = node[part]
            elif part in _CLASS_TAGS and node.get("class") == part:
                continue
            else:
                node = None
        elif isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
            node = node[part]
        else:
            node = None
        parts.append(part)
    return parts


def _message(msg: str) -> str:
    """Pydantic names the discriminator by attribute and alias; the wire only knows `class`."""
    return msg.replace("'class_' | 'class'", "'class'")


def field_errors(error: ValidationError, raw: bytes | bytearray | str | None = None) -> list[FieldError]:
    """Every error of a failed parse as a FieldError whose path is a JSON path of the input.

    Only runs on the error path, so reading the input a second time costs nothing in the
    common case; input that is not JSON falls back to dropping every known tag.
    """
    try:
        data = orjson.loads(raw) if raw is not None else None
    except (orjson.JSONDecodeError, TypeError):
        data = None
    if data is None:
        return [
            FieldError(e.path, _message(e.message)) for e in from_pydantic(error, skip_loc_parts=_CLASS_TAGS)
        ]
    return [
        FieldError(json_path(_json_loc(err["loc"], data)), _message(err["msg"]))
        for err in error.errors(include_url=False)
    ]


def parse_omrs_event(raw: bytes | bytearray | str) -> OMRSEventV1:
    """Parse one event from its JSON bytes (or text).

    Raises EventValidationError carrying every problem found, each at its JSON path
    (`$.instanceEventSection.entity.version`).
    """
    try:
        return OMRSEventV1.model_validate_json(raw)
    except ValidationError as error:
        raise EventValidationError(field_errors(error, raw)) from None


_SERIALIZER = OMRSEventV1.__pydantic_serializer__


def dump_omrs_event(event: OMRSEventV1) -> bytes:
    """The event as compact JSON bytes, as Egeria reads it.

    Same content as `orjson.dumps(event.model_dump(mode="json", by_alias=True,
    exclude_none=True))`, serialised straight from the model by pydantic-core: faster, and
    it also writes integers beyond 64 bits (a BIGINTEGER primitive) that orjson refuses.
    """
    return _SERIALIZER.to_json(event, by_alias=True, exclude_none=True)


def dump_omrs_events(events: Iterable[OMRSEventV1]) -> list[bytes]:
    """Dump several events (a batch for one produce call)."""
    return [dump_omrs_event(event) for event in events]


def sender_collection_id(event: OMRSEventV1) -> str | None:
    """The metadata collection id of the member that sent the event."""
    return event.originator.metadata_collection_id


def instance_guid(event: OMRSEventV1) -> str | None:
    """The guid of the instance an instance event is about (its ordering key), if any."""
    section = event.instance_event_section
    if section is None:
        return None
    if section.instance_guid is not None:
        return section.instance_guid
    for bean in (section.entity, section.relationship, section.entity_proxy):
        if bean is not None and bean.guid is not None:
            return bean.guid
    return None


def event_type_of(
    event: OMRSEventV1,
) -> OMRSRegistryEventType | OMRSTypeDefEventType | OMRSInstanceEventType | None:
    """The event type of the section that matches the event's category, if present."""
    if event.event_category is OMRSEventCategory.REGISTRY and event.registry_event_section:
        return event.registry_event_section.registry_event_type
    if event.event_category is OMRSEventCategory.TYPEDEF and event.type_def_event_section:
        return event.type_def_event_section.type_def_event_type
    if event.event_category is OMRSEventCategory.INSTANCE and event.instance_event_section:
        return event.instance_event_section.event_type
    return None
