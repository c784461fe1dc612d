"""OpenLineage events (spec 2-0-2) as pydantic models: parse, validate, dump, key.

Decisions, and why:

- **Nothing is lost.** Every model allows extra fields, unknown facets are kept as generic
  `Facet` objects with all their fields, and `event.model_dump(mode="json", by_alias=True,
  exclude_none=True)` gives back the input. A JSON `null` counts as absent (as in the
  official client's serde, which drops nulls), so `{"x": null}` at the top of an object does
  not come back.
- **Strings stay strings.** `eventTime` and `runId` are kept exactly as sent (so the dump
  equals the input and a later hop sees the same bytes), but checked: `eventTime` must be an
  ISO 8601 date-time (no time zone is accepted and read as UTC, see `event_time`), `runId`
  must be a UUID in its 8-4-4-4-12 form.
- **schemaURL is optional.** 1-x producers omit it; it stays absent on dump, while
  `schema_version` and `schema_url` tell what the event is.
- **Which event.** A `schemaURL` naming `RunEvent`/`JobEvent`/`DatasetEvent` (`#/$defs/...`,
  or `#/definitions/...` for 1-x) decides; else a `dataset` key makes a DatasetEvent, `run`
  a RunEvent, `job` alone a JobEvent. Keys another kind must not have (`run`/`job` in a
  DatasetEvent, `run` in a JobEvent, `dataset` in a RunEvent) are errors at their path.
- **Facets.** Standard facets are typed; any other facet must still carry `_producer`. A
  facet with `"_deleted": true` needs nothing else. This is a left-to-right union (typed
  facet first, then `DeletedFacet`) so the common case is one try, all inside pydantic-core.
- **Reading.** Bytes and text go through the strict decoder (`schemas.strict_json`, the
  same for every door), and its result is validated: what pydantic checks is exactly what
  the decoder read (integers of any size exact, nothing it refused).
- **Bounded error work.** Facets and datasets are validated within an error budget
  (`schemas.error_budget`): after MAX_ERRORS errors the rest of the event is not checked,
  and the errors end with one saying so. The lists and maps inside facets (schema fields,
  column-lineage entries, input fields, transformations, symlinks, owners) stop at their
  first invalid item, reported with all its errors (`fail_fast`, inside pydantic-core, free
  for valid events). An event with a million broken facets or schema fields costs about
  what a valid one of its size costs, not seconds.
- **Speed.** Everything is checked by pydantic-core in strict mode (no coercion: a number
  is not a name) with plain types and two regexes; the Python code it calls is the
  `eventTime` parser and the budget's wrapper around facets and datasets. Events, entities
  and facets are models (attribute access where cataloguing reads them); the many small
  items inside facets (schema fields, column-lineage input fields and transformations,
  symlink identifiers, owners) are TypedDicts: a ~20 KB Spark event holds ~150 of them and,
  as models, they made parsing nearly twice as slow (object creation and garbage collection).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, NotRequired, TypeAlias

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    with_config,
)
from typing_extensions import TypedDict  # pydantic needs this one, not typing.TypedDict, before 3.12

from schemas.error_budget import BUDGETED, error_budget
from schemas.errors import EventValidationError, FieldError, bounded, json_path
from schemas.strict_json import JSONRefused, decode

SPEC_VERSION = "2-0-2"
SCHEMA_BASE = f"https://openlineage.io/spec/{SPEC_VERSION}/OpenLineage.json"

EventKind: TypeAlias = Literal["RunEvent", "JobEvent", "DatasetEvent"]

_UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_SCHEMA_KIND = re.compile(r"#/(?:\$defs|definitions)/(RunEvent|JobEvent|DatasetEvent)$")
_SCHEMA_VERSION = re.compile(r"/spec/(\d+-\d+-\d+)/")


class EventType(StrEnum):
    """The run state transition a RunEvent reports."""

    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


TERMINAL_EVENT_TYPES = frozenset({EventType.COMPLETE, EventType.ABORT, EventType.FAIL})


def parse_time(value: str) -> datetime:
    """Read an OpenLineage date-time as an aware UTC datetime; no time zone means UTC.

    Real producers send `2021-11-03T10:53:52.427343` (no zone) and Java ones nanoseconds
    (`...52.123456789Z`): both are accepted. A date without a time is not a date-time, nor is
    one whose instant in UTC falls outside years 1 to 9999 (`0001-01-01T00:00:00+01:00`).
    """
    if len(value) < 16 or value[10] not in "Tt ":
        raise ValueError("must be an ISO 8601 date-time such as 2024-01-31T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time such as 2024-01-31T12:00:00Z") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be a date-time between years 1 and 9999 in UTC") from None


def has_time_zone(value: str) -> bool:
    """Whether an OpenLineage date-time names its zone (`Z`, `+02:00`); one without is read as
    UTC by `parse_time`, which a producer may not have meant. Only for values that passed
    `parse_time`."""
    return datetime.fromisoformat(value.upper()).tzinfo is not None


def _check_time(value: str) -> str:
    parse_time(value)
    return value


UUIDStr = Annotated[str, StringConstraints(pattern=_UUID_PATTERN)]
DateTimeStr = Annotated[str, AfterValidator(_check_time)]


_CONFIG = ConfigDict(extra="allow", strict=True, populate_by_name=False)


class _Model(BaseModel):
    """Base of every model: keep unknown fields, coerce nothing."""

    model_config = _CONFIG


_item = with_config(_CONFIG)
"""Items of lists and maps inside facets (schema fields, column-lineage inputs, symlinks,
owners) are TypedDicts with this config: plain dicts, checked the same way, at a third of a
model's cost in objects created (and garbage collected) - a Spark event carries hundreds."""


# --------------------------------------------------------------------------- facets


class Facet(_Model):
    """Any facet. `_producer` is required by the spec; unknown facets are kept as this type."""

    producer: str = Field(alias="_producer")
    schemaURL: str | None = Field(default=None, alias="_schemaURL")
    deleted: bool | None = Field(default=None, alias="_deleted")


class DeletedFacet(_Model):
    """A facet deleted by its producer (`"_deleted": true`): needs no other field."""

    deleted: Literal[True] = Field(alias="_deleted")
    producer: str | None = Field(default=None, alias="_producer")
    schemaURL: str | None = Field(default=None, alias="_schemaURL")


_L2R = Field(union_mode="left_to_right")
AnyFacet = Annotated[Facet | DeletedFacet, _L2R, BUDGETED]


class _Facets(_Model):
    """A facets map: standard keys typed, other keys generic facets."""

    __pydantic_extra__: dict[str, AnyFacet]

    def get(self, key: str) -> Facet | DeletedFacet | None:
        """The facet under its JSON key, typed or not (`schema`, `spark_version`, ...)."""
        name = "schema_" if key == "schema" else key
        if name in type(self).model_fields:
            value: Facet | DeletedFacet | None = getattr(self, name)
            return value
        return (self.__pydantic_extra__ or {}).get(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def keys(self) -> list[str]:
        """JSON keys of the facets present."""
        dumped = self.model_dump(by_alias=True, exclude_none=True)
        return list(dumped)


# run facets


class ParentRunRef(_Model):
    runId: UUIDStr


class ParentJobRef(_Model):
    namespace: str
    name: str


class ParentRoot(_Model):
    run: ParentRunRef
    job: ParentJobRef


class ParentRunFacet(Facet):
    """The run that started this one, and optionally the root of the chain."""

    run: ParentRunRef
    job: ParentJobRef
    root: ParentRoot | None = None


class NominalTimeRunFacet(Facet):
    nominalStartTime: str
    nominalEndTime: str | None = None


class ErrorMessageRunFacet(Facet):
    message: str
    programmingLanguage: str
    stackTrace: str | None = None


class ProcessingEngineRunFacet(Facet):
    version: str
    name: str | None = None
    openlineageAdapterVersion: str | None = None


class JobIdentifier(_Model):
    namespace: str
    name: str


class RunIdentifier(_Model):
    runId: UUIDStr


class JobDependency(_Model):
    """A job this run waits for or starts (JobDependenciesRunFacet 1-0-1)."""

    job: JobIdentifier
    run: RunIdentifier | None = None
    dependency_type: str | None = None
    sequence_trigger_rule: str | None = None
    status_trigger_rule: str | None = None


class JobDependenciesRunFacet(Facet):
    """Control flow between runs: `upstream` must complete before this run, `downstream` start after it."""

    upstream: list[JobDependency] | None = Field(default=None, fail_fast=True)
    downstream: list[JobDependency] | None = Field(default=None, fail_fast=True)
    trigger_rule: str | None = None


class RunFacets(_Facets):
    parent: Annotated[ParentRunFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    nominalTime: Annotated[NominalTimeRunFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    errorMessage: Annotated[ErrorMessageRunFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    processing_engine: Annotated[ProcessingEngineRunFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    jobDependencies: Annotated[JobDependenciesRunFacet | DeletedFacet, _L2R, BUDGETED] | None = None


# job facets


class SQLJobFacet(Facet):
    query: str
    dialect: str | None = None


class EmissionPattern(_Model):
    """How a job emits its events (JobTypeJobFacet 2-0-4): `eventContentMode` ACCUMULATIVE (each
    event may hold part of the run's inputs and outputs) or COMPLETE_SNAPSHOT (all of them, for
    its time window)."""

    eventTrigger: str
    eventContentMode: str
    windowDuration: int | None = None


class JobTypeJobFacet(Facet):
    processingType: str
    integration: str
    jobType: str | None = None
    emissionPattern: EmissionPattern | None = None


class DocumentationFacet(Facet):
    description: str
    contentType: str | None = None


@_item
class Owner(TypedDict):
    name: str
    type: NotRequired[str | None]


class OwnershipFacet(Facet):
    owners: list[Owner] | None = Field(default=None, fail_fast=True)


class SourceCodeLocationJobFacet(Facet):
    type: str
    url: str
    repoUrl: str | None = None
    path: str | None = None
    version: str | None = None
    tag: str | None = None
    branch: str | None = None


class SourceCodeJobFacet(Facet):
    language: str
    sourceCode: str


class JobFacets(_Facets):
    sql: Annotated[SQLJobFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    jobType: Annotated[JobTypeJobFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    documentation: Annotated[DocumentationFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    ownership: Annotated[OwnershipFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    sourceCodeLocation: Annotated[SourceCodeLocationJobFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    sourceCode: Annotated[SourceCodeJobFacet | DeletedFacet, _L2R, BUDGETED] | None = None


# dataset facets


@_item
class SchemaField(TypedDict):
    name: str
    type: NotRequired[str | None]
    description: NotRequired[str | None]
    ordinal_position: NotRequired[int | None]
    fields: NotRequired[Annotated[list[SchemaField] | None, Field(fail_fast=True)]]


class SchemaDatasetFacet(Facet):
    fields: list[SchemaField] | None = Field(default=None, fail_fast=True)


class DatasourceDatasetFacet(Facet):
    name: str | None = None
    uri: str | None = None


@_item
class Transformation(TypedDict):
    type: str
    subtype: NotRequired[str | None]
    description: NotRequired[str | None]
    masking: NotRequired[bool | None]


@_item
class InputField(TypedDict):
    namespace: str
    name: str
    field: str
    transformations: NotRequired[Annotated[list[Transformation] | None, Field(fail_fast=True)]]


@_item
class ColumnLineageField(TypedDict):
    inputFields: Annotated[list[InputField], Field(fail_fast=True)]
    transformationDescription: NotRequired[str | None]
    transformationType: NotRequired[str | None]


class ColumnLineageDatasetFacet(Facet):
    fields: dict[str, ColumnLineageField] = Field(fail_fast=True)
    dataset: list[InputField] | None = Field(default=None, fail_fast=True)


@_item
class SymlinkIdentifier(TypedDict):
    namespace: str
    name: str
    type: str


class SymlinksDatasetFacet(Facet):
    identifiers: list[SymlinkIdentifier] | None = Field(default=None, fail_fast=True)


class PreviousIdentifier(_Model):
    namespace: str
    name: str


class LifecycleStateChangeDatasetFacet(Facet):
    lifecycleStateChange: str
    previousIdentifier: PreviousIdentifier | None = None


class StorageDatasetFacet(Facet):
    storageLayer: str
    fileFormat: str | None = None


class DatasetVersionDatasetFacet(Facet):
    datasetVersion: str


class DatasetFacets(_Facets):
    schema_: Annotated[SchemaDatasetFacet | DeletedFacet, _L2R, BUDGETED] | None = Field(
        default=None, alias="schema"
    )
    dataSource: Annotated[DatasourceDatasetFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    columnLineage: Annotated[ColumnLineageDatasetFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    symlinks: Annotated[SymlinksDatasetFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    documentation: Annotated[DocumentationFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    ownership: Annotated[OwnershipFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    lifecycleStateChange: (
        Annotated[LifecycleStateChangeDatasetFacet | DeletedFacet, _L2R, BUDGETED] | None
    ) = None
    storage: Annotated[StorageDatasetFacet | DeletedFacet, _L2R, BUDGETED] | None = None
    version: Annotated[DatasetVersionDatasetFacet | DeletedFacet, _L2R, BUDGETED] | None = None


# --------------------------------------------------------------------------- entities


class Run(_Model):
    runId: UUIDStr
    facets: RunFacets | None = None


class Job(_Model):
    namespace: str
    name: str
    facets: JobFacets | None = None


class Dataset(_Model):
    namespace: str
    name: str
    facets: DatasetFacets | None = None


class InputDataset(Dataset):
    inputFacets: dict[str, AnyFacet] | None = None


class OutputDataset(Dataset):
    outputFacets: dict[str, AnyFacet] | None = None


class StaticDataset(Dataset):
    """A dataset described by a DatasetEvent."""


# --------------------------------------------------------------------------- events


def _forbid(kind: str, key: str) -> AfterValidator:
    def reject(value: Any) -> Any:
        raise ValueError(f"a {kind} must not have {key}")

    return AfterValidator(reject)


class JobKey(NamedTuple):
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


class BaseEvent(_Model):
    """Fields every event has. `schemaURL` stays None when the producer sent none."""

    kind: ClassVar[EventKind]

    eventTime: DateTimeStr
    producer: str
    schemaURL: str | None = None

    @property
    def event_time(self) -> datetime:
        """`eventTime` as an aware UTC datetime (a time without zone is read as UTC)."""
        return parse_time(self.eventTime)

    @property
    def event_time_has_zone(self) -> bool:
        """False when `eventTime` names no time zone (and so was read as UTC)."""
        return has_time_zone(self.eventTime)

    @property
    def schema_version(self) -> str | None:
        """Spec version from `schemaURL` (`"2-0-2"`, `"1-0-5"`), None when it does not say."""
        match = _SCHEMA_VERSION.search(self.schemaURL or "")
        return match.group(1) if match else None

    @property
    def schema_url(self) -> str:
        """The given `schemaURL`, else the 2-0-2 one for this kind of event."""
        return self.schemaURL or f"{SCHEMA_BASE}#/$defs/{self.kind}"

    @property
    def job_key(self) -> JobKey | None:
        """(namespace, name) of the job, None for a DatasetEvent."""
        return None

    @property
    def run_id(self) -> str | None:
        return None

    @property
    def event_type(self) -> EventType | None:
        return None


class _JobCarrier(BaseEvent):
    job: Job
    inputs: list[Annotated[InputDataset, BUDGETED]] | None = None
    outputs: list[Annotated[OutputDataset, BUDGETED]] | None = None

    @property
    def job_key(self) -> JobKey:
        return JobKey(self.job.namespace, self.job.name)

    @property
    def processing_type(self) -> str | None:
        """`jobType.processingType` (BATCH, STREAMING, SERVICE) when the producer said."""
        facet = self.job.facets.jobType if self.job.facets else None
        return facet.processingType if isinstance(facet, JobTypeJobFacet) else None

    @property
    def sql(self) -> str | None:
        facet = self.job.facets.sql if self.job.facets else None
        return facet.query if isinstance(facet, SQLJobFacet) else None


class RunEvent(_JobCarrier):
    """A run's state transition: run + job, with inputs and outputs."""

    kind: ClassVar[EventKind] = "RunEvent"

    run: Run
    eventType: Literal["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"] | None = None
    dataset: Annotated[Any, _forbid("RunEvent", "dataset")] = None

    @property
    def run_id(self) -> str:
        return self.run.runId

    @property
    def event_type(self) -> EventType | None:
        return EventType(self.eventType) if self.eventType else None

    @property
    def is_terminal(self) -> bool:
        """COMPLETE, ABORT and FAIL end a run; nothing is expected after them."""
        return self.event_type in TERMINAL_EVENT_TYPES

    @property
    def parent(self) -> ParentRunFacet | None:
        facet = self.run.facets.parent if self.run.facets else None
        return facet if isinstance(facet, ParentRunFacet) else None

    @property
    def root_job_key(self) -> JobKey:
        """Job whose partition this run belongs on: root job, else parent job, else own job."""
        parent = self.parent
        if parent is None:
            return self.job_key
        job: ParentJobRef = parent.root.job if parent.root is not None else parent.job
        if not job.namespace or not job.name:
            return self.job_key
        return JobKey(job.namespace, job.name)


class JobEvent(_JobCarrier):
    """Static metadata about a job, outside any run."""

    kind: ClassVar[EventKind] = "JobEvent"

    run: Annotated[Any, _forbid("JobEvent", "run")] = None
    dataset: Annotated[Any, _forbid("JobEvent", "dataset")] = None


class DatasetEvent(BaseEvent):
    """Static metadata about a dataset, outside any job or run."""

    kind: ClassVar[EventKind] = "DatasetEvent"

    dataset: StaticDataset
    run: Annotated[Any, _forbid("DatasetEvent", "run")] = None
    job: Annotated[Any, _forbid("DatasetEvent", "job")] = None


OpenLineageEvent: TypeAlias = RunEvent | JobEvent | DatasetEvent

_MODELS: dict[str, type[RunEvent] | type[JobEvent] | type[DatasetEvent]] = {
    "RunEvent": RunEvent,
    "JobEvent": JobEvent,
    "DatasetEvent": DatasetEvent,
}

# Union members pydantic names in error locations: not JSON keys, so dropped from paths.
_UNION_TAGS = frozenset(
    [Facet.__name__, DeletedFacet.__name__, *(sub.__name__ for sub in Facet.__subclasses__())]
)
_FACET_MAPS = frozenset({"facets", "inputFacets", "outputFacets"})


# --------------------------------------------------------------------------- parsing


def declared_kind(schema_url: object) -> EventKind | None:
    """The kind a schemaURL names (`...#/$defs/RunEvent`, 1-x `...#/definitions/RunEvent`)."""
    if not isinstance(schema_url, str):
        return None
    match = _SCHEMA_KIND.search(schema_url)
    return match.group(1) if match else None  # type: ignore[return-value]


def event_kind(obj: dict[str, Any]) -> EventKind:
    """Which event a JSON object is meant to be: its schemaURL, else its keys."""
    declared = declared_kind(obj.get("schemaURL"))
    if declared is not None:
        return declared
    if "dataset" in obj:
        return "DatasetEvent"
    if "run" in obj or "job" not in obj:
        return "RunEvent"
    return "JobEvent"


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "string_pattern_mismatch":
        return "must be a UUID (8-4-4-4-12 hexadecimal digits)"
    if kind == "model_type" or kind == "dict_type":
        return "must be a JSON object"
    if kind == "value_error":
        return str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
    return str(err["msg"])


def _field_errors(error: ValidationError) -> list[FieldError]:
    """pydantic errors as FieldErrors: the `DeletedFacet` alternative's complaints dropped,
    union member names removed from paths, messages said plainly, duplicates merged."""
    seen: dict[tuple[str, str], None] = {}
    for err in error.errors(include_url=False):
        loc = _json_loc(err["loc"])
        if loc is not None:
            seen[(json_path(loc), _message(err))] = None
    return [FieldError(path, message) for path, message in seen]


def _json_loc(loc: tuple[int | str, ...]) -> list[int | str] | None:
    """The JSON keys of an error location: the union member pydantic names right after a
    facet's key (`facets.<key>.<Member>`) removed; None for the `DeletedFacet` alternative."""
    keys: list[int | str] = []
    for index, part in enumerate(loc):
        if index >= 2 and loc[index - 2] in _FACET_MAPS and part in _UNION_TAGS:
            if part == "DeletedFacet":
                return None
            continue
        keys.append(part)
    return keys


def _load(raw: bytes | str) -> Any:
    try:
        return decode(raw)
    except JSONRefused as exc:
        raise EventValidationError(exc.errors) from None


def _validate_object(obj: Any) -> OpenLineageEvent:
    """Validate loaded JSON as the event it is meant to be, within an error budget
    (`schemas.error_budget`): at most MAX_ERRORS errors are looked for."""
    if not isinstance(obj, dict):
        raise EventValidationError([FieldError("$", "an OpenLineage event must be a JSON object")])
    model = _MODELS[event_kind(obj)]
    with error_budget() as budget:
        try:
            return model.model_validate(obj)
        except ValidationError as exc:
            raise EventValidationError(bounded(_field_errors(exc), unchecked=budget.skipped)) from None


def parse_event(raw: bytes | bytearray | memoryview | str | dict[str, Any]) -> OpenLineageEvent:
    """Parse and validate one OpenLineage event; raise EventValidationError with its errors
    (at most MAX_ERRORS, then one saying what was left out).

    Bytes and text are read by the strict decoder (`schemas.strict_json`), so what it
    refuses (not UTF-8, lone surrogates, duplicate keys, ...) is refused here with its path,
    and every string of an accepted event is Unicode text that encodes again as UTF-8. A
    dict is validated as given.
    """
    if isinstance(raw, dict):
        return _validate_object(raw)
    if not isinstance(raw, bytes | bytearray | memoryview | str):
        raise EventValidationError([FieldError("$", "an OpenLineage event must be a JSON object")])
    return _validate_object(_load(raw))


def read_accepted_event(raw: bytes) -> OpenLineageEvent:
    """An event from bytes an intake door already accepted (the internal topic): the
    strictness was checked there, so this only builds the model (EventValidationError if
    the bytes are not such an event after all)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise EventValidationError([FieldError("$", f"not JSON: {exc}")]) from None
    if not isinstance(obj, dict):
        raise EventValidationError([FieldError("$", "an OpenLineage event must be a JSON object")])
    try:
        return _MODELS[event_kind(obj)].model_validate(obj)
    except ValidationError as exc:
        raise EventValidationError(bounded(_field_errors(exc))) from None


def validate_event(raw: Any) -> tuple[OpenLineageEvent | None, list[FieldError]]:
    """Like parse_event but never raises: (event, []) or (None, errors)."""
    try:
        return parse_event(raw), []
    except EventValidationError as exc:
        return None, exc.errors
    except (ValueError, TypeError, RecursionError) as exc:  # last resort: bad input never escapes
        return None, [FieldError("$", f"cannot read event: {exc}")]


def dump_event(event: OpenLineageEvent) -> bytes:
    """Compact JSON bytes of an event, equal (as JSON) to what was parsed."""
    return orjson.dumps(event.model_dump(mode="json", by_alias=True, exclude_none=True))


def event_dict(event: OpenLineageEvent) -> dict[str, Any]:
    """The event as a JSON-ready dict (the round-trip form)."""
    return event.model_dump(mode="json", by_alias=True, exclude_none=True)


def kafka_key(event: OpenLineageEvent) -> str:
    """The Kafka message key the official Python client's Kafka transport would use.

    Runs key on the root job (parent facet `root.job`), else the parent job, else their own
    job, so every run of one job chain lands on one partition, in order.
    """
    if isinstance(event, RunEvent):
        return f"run:{event.root_job_key}"
    if isinstance(event, JobEvent):
        return f"job:{event.job.namespace}/{event.job.name}"
    return f"dataset:{event.dataset.namespace}/{event.dataset.name}"


__all__ = [
    "SCHEMA_BASE",
    "SPEC_VERSION",
    "TERMINAL_EVENT_TYPES",
    "AnyFacet",
    "BaseEvent",
    "ColumnLineageDatasetFacet",
    "Dataset",
    "DatasetEvent",
    "DatasetFacets",
    "DeletedFacet",
    "EventKind",
    "EventType",
    "Facet",
    "InputDataset",
    "Job",
    "JobEvent",
    "JobFacets",
    "JobKey",
    "OpenLineageEvent",
    "OutputDataset",
    "ParentRunFacet",
    "Run",
    "RunEvent",
    "RunFacets",
    "SchemaDatasetFacet",
    "StaticDataset",
    "declared_kind",
    "dump_event",
    "event_dict",
    "event_kind",
    "has_time_zone",
    "kafka_key",
    "parse_event",
    "parse_time",
    "validate_event",
]
