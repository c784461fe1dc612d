"""Egeria's repository services REST API, read side, answered from the reference copies (pure).

Each function takes the `Repository` (the copies, this server's name and metadata collection
id) and the call's parameters, and returns the JSON object Egeria's REST repository connector
reads (`schemas.omrs_rest`): a result, or the same response class carrying the FFDC fields
of the exception Egeria's server would report. What is answered is everything this server
holds: the instances it is home of and the reference copies it keeps.

Semantics, from Egeria:
- isEntityKnown / isRelationshipKnown return the instance when held, whatever its status,
  and an answer without `entity` / `relationship` otherwise (no exception).
- getEntitySummary answers from the entity's detail or its proxy; getEntityDetail refuses a
  proxy with EntityProxyOnlyException (OMRS-REPOSITORY-400-051); a soft-deleted instance is
  "no longer returned on queries" (LocalOMRSInstanceEventProcessor.processDeletedEntityEvent
  javadoc), so getEntityDetail / getRelationship answer ENTITY_SOFT_DELETED /
  RELATIONSHIP_SOFT_DELETED and finds leave DELETED out unless `limitResultsByStatus` asks
  for it.
- A type filter includes subtypes; findEntitiesByProperty matches string properties as Java
  regular expressions (whole value, `\\Q...\\E` quoting included), other values by equality,
  combined by matchCriteria ALL (default), ANY or NONE; findEntities evaluates SearchProperties
  (EQ, NEQ, LT, LTE, GT, GTE, IN, IS_NULL, NOT_NULL, LIKE, nested conditions) and
  SearchClassifications.
- Paging: results in the requested sequencing order (guid order when none), then
  ``[offset : offset + pageSize]``, pageSize 0 meaning all; the answer echoes offset and pageSize.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agents.reference_copy_rules import Record
from agents.reference_copy_store import ReferenceCopyStore
from schemas.errors import from_pydantic
from schemas.omrs_rest import (
    BAD_REQUEST_BODY,
    BAD_SEARCH_VALUE,
    ENTITY_NOT_KNOWN,
    ENTITY_NOT_KNOWN_EXCEPTION,
    ENTITY_PROXY_ONLY,
    ENTITY_PROXY_ONLY_EXCEPTION,
    ENTITY_SOFT_DELETED,
    INVALID_PARAMETER_EXCEPTION,
    NEGATIVE_OFFSET,
    NEGATIVE_PAGE_SIZE,
    PAGING_ERROR_EXCEPTION,
    RELATIONSHIP_NOT_KNOWN,
    RELATIONSHIP_NOT_KNOWN_EXCEPTION,
    RELATIONSHIP_SOFT_DELETED,
    SERVER_NOT_AVAILABLE,
    EntityFindRequest,
    EntityPropertyFindRequest,
    PagedFindRequest,
    PropertyCondition,
    SearchClassifications,
    SearchProperties,
    TypeLimitedFindRequest,
    entity_detail_response,
    entity_list_response,
    entity_summary_response,
    ffdc_error,
    metadata_collection_id_response,
    relationship_list_response,
    relationship_response,
)

MAX_PATTERN = 2048
"""Longest regular expression accepted in a search (a longer one is refused)."""

R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Repository:
    """What the API answers from: the copies, and who this server is."""

    copies: ReferenceCopyStore
    server_name: str
    metadata_collection_id: str


class CallError(Exception):
    """A call Egeria would answer with an exception: the FFDC answer to send instead."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body.get("exceptionErrorMessage"))
        self.body = body


# -- identity ------------------------------------------------------------------------------------


def metadata_collection_id(repo: Repository) -> dict[str, Any]:
    return metadata_collection_id_response(repo.metadata_collection_id)


def server_not_available(response_class: str, server: str, user: str, method: str) -> dict[str, Any]:
    """The answer for a server name this server is not (InvalidParameterException on
    `serverName`, which Egeria's client turns into a RepositoryErrorException)."""
    return ffdc_error(
        response_class,
        SERVER_NOT_AVAILABLE,
        [server, user],
        exception_class=INVALID_PARAMETER_EXCEPTION,
        action_description=method,
        properties={"parameterName": "serverName", "serverName": server},
    )


# -- single instances ----------------------------------------------------------------------------


def _live(record: Record | None) -> Record | None:
    return record if record is not None and not record.get("purged") and "instance" in record else None


def _deleted(record: Record) -> bool:
    return record.get("status") == "DELETED"


def is_entity_known(repo: Repository, guid: str) -> dict[str, Any]:
    record = _live(repo.copies.entity(guid))
    detail = record["instance"] if record is not None and record.get("form") == "detail" else None
    return entity_detail_response(detail)


def _entity_error(
    repo: Repository, response_class: str, method: str, guid: str, record: Record | None
) -> dict[str, Any] | None:
    if record is None:
        return ffdc_error(
            response_class,
            ENTITY_NOT_KNOWN,
            [guid, method, repo.server_name],
            exception_class=ENTITY_NOT_KNOWN_EXCEPTION,
            action_description=method,
        )
    if _deleted(record):
        return ffdc_error(
            response_class,
            ENTITY_SOFT_DELETED,
            [str(record.get("typeDefName")), guid, method, repo.server_name],
            exception_class=ENTITY_NOT_KNOWN_EXCEPTION,
            action_description=method,
        )
    return None


def entity_summary(instance: dict[str, Any]) -> dict[str, Any]:
    """An EntitySummary from an EntityDetail or EntityProxy: the header and classifications."""
    summary = {k: v for k, v in instance.items() if k not in ("properties", "uniqueProperties")}
    summary["class"] = "EntitySummary"
    return summary


def get_entity_summary(repo: Repository, guid: str) -> dict[str, Any]:
    method = "getEntitySummary"
    record = _live(repo.copies.entity(guid))
    error = _entity_error(repo, "EntitySummaryResponse", method, guid, record)
    if error is not None:
        return error
    assert record is not None
    return entity_summary_response(entity_summary(record["instance"]))


def get_entity_detail(repo: Repository, guid: str) -> dict[str, Any]:
    method = "getEntityDetail"
    record = _live(repo.copies.entity(guid))
    error = _entity_error(repo, "EntityDetailResponse", method, guid, record)
    if error is not None:
        return error
    assert record is not None
    if record.get("form") != "detail":
        return ffdc_error(
            "EntityDetailResponse",
            ENTITY_PROXY_ONLY,
            [guid, repo.server_name, "guid", method],
            exception_class=ENTITY_PROXY_ONLY_EXCEPTION,
            action_description=method,
        )
    return entity_detail_response(record["instance"])


def is_relationship_known(repo: Repository, guid: str) -> dict[str, Any]:
    record = _live(repo.copies.relationship(guid))
    return relationship_response(record["instance"] if record is not None else None)


def get_relationship(repo: Repository, guid: str) -> dict[str, Any]:
    method = "getRelationship"
    record = _live(repo.copies.relationship(guid))
    if record is None:
        return ffdc_error(
            "RelationshipResponse",
            RELATIONSHIP_NOT_KNOWN,
            [guid, method, repo.server_name],
            exception_class=RELATIONSHIP_NOT_KNOWN_EXCEPTION,
            action_description=method,
        )
    if _deleted(record):
        return ffdc_error(
            "RelationshipResponse",
            RELATIONSHIP_SOFT_DELETED,
            [str(record.get("typeDefName")), guid, method, repo.server_name],
            exception_class=RELATIONSHIP_NOT_KNOWN_EXCEPTION,
            action_description=method,
        )
    return relationship_response(record["instance"])


# -- queries -------------------------------------------------------------------------------------


def _parse(model: type[R], body: bytes | None, response_class: str, method: str) -> R:
    """The request bean from the body; an empty body is the bean's defaults."""
    try:
        return model.model_validate_json(body) if body and body.strip() else model()
    except ValidationError as exc:
        problems = from_pydantic(exc)
        first = problems[0]
        raise CallError(
            ffdc_error(
                response_class,
                BAD_REQUEST_BODY,
                [method, first.path, first.message],
                exception_class=INVALID_PARAMETER_EXCEPTION,
                action_description=method,
                properties={"parameterName": "requestBody"},
            )
        ) from None


def _check_paging(request: PagedFindRequest, response_class: str, method: str, repo: Repository) -> None:
    if request.page_size < 0:
        raise CallError(
            ffdc_error(
                response_class,
                NEGATIVE_PAGE_SIZE,
                [str(request.page_size), method, repo.server_name],
                exception_class=PAGING_ERROR_EXCEPTION,
                action_description=method,
            )
        )
    if request.offset < 0:
        raise CallError(
            ffdc_error(
                response_class,
                NEGATIVE_OFFSET,
                [str(request.offset), method, repo.server_name],
                exception_class=PAGING_ERROR_EXCEPTION,
                action_description=method,
            )
        )


def _status_allowed(record: Record, statuses: list[str] | None) -> bool:
    if statuses:
        return record.get("status") in statuses
    return not _deleted(record)


def _of_type(record: Record, type_guid: str | None) -> bool:
    return (
        type_guid is None
        or type_guid == record.get("typeDefGUID")
        or type_guid in (record.get("superTypeGUIDs") or [])
    )


def _plain(value: Any) -> Any:
    """The comparable Python value of an InstancePropertyValue as Egeria writes it."""
    if not isinstance(value, dict):
        return value
    kind = value.get("class")
    if kind == "PrimitivePropertyValue":
        return value.get("primitiveValue")
    if kind == "EnumPropertyValue":
        return value.get("symbolicName")
    if kind == "ArrayPropertyValue":
        items = (value.get("arrayValues") or {}).get("instanceProperties") or {}
        return [_plain(items[k]) for k in sorted(items, key=lambda k: int(k) if k.isdigit() else 0)]
    if kind in ("MapPropertyValue", "StructPropertyValue"):
        holder = value.get("mapValues") if kind == "MapPropertyValue" else value.get("attributes")
        return {k: _plain(v) for k, v in ((holder or {}).get("instanceProperties") or {}).items()}
    return value


def java_regex(pattern: str) -> re.Pattern[str]:
    """A Java regular expression as Python's: `\\Q...\\E` quoted parts become escaped text."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"longer than {MAX_PATTERN} characters")
    parts: list[str] = []
    rest = pattern
    while (start := rest.find("\\Q")) >= 0:
        parts.append(rest[:start])
        end = rest.find("\\E", start + 2)
        quoted = rest[start + 2 :] if end < 0 else rest[start + 2 : end]
        parts.append(re.escape(quoted))
        rest = "" if end < 0 else rest[end + 2 :]
    parts.append(rest)
    return re.compile("".join(parts), re.DOTALL)


class _Matcher:
    """Property tests for one query; a bad regular expression is a CallError."""

    def __init__(self, repo: Repository, response_class: str, method: str) -> None:
        self.repo, self.response_class, self.method = repo, response_class, method
        self.patterns: dict[str, re.Pattern[str]] = {}

    def regex(self, pattern: str) -> re.Pattern[str]:
        compiled = self.patterns.get(pattern)
        if compiled is None:
            try:
                compiled = java_regex(pattern)
            except (re.error, ValueError) as exc:
                raise CallError(
                    ffdc_error(
                        self.response_class,
                        BAD_SEARCH_VALUE,
                        [pattern[:200], self.method, self.repo.server_name, str(exc)],
                        exception_class=INVALID_PARAMETER_EXCEPTION,
                        action_description=self.method,
                        properties={"parameterName": "matchProperties"},
                    )
                ) from None
            self.patterns[pattern] = compiled
        return compiled

    def like(self, actual: Any, pattern: Any) -> bool:
        return (
            isinstance(actual, str)
            and isinstance(pattern, str)
            and bool(self.regex(pattern).fullmatch(actual))
        )

    # findEntitiesByProperty: InstanceProperties + MatchCriteria
    def property_matches(self, actual: dict[str, Any], name: str, test: dict[str, Any]) -> bool:
        wanted, have = _plain(test), _plain(actual.get(name))
        if test.get("class") == "PrimitivePropertyValue" and isinstance(wanted, str):
            return self.like(have, wanted)
        return have is not None and have == wanted

    def properties_match(
        self, properties: dict[str, Any], tests: dict[str, Any], criteria: str | None
    ) -> bool:
        if not tests:
            return True
        results = [self.property_matches(properties, name, test) for name, test in tests.items()]
        return _combine(results, criteria)

    # findEntities: SearchProperties
    def condition(self, properties: dict[str, Any], condition: PropertyCondition) -> bool:
        if condition.nested_conditions is not None:
            return self.search(properties, condition.nested_conditions)
        actual = _plain(properties.get(condition.property or ""))
        wanted = _plain(_dump(condition.value))
        operator = condition.operator or "EQ"
        if operator == "IS_NULL":
            return actual is None
        if operator == "NOT_NULL":
            return actual is not None
        if operator == "LIKE":
            return self.like(actual, wanted)
        if operator == "EQ":
            return actual == wanted
        if operator == "NEQ":
            return actual != wanted
        if operator == "IN":
            return isinstance(wanted, list) and actual in wanted
        return _ordered(actual, wanted, operator)

    def search(self, properties: dict[str, Any], search: SearchProperties | None) -> bool:
        if search is None or not search.conditions:
            return True
        return _combine([self.condition(properties, c) for c in search.conditions], search.match_criteria)

    def classifications(self, instance: dict[str, Any], search: SearchClassifications | None) -> bool:
        if search is None or not search.conditions:
            return True
        present = {c.get("name"): _properties(c) for c in instance.get("classifications") or []}
        results = [
            c.name in present and self.search(present[c.name], c.match_properties) for c in search.conditions
        ]
        return _combine(results, search.match_criteria)


def _dump(value: BaseModel | None) -> Any:
    return None if value is None else value.model_dump(mode="json", by_alias=True, exclude_none=True)


def _properties(instance: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = (instance.get("properties") or {}).get("instanceProperties") or {}
    return props


def _combine(results: list[bool], criteria: str | None) -> bool:
    if criteria == "ANY":
        return any(results)
    if criteria == "NONE":
        return not any(results)
    return all(results)


def _ordered(actual: Any, wanted: Any, operator: str) -> bool:
    numbers = (int, float)
    comparable = (
        isinstance(actual, numbers) and isinstance(wanted, numbers) and not isinstance(actual, bool)
    ) or (isinstance(actual, str) and isinstance(wanted, str))
    if not comparable:
        return False
    return {
        "LT": actual < wanted,
        "LTE": actual <= wanted,
        "GT": actual > wanted,
        "GTE": actual >= wanted,
    }.get(operator, False)


GUID_ORDERS = frozenset({None, "ANY", "GUID"})
"""Orders the scans already give (keys sort by guid): a page is read and the scan stops."""


def _select(
    candidates: Iterable[Record], keep: Callable[[Record], bool], request: PagedFindRequest
) -> list[dict[str, Any]]:
    """The page of kept candidates (given in guid order) in the requested order."""
    start = request.offset
    end = None if request.page_size == 0 else start + request.page_size
    kept = (r for r in candidates if keep(r))
    if request.sequencing_order in GUID_ORDERS:
        return [r["instance"] for r in islice(kept, start, end)]
    ordered = _sorted(list(kept), request.sequencing_order, request.sequencing_property)
    return [r["instance"] for r in ordered[start:end]]


def _sorted(items: list[Record], order: str | None, property_name: str | None) -> list[Record]:
    """Records (in guid order) in a sequencing order; ties stay in guid order."""
    if order in ("CREATION_DATE_RECENT", "CREATION_DATE_OLDEST"):
        return sorted(items, key=lambda r: r.get("createTime") or 0, reverse=order.endswith("RECENT"))
    if order in ("LAST_UPDATE_RECENT", "LAST_UPDATE_OLDEST"):
        return sorted(
            items,
            key=lambda r: r.get("updateTime") or r.get("createTime") or 0,
            reverse=order.endswith("RECENT"),
        )
    with_value = [r for r in items if _sort_value(r, property_name) is not None]
    without = [r for r in items if _sort_value(r, property_name) is None]
    with_value.sort(key=lambda r: _sort_value(r, property_name), reverse=order == "PROPERTY_DESCENDING")
    return with_value + without


def _sort_value(record: Record, name: str | None) -> Any:
    value = _plain(_properties(record["instance"]).get(name or ""))
    return value if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def get_relationships_for_entity(repo: Repository, guid: str, body: bytes | None) -> dict[str, Any]:
    method, response = "getRelationshipsForEntity", "RelationshipListResponse"
    try:
        request = _parse(TypeLimitedFindRequest, body, response, method)
        _check_paging(request, response, method, repo)
    except CallError as error:
        return error.body
    entity = _live(repo.copies.entity(guid))
    if entity is None:
        return ffdc_error(
            response,
            ENTITY_NOT_KNOWN,
            [guid, method, repo.server_name],
            exception_class=ENTITY_NOT_KNOWN_EXCEPTION,
            action_description=method,
        )

    def keep(r: Record) -> bool:
        return (
            _live(r) is not None
            and _status_allowed(r, request.limit_results_by_status)
            and _of_type(r, request.type_guid)
        )

    page = _select(repo.copies.relationships_of(guid), keep, request)
    return relationship_list_response(page, request.offset, request.page_size)


def _entities(repo: Repository, type_guid: str | None) -> Iterable[Record]:
    candidates = repo.copies.of_type("entity", type_guid) if type_guid else repo.copies.records("entity")
    return (r for r in candidates if _live(r) and r.get("form") == "detail")


def _has_classifications(instance: dict[str, Any], names: list[str] | None) -> bool:
    if not names:
        return True
    present = {c.get("name") for c in instance.get("classifications") or []}
    return all(name in present for name in names)


def find_entities_by_property(repo: Repository, body: bytes | None) -> dict[str, Any]:
    method, response = "findEntitiesByProperty", "EntityListResponse"
    try:
        request = _parse(EntityPropertyFindRequest, body, response, method)
        _check_paging(request, response, method, repo)
        matcher = _Matcher(repo, response, method)
        tests = (_dump(request.match_properties) or {}).get("instanceProperties") or {}

        def keep(r: Record) -> bool:
            return (
                _status_allowed(r, request.limit_results_by_status)
                and _has_classifications(r["instance"], request.limit_results_by_classification)
                and matcher.properties_match(_properties(r["instance"]), tests, request.match_criteria)
            )

        page = _select(_entities(repo, request.type_guid), keep, request)
    except CallError as error:
        return error.body
    return entity_list_response(page, request.offset, request.page_size)


def find_entities(repo: Repository, body: bytes | None) -> dict[str, Any]:
    method, response = "findEntities", "EntityListResponse"
    try:
        request = _parse(EntityFindRequest, body, response, method)
        _check_paging(request, response, method, repo)
        matcher = _Matcher(repo, response, method)
        subtypes = request.subtype_guids

        def wanted(r: Record) -> bool:
            return (
                (not subtypes or any(_of_type(r, s) for s in subtypes))
                and _status_allowed(r, request.limit_results_by_status)
                and matcher.search(_properties(r["instance"]), request.match_properties)
                and matcher.classifications(r["instance"], request.match_classifications)
            )

        page = _select(_entities(repo, request.type_guid), wanted, request)
    except CallError as error:
        return error.body
    return entity_list_response(page, request.offset, request.page_size)
