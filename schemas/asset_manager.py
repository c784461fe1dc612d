"""Asset Manager OMAS out-topic events, as Egeria writes them (`AssetManagerOutTopicEvent`).

Decisions, and why:

- **Field facts from Egeria's source**: the event bean has no `"class"` of its own;
  `elementHeader` (and the previous / end-one / end-two headers) are the frameworks'
  `ElementHeader` (`"class": "ElementHeader"`, `guid`, `headerVersion`, `classifications`,
  `status`, `type`, `origin`, `versions`); property maps are plain JSON maps. Older servers
  send only `eventVersionId`, `eventType`, `elementHeader`, `elementProperties`: every field
  but `eventType` is optional.
- **Round trip**: unknown fields are kept at every level and absent ones stay absent, so
  `model_dump(mode="json", by_alias=True, exclude_none=True)` equals the input. `"class"`
  is kept as sent and never invented.
- **Dates** (`eventTime`, `versions.createTime`/`updateTime`) are Java `Date`s: read from
  epoch milliseconds (an int, kept exactly) or an ISO 8601 string (converted once, a naive
  one taken as UTC), written as epoch milliseconds. Floats and numeric strings are refused
  rather than guessed at (seconds or milliseconds?).
- **Enums**: `eventType` is a closed enum (it decides which connectors get the event; an
  unknown value is an error at `$.eventType`). Descriptive values (`status`,
  `originCategory`) stay plain strings so a newer server's values pass through.
- **Engine actions**: the governance-action publisher needs an EngineAction's
  `actionStatus` (Egeria's `OpenMetadataProperty.ACTION_STATUS`). Egeria's property map
  holds the enum's symbolic name as its repository writes it ("In Progress"), older or
  hand-made events may say `IN_PROGRESS` or give the ordinal; `engine_action_status`
  reads all of these.
- Low volume, so parsing is straightforward: bytes and text go through
  `model_validate_json`; a dict is serialised and goes the same way, so a date means the
  same thing whichever form arrives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, ValidationError
from pydantic_core import CoreSchema, core_schema

from schemas.errors import EventValidationError, FieldError, from_pydantic

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}[Tt ]"  # an ISO date-time, never a number in a string


def _to_epoch_ms(value: int | datetime) -> int:
    """Epoch milliseconds of a date; a naive datetime is taken as UTC (Java Dates have no zone)."""
    if isinstance(value, int):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _ONE_MS


class _EpochMillisSchema:
    """A strict int kept as is, or an ISO 8601 date-time string turned into epoch ms (a string of
    digits is refused, though pydantic alone would read it as Unix seconds); one error text."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.union_schema(
            [
                core_schema.int_schema(strict=True),
                core_schema.no_info_after_validator_function(
                    _to_epoch_ms,
                    core_schema.chain_schema(
                        [
                            core_schema.str_schema(strict=True, pattern=_ISO_DATE),
                            core_schema.datetime_schema(strict=False),
                        ]
                    ),
                ),
            ],
            custom_error_type="epoch_millis",
            custom_error_message="Input should be a date: epoch milliseconds or an ISO 8601 date-time string",
        )


EpochMillis = Annotated[int, _EpochMillisSchema()]


def epoch_ms_to_datetime(value: int) -> datetime:
    """An epoch-ms date as an aware UTC datetime."""
    return _EPOCH + value * _ONE_MS


class AssetManagerEventType(StrEnum):
    """Egeria's `AssetManagerEventType`; `ordinal` is its numeric code."""

    UNKNOWN_EVENT = "UNKNOWN_EVENT"
    REFRESH_ELEMENT_EVENT = "REFRESH_ELEMENT_EVENT"
    NEW_ELEMENT_CREATED = "NEW_ELEMENT_CREATED"
    ELEMENT_UPDATED = "ELEMENT_UPDATED"
    ELEMENT_DELETED = "ELEMENT_DELETED"
    ELEMENT_CLASSIFIED = "ELEMENT_CLASSIFIED"
    ELEMENT_RECLASSIFIED = "ELEMENT_RECLASSIFIED"
    ELEMENT_DECLASSIFIED = "ELEMENT_DECLASSIFIED"
    ELEMENT_RESTORED = "ELEMENT_RESTORED"
    ELEMENT_GUID_CHANGED = "ELEMENT_GUID_CHANGED"
    ELEMENT_TYPE_CHANGED = "ELEMENT_TYPE_CHANGED"
    ELEMENT_HOME_CHANGED = "ELEMENT_HOME_CHANGED"

    @property
    def ordinal(self) -> int:
        return list(AssetManagerEventType).index(self)


class _Bean(BaseModel):
    """Egeria bean: unknown fields kept, no coercion (a number is not a name)."""

    model_config = ConfigDict(extra="allow", strict=True)


class ElementType(_Bean):
    typeId: str | None = None
    typeName: str | None = None
    superTypeNames: list[str] | None = None
    typeVersion: int | None = None
    typeDescription: str | None = None


class ElementOrigin(_Bean):
    sourceServer: str | None = None
    originCategory: str | None = None
    homeMetadataCollectionId: str | None = None
    homeMetadataCollectionName: str | None = None
    license: str | None = None


class ElementVersions(_Bean):
    createdBy: str | None = None
    updatedBy: str | None = None
    maintainedBy: list[str] | None = None
    createTime: EpochMillis | None = None
    updateTime: EpochMillis | None = None
    version: int | None = None


class _ControlHeader(_Bean):
    """Fields Egeria's `ElementControlHeader` gives both elements and classifications."""

    class_: str | None = Field(default=None, alias="class")
    headerVersion: int | None = None
    status: str | None = None
    type: ElementType | None = None
    origin: ElementOrigin | None = None
    versions: ElementVersions | None = None


class ElementClassification(_ControlHeader):
    classificationName: str | None = None
    classificationProperties: dict[str, Any] | None = None
    classificationOrigin: str | None = None
    classificationOriginGUID: str | None = None


class ElementHeader(_ControlHeader):
    """The identity, type, origin and versions of a metadata element."""

    guid: str
    classifications: list[ElementClassification] | None = None

    @property
    def type_name(self) -> str | None:
        return self.type.typeName if self.type else None

    def is_type_of(self, type_name: str) -> bool:
        """True when the element is of that open metadata type or one of its subtypes."""
        if self.type is None:
            return False
        return self.type.typeName == type_name or type_name in (self.type.superTypeNames or ())

    def classification(self, name: str) -> ElementClassification | None:
        for found in self.classifications or ():
            if found.classificationName == name:
                return found
        return None


class AssetManagerOutTopicEvent(_Bean):
    """One event of an Asset Manager OMAS out topic (the bean itself has no `"class"`)."""

    eventVersionId: int | None = None
    eventType: AssetManagerEventType
    eventTime: EpochMillis | None = None
    elementHeader: ElementHeader | None = None
    elementProperties: dict[str, Any] | None = None
    previousElementHeader: ElementHeader | None = None
    previousElementProperties: dict[str, Any] | None = None
    classificationName: str | None = None
    previousClassificationProperties: dict[str, Any] | None = None
    endOneElementHeader: ElementHeader | None = None
    endOneElementProperties: dict[str, Any] | None = None
    endTwoElementHeader: ElementHeader | None = None
    endTwoElementProperties: dict[str, Any] | None = None

    @property
    def event_time(self) -> datetime | None:
        return epoch_ms_to_datetime(self.eventTime) if self.eventTime is not None else None

    @property
    def guid(self) -> str | None:
        return self.elementHeader.guid if self.elementHeader else None

    @property
    def type_name(self) -> str | None:
        return self.elementHeader.type_name if self.elementHeader else None

    @property
    def is_relationship_event(self) -> bool:
        """Relationship events carry the elements at both ends."""
        return self.endOneElementHeader is not None or self.endTwoElementHeader is not None


# --------------------------------------------------------------------------- parsing


def _as_json(raw: Any) -> bytes | str:
    """Bytes or text as they are; a dict serialised, so dates read the same either way."""
    if isinstance(raw, bytes | str):
        return raw
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    if isinstance(raw, dict):
        try:
            return orjson.dumps(raw)
        except TypeError:
            return json.dumps(raw, default=str)
    raise EventValidationError([FieldError("$", "an Asset Manager event must be a JSON object")])


def parse_asset_manager_event(raw: bytes | str | dict[str, Any]) -> AssetManagerOutTopicEvent:
    """Parse one event; raise EventValidationError carrying every error at its JSON path."""
    data = _as_json(raw)
    try:
        return AssetManagerOutTopicEvent.model_validate_json(data)
    except ValidationError as exc:
        raise EventValidationError(_dedupe(from_pydantic(exc))) from None


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))


def validate_asset_manager_event(raw: Any) -> tuple[AssetManagerOutTopicEvent | None, list[FieldError]]:
    """Like parse_asset_manager_event but never raises: (event, []) or (None, errors)."""
    try:
        return parse_asset_manager_event(raw), []
    except EventValidationError as exc:
        return None, exc.errors
    except (ValueError, TypeError, RecursionError) as exc:
        return None, [FieldError("$", f"cannot read event: {exc}")]


def dump_asset_manager_event(event: AssetManagerOutTopicEvent) -> bytes:
    """JSON bytes as Egeria writes them: absent stays absent, dates as epoch ms."""
    return orjson.dumps(event.model_dump(mode="json", by_alias=True, exclude_none=True))


# --------------------------------------------------------------------------- engine actions

ACTION_STATUS_PROPERTY = "actionStatus"
"""Property name of an EngineAction's status (Egeria `OpenMetadataProperty.ACTION_STATUS`)."""

ENGINE_ACTION_TYPE_NAMES = ("EngineAction", "GovernanceAction")
"""EngineAction, and GovernanceAction as it was called before Egeria 4."""


class EngineActionStatus(StrEnum):
    """Egeria's `EngineActionStatus`, by symbolic name."""

    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    WAITING = "WAITING"
    ACTIVATING = "ACTIVATING"
    IN_PROGRESS = "IN_PROGRESS"
    ACTIONED = "ACTIONED"
    INVALID = "INVALID"
    IGNORED = "IGNORED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"


_STATUS_BY_ORDINAL = {
    0: EngineActionStatus.REQUESTED,
    1: EngineActionStatus.APPROVED,
    2: EngineActionStatus.WAITING,
    3: EngineActionStatus.ACTIVATING,
    4: EngineActionStatus.IN_PROGRESS,
    10: EngineActionStatus.ACTIONED,
    11: EngineActionStatus.INVALID,
    12: EngineActionStatus.IGNORED,
    13: EngineActionStatus.FAILED,
    14: EngineActionStatus.CANCELLED,
    99: EngineActionStatus.OTHER,
}

OPENLINEAGE_RUN_STATE = {
    EngineActionStatus.IN_PROGRESS: "START",
    EngineActionStatus.ACTIONED: "COMPLETE",
    EngineActionStatus.FAILED: "FAIL",
    EngineActionStatus.INVALID: "ABORT",
}
"""The OpenLineage eventType Egeria's governance-action publisher sends for each status."""


def _status_from(value: Any) -> EngineActionStatus | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _STATUS_BY_ORDINAL.get(value)
    if isinstance(value, Mapping):  # an OMRS-style EnumPropertyValue
        return _status_from(value.get("symbolicName", value.get("ordinal")))
    if isinstance(value, str):
        name = value.strip().upper().replace(" ", "_").replace("-", "_")
        return EngineActionStatus.__members__.get(name)
    return None


def engine_action_status(properties: Mapping[str, Any] | None) -> EngineActionStatus | None:
    """An EngineAction's `actionStatus` from a property map, whatever form it was written in
    ("In Progress", "IN_PROGRESS", 4, {"symbolicName": ...}); None when absent or unknown."""
    if not properties:
        return None
    return _status_from(properties.get(ACTION_STATUS_PROPERTY))


def is_engine_action(event: AssetManagerOutTopicEvent) -> bool:
    header = event.elementHeader
    return header is not None and any(header.is_type_of(name) for name in ENGINE_ACTION_TYPE_NAMES)


def engine_action_status_change(
    event: AssetManagerOutTopicEvent,
) -> tuple[EngineActionStatus | None, EngineActionStatus | None]:
    """(previous, current) action status of an EngineAction event; the publisher acts when
    they differ. (Egeria 5's connector reads the previous map twice; this reads both.)"""
    return (
        engine_action_status(event.previousElementProperties),
        engine_action_status(event.elementProperties),
    )


__all__ = [
    "ACTION_STATUS_PROPERTY",
    "ENGINE_ACTION_TYPE_NAMES",
    "OPENLINEAGE_RUN_STATE",
    "AssetManagerEventType",
    "AssetManagerOutTopicEvent",
    "ElementClassification",
    "ElementHeader",
    "ElementOrigin",
    "ElementType",
    "ElementVersions",
    "EngineActionStatus",
    "EpochMillis",
    "dump_asset_manager_event",
    "engine_action_status",
    "engine_action_status_change",
    "epoch_ms_to_datetime",
    "is_engine_action",
    "parse_asset_manager_event",
    "validate_asset_manager_event",
]
