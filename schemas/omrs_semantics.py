"""Rules beyond the shape: the section matches the category, each event type has its fields.

The shape (the models) already ties each event type to its category: an instance event type
can only sit in `instanceEventSection.eventType`. What the models cannot say is which of the
many optional fields a given event type needs; the tables below do, and `validate_omrs_event`
runs them after the parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel

from schemas.errors import EventValidationError, FieldError
from schemas.omrs_enums import (
    OMRSEventCategory,
    OMRSInstanceEventType,
    OMRSRegistryEventType,
    OMRSTypeDefEventType,
)
from schemas.omrs_events import (
    InstanceEventSection,
    OMRSEventV1,
    RegistryEventSection,
    TypeDefEventSection,
    parse_omrs_event,
)

Needs = tuple[tuple[str, ...], ...]
"""What an event type needs: each inner tuple names JSON fields of which one must be set."""

_SECTION_OF: dict[OMRSEventCategory, str] = {
    OMRSEventCategory.REGISTRY: "registryEventSection",
    OMRSEventCategory.TYPEDEF: "typeDefEventSection",
    OMRSEventCategory.INSTANCE: "instanceEventSection",
}

_ERROR_EVENT_TYPES = frozenset(
    {
        OMRSRegistryEventType.REGISTRATION_ERROR_EVENT,
        OMRSTypeDefEventType.TYPEDEF_ERROR_EVENT,
        OMRSInstanceEventType.INSTANCE_ERROR_EVENT,
    }
)

_I = OMRSInstanceEventType
_ENTITY: Needs = (("entity",),)
_RELATIONSHIP: Needs = (("relationship",),)
_REFRESH_REQUEST: Needs = (
    ("typeDefGUID",),
    ("typeDefName",),
    ("instanceGUID",),
    ("homeMetadataCollectionId",),
)

INSTANCE_NEEDS: Mapping[OMRSInstanceEventType, Needs] = {
    _I.NEW_ENTITY_EVENT: _ENTITY,
    _I.UPDATED_ENTITY_EVENT: _ENTITY,
    _I.UNDONE_ENTITY_EVENT: _ENTITY,
    _I.CLASSIFIED_ENTITY_EVENT: (("entity", "entityProxy"), ("classification",)),
    _I.DECLASSIFIED_ENTITY_EVENT: (("entity", "entityProxy"),),
    _I.RECLASSIFIED_ENTITY_EVENT: (("entity", "entityProxy"), ("classification",)),
    _I.DELETED_ENTITY_EVENT: _ENTITY,
    _I.PURGED_ENTITY_EVENT: (("entity", "instanceGUID"),),
    _I.RESTORED_ENTITY_EVENT: _ENTITY,
    _I.RE_IDENTIFIED_ENTITY_EVENT: (("entity",), ("originalInstanceGUID", "originalEntity")),
    _I.RETYPED_ENTITY_EVENT: (("entity",), ("originalTypeDefSummary",)),
    _I.RE_HOMED_ENTITY_EVENT: (("entity",), ("originalHomeMetadataCollectionId",)),
    _I.REFRESH_ENTITY_REQUEST: _REFRESH_REQUEST,
    _I.REFRESHED_ENTITY_EVENT: _ENTITY,
    _I.DELETE_PURGED_ENTITY_EVENT: _ENTITY,
    _I.NEW_RELATIONSHIP_EVENT: _RELATIONSHIP,
    _I.UPDATED_RELATIONSHIP_EVENT: _RELATIONSHIP,
    _I.UNDONE_RELATIONSHIP_EVENT: _RELATIONSHIP,
    _I.DELETED_RELATIONSHIP_EVENT: _RELATIONSHIP,
    _I.PURGED_RELATIONSHIP_EVENT: (("relationship", "instanceGUID"),),
    _I.RESTORED_RELATIONSHIP_EVENT: _RELATIONSHIP,
    _I.RE_IDENTIFIED_RELATIONSHIP_EVENT: (
        ("relationship",),
        ("originalInstanceGUID", "originalRelationship"),
    ),
    _I.RETYPED_RELATIONSHIP_EVENT: (("relationship",), ("originalTypeDefSummary",)),
    _I.RE_HOMED_RELATIONSHIP_EVENT: (("relationship",), ("originalHomeMetadataCollectionId",)),
    _I.REFRESH_RELATIONSHIP_REQUEST: _REFRESH_REQUEST,
    _I.REFRESHED_RELATIONSHIP_EVENT: _RELATIONSHIP,
    _I.DELETE_PURGED_RELATIONSHIP_EVENT: _RELATIONSHIP,
    _I.BATCH_INSTANCES_EVENT: (("instanceBatch",),),
}
"""Instance event types and the fields each needs (older servers' minimum, not the newest)."""

_T = OMRSTypeDefEventType
TYPEDEF_NEEDS: Mapping[OMRSTypeDefEventType, Needs] = {
    _T.NEW_TYPEDEF_EVENT: (("typeDef",),),
    _T.NEW_ATTRIBUTE_TYPEDEF_EVENT: (("attributeTypeDef",),),
    _T.UPDATED_TYPEDEF_EVENT: (("typeDefPatch",),),
    _T.DELETED_TYPEDEF_EVENT: (("typeDefGUID",), ("typeDefName",)),
    _T.DELETED_ATTRIBUTE_TYPEDEF_EVENT: (("typeDefGUID",), ("typeDefName",)),
    _T.RE_IDENTIFIED_TYPEDEF_EVENT: (("typeDef",), ("originalTypeDefSummary",)),
    _T.RE_IDENTIFIED_ATTRIBUTE_TYPEDEF_EVENT: (("attributeTypeDef",), ("originalAttributeTypeDef",)),
}
"""TypeDef event types and the fields each needs."""

_MEMBERSHIP_EVENTS = frozenset(
    {
        OMRSRegistryEventType.REGISTRATION_EVENT,
        OMRSRegistryEventType.RE_REGISTRATION_EVENT,
        OMRSRegistryEventType.UN_REGISTRATION_EVENT,
    }
)


def _is_set(model: BaseModel, json_name: str) -> bool:
    """Whether the field with this JSON name holds a value (known field or kept extra)."""
    attr = _ATTRIBUTE_OF[type(model)].get(json_name, json_name)
    return getattr(model, attr, None) is not None


def _attributes_by_alias(model: type[BaseModel]) -> dict[str, str]:
    return {field.alias or name: name for name, field in model.model_fields.items()}


_ATTRIBUTE_OF: dict[type[BaseModel], dict[str, str]] = {
    model: _attributes_by_alias(model)
    for model in (RegistryEventSection, TypeDefEventSection, InstanceEventSection)
}


def _missing(section: BaseModel, path: str, event_type: str, needs: Needs) -> list[FieldError]:
    """One FieldError per requirement of `needs` that the section does not meet."""
    return [
        FieldError(f"{path}.{names[0]}", f"{event_type} needs {' or '.join(names)}")
        for names in needs
        if not any(_is_set(section, name) for name in names)
    ]


def _check_sections(event: OMRSEventV1) -> list[FieldError]:
    """The section of the event's category is present and no other category's section is."""
    expected = _SECTION_OF.get(event.event_category)
    present = {
        "registryEventSection": event.registry_event_section,
        "typeDefEventSection": event.type_def_event_section,
        "instanceEventSection": event.instance_event_section,
    }
    errors = [
        FieldError(f"$.{name}", f"eventCategory {event.event_category} does not carry {name}")
        for name, section in present.items()
        if section is not None and name != expected
    ]
    if expected is not None and present[expected] is None:
        errors.append(FieldError(f"$.{expected}", f"eventCategory {event.event_category} needs {expected}"))
    return errors


def _check_registry(event: OMRSEventV1, section: RegistryEventSection) -> list[FieldError]:
    """Membership events must say which member (metadata collection) they are about."""
    if section.registry_event_type in _MEMBERSHIP_EVENTS and event.originator.metadata_collection_id is None:
        return [
            FieldError(
                "$.originator.metadataCollectionId",
                f"{section.registry_event_type} needs originator.metadataCollectionId",
            )
        ]
    return []


def _check_typedefs(section: TypeDefEventSection) -> list[FieldError]:
    kind = section.type_def_event_type
    return _missing(section, "$.typeDefEventSection", kind, TYPEDEF_NEEDS.get(kind, ()))


def _check_instances(section: InstanceEventSection) -> list[FieldError]:
    kind = section.event_type
    return _missing(section, "$.instanceEventSection", kind, INSTANCE_NEEDS.get(kind, ()))


def _check_event_types(event: OMRSEventV1) -> list[FieldError]:
    """The fields each present section's event type needs are there."""
    errors: list[FieldError] = []
    if event.registry_event_section is not None:
        errors += _check_registry(event, event.registry_event_section)
    if event.type_def_event_section is not None:
        errors += _check_typedefs(event.type_def_event_section)
    if event.instance_event_section is not None:
        errors += _check_instances(event.instance_event_section)
    return errors


def _section_event_types(event: OMRSEventV1) -> list[StrEnum]:
    """The event type of each category section present."""
    kinds: list[StrEnum] = []
    if event.registry_event_section is not None:
        kinds.append(event.registry_event_section.registry_event_type)
    if event.type_def_event_section is not None:
        kinds.append(event.type_def_event_section.type_def_event_type)
    if event.instance_event_section is not None:
        kinds.append(event.instance_event_section.event_type)
    return kinds


def _check_error_section(event: OMRSEventV1) -> list[FieldError]:
    """An error event type needs the errorSection that says what went wrong."""
    if event.error_section is not None:
        return []
    return [
        FieldError("$.errorSection", f"{kind} needs errorSection")
        for kind in _section_event_types(event)
        if kind in _ERROR_EVENT_TYPES
    ]


def check_event_semantics(event: OMRSEventV1) -> list[FieldError]:
    """Every rule the shape cannot express, each failure a FieldError at its JSON path.

    - the section of `eventCategory` is present, and no other category's section is
      (UNKNOWN and GENERIC carry none of the three);
    - an error event type (REGISTRATION_/TYPEDEF_/INSTANCE_ERROR_EVENT) has an errorSection;
    - each event type carries what it needs (INSTANCE_NEEDS, TYPEDEF_NEEDS; membership
      registry events name the member's metadata collection).
    """
    return _check_sections(event) + _check_error_section(event) + _check_event_types(event)


def validate_omrs_event(raw: object) -> tuple[OMRSEventV1 | None, list[FieldError]]:
    """Parse and check one event; never raises, whatever the input.

    Returns `(event, [])` for a valid event; `(None, errors)` when the input is not an OMRS
    event at all (not JSON, wrong shape); `(event, errors)` when it parses but breaks a rule
    above, so the caller can still see who sent it and answer with an error event.
    """
    if not isinstance(raw, bytes | bytearray | str):
        return None, [FieldError("$", f"expected JSON bytes or text, got {type(raw).__name__}")]
    try:
        event = parse_omrs_event(raw)
    except EventValidationError as error:
        return None, error.errors
    return event, check_event_semantics(event)
