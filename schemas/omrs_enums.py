"""Every enumeration an OMRS cohort event carries, with Egeria's constant names as values.

Egeria writes an enum as its constant name (`"NEW_ENTITY_EVENT"`), so each member's value is
its own name; a `StrEnum` member also compares equal to that string. Ordinals and
descriptions exist only on the Java side and are not modelled. Which of these enums reject
an unknown value and which keep it is decided in `schemas.omrs` (dispatch vs descriptive).
"""

from __future__ import annotations

from enum import StrEnum

# --- dispatch enums: they decide what a receiver does, so an unknown value is an error ---


class OMRSEventProtocolVersion(StrEnum):
    """`protocolVersionId`: Egeria 6 writes V2.0 with the same field names as V1.0."""

    V1 = "OMRS V1.0"
    V2 = "OMRS V2.0"


class OMRSEventCategory(StrEnum):
    """Which category section an event carries (GENERIC: generic messages, typically errors)."""

    UNKNOWN = "UNKNOWN"
    REGISTRY = "REGISTRY"
    TYPEDEF = "TYPEDEF"
    INSTANCE = "INSTANCE"
    GENERIC = "GENERIC"


class OMRSRegistryEventType(StrEnum):
    """`registryEventSection.registryEventType`: cohort membership."""

    UNKNOWN_REGISTRY_EVENT = "UNKNOWN_REGISTRY_EVENT"
    REGISTRATION_EVENT = "REGISTRATION_EVENT"
    REFRESH_REGISTRATION_REQUEST = "REFRESH_REGISTRATION_REQUEST"
    RE_REGISTRATION_EVENT = "RE_REGISTRATION_EVENT"
    UN_REGISTRATION_EVENT = "UN_REGISTRATION_EVENT"
    REGISTRATION_ERROR_EVENT = "REGISTRATION_ERROR_EVENT"


class OMRSTypeDefEventType(StrEnum):
    """`typeDefEventSection.typeDefEventType`: type synchronisation."""

    UNKNOWN_TYPEDEF_EVENT = "UNKNOWN_TYPEDEF_EVENT"
    NEW_TYPEDEF_EVENT = "NEW_TYPEDEF_EVENT"
    NEW_ATTRIBUTE_TYPEDEF_EVENT = "NEW_ATTRIBUTE_TYPEDEF_EVENT"
    UPDATED_TYPEDEF_EVENT = "UPDATED_TYPEDEF_EVENT"
    DELETED_TYPEDEF_EVENT = "DELETED_TYPEDEF_EVENT"
    DELETED_ATTRIBUTE_TYPEDEF_EVENT = "DELETED_ATTRIBUTE_TYPEDEF_EVENT"
    RE_IDENTIFIED_TYPEDEF_EVENT = "RE_IDENTIFIED_TYPEDEF_EVENT"
    RE_IDENTIFIED_ATTRIBUTE_TYPEDEF_EVENT = "RE_IDENTIFIED_ATTRIBUTE_TYPEDEF_EVENT"
    TYPEDEF_ERROR_EVENT = "TYPEDEF_ERROR_EVENT"


class OMRSInstanceEventType(StrEnum):
    """`instanceEventSection.eventType` (not `instanceEventType`): instance replication."""

    UNKNOWN_INSTANCE_EVENT = "UNKNOWN_INSTANCE_EVENT"
    NEW_ENTITY_EVENT = "NEW_ENTITY_EVENT"
    UPDATED_ENTITY_EVENT = "UPDATED_ENTITY_EVENT"
    UNDONE_ENTITY_EVENT = "UNDONE_ENTITY_EVENT"
    CLASSIFIED_ENTITY_EVENT = "CLASSIFIED_ENTITY_EVENT"
    DECLASSIFIED_ENTITY_EVENT = "DECLASSIFIED_ENTITY_EVENT"
    RECLASSIFIED_ENTITY_EVENT = "RECLASSIFIED_ENTITY_EVENT"
    DELETED_ENTITY_EVENT = "DELETED_ENTITY_EVENT"
    PURGED_ENTITY_EVENT = "PURGED_ENTITY_EVENT"
    RESTORED_ENTITY_EVENT = "RESTORED_ENTITY_EVENT"
    RE_IDENTIFIED_ENTITY_EVENT = "RE_IDENTIFIED_ENTITY_EVENT"
    RETYPED_ENTITY_EVENT = "RETYPED_ENTITY_EVENT"
    RE_HOMED_ENTITY_EVENT = "RE_HOMED_ENTITY_EVENT"
    REFRESH_ENTITY_REQUEST = "REFRESH_ENTITY_REQUEST"
    REFRESHED_ENTITY_EVENT = "REFRESHED_ENTITY_EVENT"
    NEW_RELATIONSHIP_EVENT = "NEW_RELATIONSHIP_EVENT"
    UPDATED_RELATIONSHIP_EVENT = "UPDATED_RELATIONSHIP_EVENT"
    UNDONE_RELATIONSHIP_EVENT = "UNDONE_RELATIONSHIP_EVENT"
    DELETED_RELATIONSHIP_EVENT = "DELETED_RELATIONSHIP_EVENT"
    PURGED_RELATIONSHIP_EVENT = "PURGED_RELATIONSHIP_EVENT"
    RESTORED_RELATIONSHIP_EVENT = "RESTORED_RELATIONSHIP_EVENT"
    RE_IDENTIFIED_RELATIONSHIP_EVENT = "RE_IDENTIFIED_RELATIONSHIP_EVENT"
    RETYPED_RELATIONSHIP_EVENT = "RETYPED_RELATIONSHIP_EVENT"
    RE_HOMED_RELATIONSHIP_EVENT = "RE_HOMED_RELATIONSHIP_EVENT"
    REFRESH_RELATIONSHIP_REQUEST = "REFRESH_RELATIONSHIP_REQUEST"
    REFRESHED_RELATIONSHIP_EVENT = "REFRESHED_RELATIONSHIP_EVENT"
    BATCH_INSTANCES_EVENT = "BATCH_INSTANCES_EVENT"
    DELETE_PURGED_ENTITY_EVENT = "DELETE_PURGED_ENTITY_EVENT"
    DELETE_PURGED_RELATIONSHIP_EVENT = "DELETE_PURGED_RELATIONSHIP_EVENT"
    INSTANCE_ERROR_EVENT = "INSTANCE_ERROR_EVENT"


class OMRSEventErrorCode(StrEnum):
    """`errorSection.errorCode`: what the member named by targetMetadataCollectionId got wrong."""

    NOT_IN_USE = "NOT_IN_USE"
    INVALID_EVENT_FORMAT = "INVALID_EVENT_FORMAT"
    INVALID_REGISTRY_EVENT = "INVALID_REGISTRY_EVENT"
    INVALID_TYPEDEF_EVENT = "INVALID_TYPEDEF_EVENT"
    INVALID_INSTANCE_EVENT = "INVALID_INSTANCE_EVENT"
    CONFLICTING_COLLECTION_ID = "CONFLICTING_COLLECTION_ID"
    BAD_REMOTE_CONNECTION = "BAD_REMOTE_CONNECTION"
    CONFLICTING_TYPEDEFS = "CONFLICTING_TYPEDEFS"
    CONFLICTING_ATTRIBUTE_TYPEDEFS = "CONFLICTING_ATTRIBUTE_TYPEDEFS"
    TYPEDEF_PATCH_MISMATCH = "TYPEDEF_PATCH_MISMATCH"
    CONFLICTING_INSTANCES = "CONFLICTING_INSTANCES"
    CONFLICTING_TYPE = "CONFLICTING_TYPE"
    UNKNOWN_ERROR_CODE = "UNKNOWN_ERROR_CODE"


# --- descriptive enums: they describe a bean; an unknown value is kept as a plain string ---


class InstanceStatus(StrEnum):
    """`status`, `statusOnDelete`, `initialStatus`, `validInstanceStatusList` entries."""

    UNKNOWN = "UNKNOWN"
    DRAFT = "DRAFT"
    PREPARED = "PREPARED"
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    APPROVED_CONCEPT = "APPROVED_CONCEPT"
    UNDER_DEVELOPMENT = "UNDER_DEVELOPMENT"
    DEVELOPMENT_COMPLETE = "DEVELOPMENT_COMPLETE"
    APPROVED_FOR_DEPLOYMENT = "APPROVED_FOR_DEPLOYMENT"
    STANDBY = "STANDBY"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"
    DISABLED = "DISABLED"
    COMPLETE = "COMPLETE"
    DEPRECATED = "DEPRECATED"
    OTHER = "OTHER"
    DELETED = "DELETED"


class InstanceProvenanceType(StrEnum):
    """Where an instance comes from; older servers send values no longer listed here."""

    UNKNOWN = "UNKNOWN"
    LOCAL_COHORT = "LOCAL_COHORT"
    EXPORT_ARCHIVE = "EXPORT_ARCHIVE"
    CONTENT_PACK = "CONTENT_PACK"
    DEREGISTERED_REPOSITORY = "DEREGISTERED_REPOSITORY"
    CONFIGURATION = "CONFIGURATION"
    EXTERNAL_SOURCE = "EXTERNAL_SOURCE"


class ClassificationOrigin(StrEnum):
    """Whether a classification was put on the entity or flowed to it along a relationship."""

    ASSIGNED = "ASSIGNED"
    PROPAGATED = "PROPAGATED"


class InstancePropertyCategory(StrEnum):
    """`instancePropertyCategory` of a property value (the `class` is what dispatches)."""

    UNKNOWN = "UNKNOWN"
    PRIMITIVE = "PRIMITIVE"
    ENUM = "ENUM"
    STRUCT = "STRUCT"
    MAP = "MAP"
    ARRAY = "ARRAY"


class TypeDefCategory(StrEnum):
    """`category` of a TypeDef, `typeDefCategory` of an InstanceType."""

    UNKNOWN_DEF = "UNKNOWN_DEF"
    CLASSIFICATION_DEF = "CLASSIFICATION_DEF"
    ENTITY_DEF = "ENTITY_DEF"
    RELATIONSHIP_DEF = "RELATIONSHIP_DEF"


class AttributeTypeDefCategory(StrEnum):
    """`category` of an AttributeTypeDef."""

    UNKNOWN_DEF = "UNKNOWN_DEF"
    PRIMITIVE = "PRIMITIVE"
    COLLECTION = "COLLECTION"
    ENUM_DEF = "ENUM_DEF"


class PrimitiveDefCategory(StrEnum):
    """Primitive types; a DATE primitive value travels as epoch milliseconds."""

    OM_PRIMITIVE_TYPE_UNKNOWN = "OM_PRIMITIVE_TYPE_UNKNOWN"
    OM_PRIMITIVE_TYPE_BOOLEAN = "OM_PRIMITIVE_TYPE_BOOLEAN"
    OM_PRIMITIVE_TYPE_BYTE = "OM_PRIMITIVE_TYPE_BYTE"
    OM_PRIMITIVE_TYPE_CHAR = "OM_PRIMITIVE_TYPE_CHAR"
    OM_PRIMITIVE_TYPE_SHORT = "OM_PRIMITIVE_TYPE_SHORT"
    OM_PRIMITIVE_TYPE_INT = "OM_PRIMITIVE_TYPE_INT"
    OM_PRIMITIVE_TYPE_LONG = "OM_PRIMITIVE_TYPE_LONG"
    OM_PRIMITIVE_TYPE_FLOAT = "OM_PRIMITIVE_TYPE_FLOAT"
    OM_PRIMITIVE_TYPE_DOUBLE = "OM_PRIMITIVE_TYPE_DOUBLE"
    OM_PRIMITIVE_TYPE_BIGINTEGER = "OM_PRIMITIVE_TYPE_BIGINTEGER"
    OM_PRIMITIVE_TYPE_BIGDECIMAL = "OM_PRIMITIVE_TYPE_BIGDECIMAL"
    OM_PRIMITIVE_TYPE_STRING = "OM_PRIMITIVE_TYPE_STRING"
    OM_PRIMITIVE_TYPE_DATE = "OM_PRIMITIVE_TYPE_DATE"


class CollectionDefCategory(StrEnum):
    """`collectionDefCategory` of a CollectionDef."""

    OM_COLLECTION_UNKNOWN = "OM_COLLECTION_UNKNOWN"
    OM_COLLECTION_MAP = "OM_COLLECTION_MAP"
    OM_COLLECTION_ARRAY = "OM_COLLECTION_ARRAY"
    OM_COLLECTION_STRUCT = "OM_COLLECTION_STRUCT"


class TypeDefStatus(StrEnum):
    """`status` of a TypeDefLink/TypeDefSummary, `typeDefStatus` of a TypeDefPatch."""

    ACTIVE_TYPEDEF = "ACTIVE_TYPEDEF"
    RENAMED_TYPEDEF = "RENAMED_TYPEDEF"
    DEPRECATED_TYPEDEF = "DEPRECATED_TYPEDEF"


class TypeDefAttributeStatus(StrEnum):
    """`attributeStatus` of a TypeDefAttribute."""

    ACTIVE_ATTRIBUTE = "ACTIVE_ATTRIBUTE"
    RENAMED_ATTRIBUTE = "RENAMED_ATTRIBUTE"
    DEPRECATED_ATTRIBUTE = "DEPRECATED_ATTRIBUTE"


class AttributeCardinality(StrEnum):
    """`attributeCardinality` of a TypeDefAttribute."""

    UNKNOWN = "UNKNOWN"
    AT_MOST_ONE = "AT_MOST_ONE"
    ONE_ONLY = "ONE_ONLY"
    AT_LEAST_ONE_ORDERED = "AT_LEAST_ONE_ORDERED"
    AT_LEAST_ONE_UNORDERED = "AT_LEAST_ONE_UNORDERED"
    ANY_NUMBER_ORDERED = "ANY_NUMBER_ORDERED"
    ANY_NUMBER_UNORDERED = "ANY_NUMBER_UNORDERED"


class RelationshipEndCardinality(StrEnum):
    """`attributeCardinality` of a RelationshipEndDef."""

    UNKNOWN = "UNKNOWN"
    AT_MOST_ONE = "AT_MOST_ONE"
    ANY_NUMBER = "ANY_NUMBER"


class ClassificationPropagationRule(StrEnum):
    """`propagationRule` of a RelationshipDef."""

    NONE = "NONE"
    ONE_TO_TWO = "ONE_TO_TWO"
    TWO_TO_ONE = "TWO_TO_ONE"
    BOTH = "BOTH"


DISPATCH_ENUMS: tuple[type[StrEnum], ...] = (
    OMRSEventProtocolVersion,
    OMRSEventCategory,
    OMRSRegistryEventType,
    OMRSTypeDefEventType,
    OMRSInstanceEventType,
    OMRSEventErrorCode,
)
DESCRIPTIVE_ENUMS: tuple[type[StrEnum], ...] = (
    InstanceStatus,
    InstanceProvenanceType,
    ClassificationOrigin,
    InstancePropertyCategory,
    TypeDefCategory,
    AttributeTypeDefCategory,
    PrimitiveDefCategory,
    CollectionDefCategory,
    TypeDefStatus,
    TypeDefAttributeStatus,
    AttributeCardinality,
    RelationshipEndCardinality,
    ClassificationPropagationRule,
)
