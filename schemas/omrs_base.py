"""Building blocks shared by every OMRS bean: the model base, epoch-ms dates, open enums.

Dates and enums are pydantic-core schemas rather than Python validators, so parsing an event
as Egeria writes it (epoch-ms dates) never calls back into Python: these beans sit on the
hot path. Only an ISO date string, which Egeria does not put on the topic, runs Python once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic.alias_generators import to_camel
from pydantic_core import CoreSchema, core_schema

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_ISO_DATE_TIME = r"^\d{4}-\d{2}-\d{2}[Tt ]"


def to_epoch_ms(value: int | datetime) -> int:
    """Epoch milliseconds of a date; an int is taken as epoch milliseconds already.

    A naive datetime is taken as UTC, as Java's `Date` has no zone of its own.
    """
    if isinstance(value, int):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _ONE_MS


def now_ms() -> int:
    """The current time in epoch milliseconds, as Egeria stamps its events."""
    return to_epoch_ms(datetime.now(UTC))


class _EpochMillisSchema:
    """Core schema of a `java.util.Date` on the topic: an int of epoch ms, or an ISO string.

    A strict int is kept as it is (so it round-trips to the same int); an ISO 8601 date-time
    string (or, from Python, a `datetime`) becomes epoch ms once, here. Floats and numeric
    strings are refused: Egeria never writes them, and guessing seconds against
    milliseconds would silently move a date.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        iso_text = core_schema.chain_schema(
            [core_schema.str_schema(strict=True, pattern=_ISO_DATE_TIME), core_schema.datetime_schema()]
        )
        return core_schema.union_schema(
            [
                core_schema.int_schema(strict=True),
                core_schema.no_info_after_validator_function(to_epoch_ms, iso_text),
                core_schema.no_info_after_validator_function(
                    to_epoch_ms, core_schema.is_instance_schema(datetime)
                ),
            ],
            custom_error_type="epoch_millis",
            custom_error_message="Input should be a date: epoch milliseconds or an ISO 8601 date-time string",
            serialization=core_schema.simple_ser_schema("int"),
        )


EpochMillis = Annotated[int, _EpochMillisSchema()]
"""A date: read from epoch ms or an ISO string, held and written as an int of epoch ms."""


class _OpenEnumSchema:
    """Turns `SomeEnum | str` into a left-to-right union: a known name becomes the member,
    any other string is kept as it is, and a non-string gets one clear error."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        if schema["type"] != "union":
            return schema
        return core_schema.union_schema(
            schema["choices"],
            mode="left_to_right",
            custom_error_type="open_enum",
            custom_error_message="Input should be a string (an enum constant name)",
            serialization=core_schema.simple_ser_schema("str"),
        )


E = TypeVar("E", bound=StrEnum)
OpenEnum = Annotated[E | str, _OpenEnumSchema()]
"""A descriptive enum: known values parse to the member, unknown ones stay plain strings."""


class OMRSBean(BaseModel):
    """Base of every OMRS model.

    - camelCase JSON names from snake_case attributes; names Egeria spells otherwise
      (`...GUID`, `instanceURL`, `class`) carry an explicit alias;
    - unknown fields are kept (`extra="allow"`), so whatever a newer Egeria adds survives a
      read-modify-write and goes back on the topic unchanged.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
    )


class OMRSElement(OMRSBean):
    """A bean with Egeria's element header: only `headerVersion` (absent on older servers)."""

    header_version: int | None = None
