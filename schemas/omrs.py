"""OMRS cohort events as pydantic models: what Egeria writes, we read; what we write, Egeria reads.

Everything lives in `schemas.omrs_*` submodules and is re-exported here; import from here.

Design decisions
----------------
Round trip. For any event as Egeria writes it,
``parse_omrs_event(raw)`` then ``dump_omrs_event(event)`` gives the same JSON object back.
Hence:

- every model keeps unknown fields (``extra="allow"``), at every level, so what a newer
  Egeria adds survives and is written back unchanged;
- apart from the few required fields below, every field is optional with a ``None``
  default and dumps use ``exclude_none``: nothing is invented when absent, not even numbers
  Egeria always writes (``headerVersion``, ``version``); derived fields Egeria writes or
  once wrote (``propertyNames``, ``propertyCount``, ``mapElementCount``, ``arrayCount``) are kept as
  given, never recomputed;
- Egeria never writes ``null`` (Jackson ``NON_NULL``), so an explicit null field is read as
  absent and not written back; nulls inside opaque JSON (maps, ``remoteConnection``) stay;
- required are only what a receiver cannot act without: ``class``, ``protocolVersionId``,
  ``originator``, ``eventCategory``, each section's event type and the ``errorCode``;
- JSON names are Egeria's getter names: snake_case attributes, camelCase aliases, explicit
  aliases where Egeria differs (``typeDefGUID``, ``instanceURL``, ``class``), and the names
  Egeria's getters give rather than its Java fields (``status``, ``properties``, ``name``,
  ``attributeCardinality``, ``unique``, ``indexable``).

Polymorphism. Beans carry Egeria's ``"class"``. Where Egeria's type is abstract (a property
value, a TypeDef, an AttributeTypeDef) a pydantic discriminated union dispatches on it and an
absent or unknown ``class`` is an error, as in Egeria. Where the position fixes the type
(``entity`` is an EntityDetail) the ``class`` defaults to the bean's own name, so models
built in Python always write it; a wrong ``class`` there is an error, a missing one is
taken from the position (and written on output). The event itself must
say ``"class": "OMRSEventV1"`` (Egeria drops events without it).

Dates. A ``java.util.Date`` is read from epoch milliseconds (an int, kept exactly) or an
ISO 8601 string (REST style, converted once), held as an ``int`` of epoch ms, and written
as that int. Floats and numeric strings are refused rather than guessed at.

Enums. Two kinds, by what a receiver does with them:

- dispatch enums decide what happens to the event: ``protocolVersionId`` (OMRS V1.0 and
  V2.0), ``eventCategory`` (UNKNOWN and GENERIC included), ``registryEventType``,
  ``typeDefEventType``, ``eventType``, ``errorCode``. An unknown value is a validation error
  at its path listing the allowed values: acting on a guess would be wrong.
- descriptive enums describe a bean: ``status``, ``statusOnDelete``,
  ``instanceProvenanceType``, ``classificationOrigin``, ``typeDefCategory``, ``category``,
  ``primitiveDefCategory``, cardinalities, propagation rules, TypeDef statuses... A known
  value becomes the enum member; an unknown string is kept as a plain ``str`` and written
  back unchanged (older servers send provenance values no longer listed).

Semantics. The models fix the shape and tie each event type to its category (an instance
event type only parses inside ``instanceEventSection``). ``check_event_semantics`` adds the
rest (the category's section is present and no other; error event types have an
``errorSection``; each event type has the fields it needs), and ``validate_omrs_event`` does
parse plus checks and never raises.

Errors. Every failure is a ``schemas.errors.FieldError`` with a JSON path of the input
(``$.instanceEventSection.entity.version``); the tags pydantic puts in locations for
discriminated unions are removed.

Speed. These models sit on the hot path, so: ``model_validate_json`` on bytes; dates, open
enums and unions are pydantic-core schemas (no Python validator runs per field);
discriminated unions rather than smart unions; dumping serialises straight to bytes.
"""

from __future__ import annotations

from schemas.omrs_base import EpochMillis, OMRSBean, OMRSElement, OpenEnum, now_ms, to_epoch_ms
from schemas.omrs_builders import (
    attribute_typedef_conflict_event,
    bad_remote_connection_event,
    conflicting_collection_id_event,
    conflicting_instances_event,
    conflicting_type_event,
    instance_error_event,
    instance_event,
    new_attribute_typedef_event,
    new_typedef_event,
    re_registration_event,
    refresh_registration_request,
    refreshed_entity_event,
    refreshed_relationship_event,
    registration_event,
    registry_error_event,
    typedef_conflict_event,
    typedef_error_event,
    typedef_patch_mismatch_event,
    un_registration_event,
)
from schemas.omrs_enums import (
    DESCRIPTIVE_ENUMS,
    DISPATCH_ENUMS,
    AttributeCardinality,
    AttributeTypeDefCategory,
    ClassificationOrigin,
    ClassificationPropagationRule,
    CollectionDefCategory,
    InstancePropertyCategory,
    InstanceProvenanceType,
    InstanceStatus,
    OMRSEventCategory,
    OMRSEventErrorCode,
    OMRSEventProtocolVersion,
    OMRSInstanceEventType,
    OMRSRegistryEventType,
    OMRSTypeDefEventType,
    PrimitiveDefCategory,
    RelationshipEndCardinality,
    TypeDefAttributeStatus,
    TypeDefCategory,
    TypeDefStatus,
)
from schemas.omrs_events import (
    ErrorSection,
    InstanceEventSection,
    OMRSEventV1,
    Originator,
    RegistryEventSection,
    TypeDefEventSection,
    dump_omrs_event,
    dump_omrs_events,
    event_type_of,
    field_errors,
    instance_guid,
    parse_omrs_event,
    sender_collection_id,
)
from schemas.omrs_instances import (
    ArrayPropertyValue,
    Classification,
    EntityDetail,
    EntityProxy,
    EntitySummary,
    EnumPropertyValue,
    InstanceGraph,
    InstanceProperties,
    InstancePropertyValue,
    InstanceType,
    MapPropertyValue,
    PrimitivePropertyValue,
    Relationship,
    StructPropertyValue,
)
from schemas.omrs_semantics import INSTANCE_NEEDS, TYPEDEF_NEEDS, check_event_semantics, validate_omrs_event
from schemas.omrs_typedefs import (
    AttributeTypeDef,
    ClassificationDef,
    CollectionDef,
    EntityDef,
    EnumDef,
    EnumElementDef,
    ExternalStandardMapping,
    PrimitiveDef,
    RelationshipDef,
    RelationshipEndDef,
    TypeDef,
    TypeDefAttribute,
    TypeDefLink,
    TypeDefPatch,
    TypeDefSummary,
)

__all__ = [
    "DESCRIPTIVE_ENUMS",
    "DISPATCH_ENUMS",
    "INSTANCE_NEEDS",
    "TYPEDEF_NEEDS",
    "ArrayPropertyValue",
    "AttributeCardinality",
    "AttributeTypeDef",
    "AttributeTypeDefCategory",
    "Classification",
    "ClassificationDef",
    "ClassificationOrigin",
    "ClassificationPropagationRule",
    "CollectionDef",
    "CollectionDefCategory",
    "EntityDef",
    "EntityDetail",
    "EntityProxy",
    "EntitySummary",
    "EnumDef",
    "EnumElementDef",
    "EnumPropertyValue",
    "EpochMillis",
    "ErrorSection",
    "ExternalStandardMapping",
    "InstanceEventSection",
    "InstanceGraph",
    "InstanceProperties",
    "InstancePropertyCategory",
    "InstancePropertyValue",
    "InstanceProvenanceType",
    "InstanceStatus",
    "InstanceType",
    "MapPropertyValue",
    "OMRSBean",
    "OMRSElement",
    "OMRSEventCategory",
    "OMRSEventErrorCode",
    "OMRSEventProtocolVersion",
    "OMRSEventV1",
    "OMRSInstanceEventType",
    "OMRSRegistryEventType",
    "OMRSTypeDefEventType",
    "OpenEnum",
    "Originator",
    "PrimitiveDef",
    "PrimitiveDefCategory",
    "PrimitivePropertyValue",
    "RegistryEventSection",
    "Relationship",
    "RelationshipDef",
    "RelationshipEndCardinality",
    "RelationshipEndDef",
    "StructPropertyValue",
    "TypeDef",
    "TypeDefAttribute",
    "TypeDefAttributeStatus",
    "TypeDefCategory",
    "TypeDefEventSection",
    "TypeDefLink",
    "TypeDefPatch",
    "TypeDefStatus",
    "TypeDefSummary",
    "attribute_typedef_conflict_event",
    "bad_remote_connection_event",
    "check_event_semantics",
    "conflicting_collection_id_event",
    "conflicting_instances_event",
    "conflicting_type_event",
    "dump_omrs_event",
    "dump_omrs_events",
    "event_type_of",
    "field_errors",
    "instance_error_event",
    "instance_event",
    "instance_guid",
    "new_attribute_typedef_event",
    "new_typedef_event",
    "now_ms",
    "parse_omrs_event",
    "re_registration_event",
    "refresh_registration_request",
    "refreshed_entity_event",
    "refreshed_relationship_event",
    "registration_event",
    "registry_error_event",
    "sender_collection_id",
    "to_epoch_ms",
    "typedef_conflict_event",
    "typedef_error_event",
    "typedef_patch_mismatch_event",
    "un_registration_event",
    "validate_omrs_event",
]
