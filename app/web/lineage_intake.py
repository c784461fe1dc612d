"""OpenLineage over REST: one event, a batch, and Egeria's paths for the same.

| path | body |
|---|---|
| `POST /api/v1/lineage` (the official clients' default) | one event |
| `POST /api/v1/lineage/batch` | a JSON array of events |
| `POST /servers/{server}/open-metadata/integration-services/lineage-integrator/users/{user}/api/v1/lineage` (and `/batch`) | as above |
| `POST .../users/{user}/publish-open-lineage-event` (Egeria's Java client) | one event |

A 2xx means the event is on the internal topic and the broker acknowledged it, so it
will reach every connector. Events travel as the bytes sent: a single event's body, a batch
item's own bytes within the array. The body may be compressed (`Content-Encoding: gzip` or
`deflate`); its decompressed size is capped (LINEAGE_MAX_EVENT_BYTES for one event, LINEAGE_MAX_BATCH_BYTES
for a batch, whose items are each capped at LINEAGE_MAX_EVENT_BYTES).

In order, a request is checked for: its token (401), the server named in an Egeria path
(404, only once the caller is known), its body (415 encoding, 413 size, 400 not the
compressed data it claims, 408 too slow), then
read by the strict decoder (`schemas.strict_json`: 415 when the body is no JSON text at all,
400 with the path of each problem otherwise) and validated (400, at most MAX_ERRORS errors
and one saying what was left out). Bodies above INLINE_CHECK_BYTES are read and validated in
a worker thread, so the event loop keeps answering other requests meanwhile.

Accepted with a warning: a stored event whose `eventTime` names no time zone (read as UTC;
older producers send them) and a body whose Content-Type is not JSON (`application/json` or a
`+json` type; curl's default `application/x-www-form-urlencoded`, say) are answered as usual,
with a `Warning: 299 lineage-integrator "..."` header (RFC 7234 section 5.5) saying so. The
body decides whether it is JSON, not its label: refusing a well-formed event for its label
would lose lineage a producer cannot resend.

The views only read the request and shape the answer. Publishing is a plain async callable
(`Publish`) given to `LineageIntakeViews`: `install` makes it from the worker's
`OpenLineagePublisher` (`publishing_with`); tests give their own.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import web
from pydantic import Field

from agents.openlineage_publish import AcceptedEvent, OpenLineagePublisher, PublishFailed, wait_all_stored
from app.lineage_input import NotAnArray, exact_array_items, json_array_items
from app.web.api_doc import (
    SERVER,
    USER,
    WRONG_TOKEN,
    WWW_AUTHENTICATE,
    Answer,
    Content,
    Described,
    EgeriaErrorBody,
    ErrorBody,
    ErrorItem,
    Operation,
    RequestBody,
    answer,
)
from app.web.responses import RequestError, error_response, json_answer, read_body, require_token
from runtime.metrics import Metrics
from schemas.egeria_answers import VoidResponse
from schemas.error_budget import error_budget
from schemas.errors import MAX_ERRORS, EventValidationError, FieldError, more_errors
from schemas.openlineage import SCHEMA_BASE, kafka_key, parse_event
from schemas.strict_json import MAX_MEMBERS, JSONRefused, decode

log = logging.getLogger(__name__)

EGERIA_USER_PATH = "/servers/{server}/open-metadata/integration-services/lineage-integrator/users/{user}"

INLINE_CHECK_BYTES = 256 * 1024
"""Bodies up to this size are decoded and validated on the event loop (a thread hop costs more
than they do); larger ones in a worker thread."""

NOT_AN_OBJECT = "an OpenLineage event must be a JSON object"

Failures = dict[int, tuple[list[FieldError], bool]]
"""Refused events of a batch by index: their errors, and whether a retry may succeed."""

Publish = Callable[[Sequence[AcceptedEvent], "str | None"], Awaitable[Sequence["PublishFailed | None"]]]
"""Put events on the internal topic and wait for the broker: for each event, None once it is
stored, else why not (a retry may succeed). The second argument is the user of an Egeria path."""

Count = Callable[[str, int], None]
"""Count one answered request: (route, HTTP status)."""


@dataclass(frozen=True, slots=True)
class IntakeConfig:
    """What the intake views need to know of the settings."""

    server_name: str
    api_token: str | None
    max_event_bytes: int
    max_batch_bytes: int


def install(
    routes: web.UrlDispatcher, publisher: OpenLineagePublisher, config: IntakeConfig, metrics: Metrics
) -> None:
    """The views on the worker's web server, publishing with its publisher, counted in its metrics."""

    def count(route: str, status: int) -> None:
        metrics.rest_requests.labels(path=route, status=str(status)).inc()

    add_routes(routes, LineageIntakeViews(config, publishing_with(publisher), count))


def add_routes(routes: web.UrlDispatcher, views: LineageIntakeViews) -> None:
    routes.add_post("/api/v1/lineage", views.post_event)
    routes.add_post("/api/v1/lineage/batch", views.post_batch)
    routes.add_post(EGERIA_USER_PATH + "/api/v1/lineage", views.post_event)
    routes.add_post(EGERIA_USER_PATH + "/api/v1/lineage/batch", views.post_batch)
    routes.add_post(EGERIA_USER_PATH + "/publish-open-lineage-event", views.post_event)


def publishing_with(publisher: OpenLineagePublisher) -> Publish:
    """`Publish` on an `OpenLineagePublisher`: every event sent, then all acknowledgements awaited."""

    async def publish(events: Sequence[AcceptedEvent], user: str | None) -> list[PublishFailed | None]:
        results: list[PublishFailed | None] = [None] * len(events)
        pending: dict[int, asyncio.Future[Any]] = {}
        for index, event in enumerate(events):
            try:
                pending[index] = await publisher.send(event, origin="rest", user=user)
            except Exception as exc:
                results[index] = PublishFailed(f"the event could not be sent: {type(exc).__name__}: {exc}")
        for index, result in zip(pending, await wait_all_stored(list(pending.values())), strict=True):
            results[index] = result
        return results

    return publish


def check_server(server_name: str, request: web.Request) -> str | None:
    """On an Egeria path, the server named must be this one; returns the user named, if any.
    The answer does not say which server this is (a caller may not know it yet)."""
    server = request.match_info.get("server")
    if server is not None and server != server_name:
        raise RequestError(404, [FieldError("$", f"there is no server {server!r} here")])
    return request.match_info.get("user")


# --------------------------------------------------------------------------- warnings

WARN_AGENT = "lineage-integrator"
"""The warn-agent of the service's `Warning` headers."""

MAX_WARNED_INDEXES = 10
"""A batch's warning names at most this many of its events' indexes."""

_NOT_TOKEN = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~/-]")


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or a structured `+json` type (RFC 6839), parameters aside."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.count("/") == 1 and media.endswith("+json"))


def content_type_warning(content_type: str) -> str | None:
    """The warning for a body sent under a Content-Type that is not JSON (None when it is)."""
    if is_json_media_type(content_type):
        return None
    media = _NOT_TOKEN.sub("?", content_type.split(";", 1)[0].strip())[:80]
    said = f"Content-Type {media}" if media else "no Content-Type"
    return f"{said}, not application/json: the body was read as JSON"


def zoneless_warning(indexes: Sequence[int] | None) -> str | None:
    """The warning for stored events whose eventTime names no zone: `indexes` of a batch, or
    `[]`/None for a single event (an empty list: it had a zone)."""
    if indexes is None:
        return "eventTime has no time zone: read as UTC"
    if not indexes:
        return None
    named = ", ".join(str(i) for i in indexes[:MAX_WARNED_INDEXES])
    more = f" and {len(indexes) - MAX_WARNED_INDEXES} more" if len(indexes) > MAX_WARNED_INDEXES else ""
    plural = "s" if len(indexes) > 1 else ""
    return f"eventTime has no time zone in event{plural} {named}{more}: read as UTC"


def warning_headers(*texts: str | None) -> dict[str, str]:
    """`{"Warning": '299 lineage-integrator "..."'}` with one warning-value per text, or `{}`."""
    values = [f'299 {WARN_AGENT} "{text}"' for text in texts if text]
    return {"Warning": ", ".join(values)} if values else {}


# --------------------------------------------------------------------------- checking bodies


def check_event_body(
    body: bytes, *, max_errors: int = MAX_ERRORS, content_type: str = "", in_batch: bool = False
) -> AcceptedEvent:
    """One event's bytes as an event to publish; RequestError 415 when they are no JSON text,
    400 when they are JSON but no valid event (with the path of each problem)."""
    try:
        obj = decode(body, max_errors=max_errors)
    except JSONRefused as exc:
        if not body.strip() and not in_batch:
            raise RequestError(
                400, [FieldError("$", "the body is empty: send one OpenLineage event as JSON")]
            ) from None
        raise refusal(exc, content_type) from None
    if isinstance(obj, list) and not in_batch:
        raise RequestError(
            400, [FieldError("$", "one event expected, got a JSON array: send arrays to .../lineage/batch")]
        )
    if not isinstance(obj, dict):
        raise RequestError(400, [FieldError("$", NOT_AN_OBJECT)])
    try:
        event = parse_event(obj)
    except EventValidationError as exc:
        raise RequestError(400, exc.errors) from None
    return AcceptedEvent(event=event, raw=body, key=kafka_key(event).encode())


def refusal(refused: JSONRefused, content_type: str = "") -> RequestError:
    """What the strict decoder refused: 415 for a body that is no JSON text (naming the
    Content-Type it claimed), 400 for JSON that breaks one of its rules."""
    if not refused.unreadable:
        return RequestError(400, refused.errors)
    declared = f" (Content-Type {content_type})" if content_type else ""
    first, *rest = refused.errors
    return RequestError(
        415, [FieldError(first.path, f"the body is not JSON{declared}: {first.message}"), *rest]
    )


@dataclass(slots=True)
class CheckedBatch:
    """A batch after validation: how many items it had, which are accepted, which refused."""

    received: int
    accepted: dict[int, AcceptedEvent] = field(default_factory=dict)
    failed: Failures = field(default_factory=dict)


def check_batch(body: bytes, max_event_bytes: int, content_type: str = "") -> CheckedBatch:
    """Validate every item of a batch body; RequestError when the body is no JSON array.

    Each item is read from its own bytes as sent, so nothing is built for the whole array and
    the items are published as received, like single events. The array is cut at its items
    by `json_array_items` (fast, but a brace in a string can fool it: then an item is not
    JSON on its own) or else by `exact_array_items`. All items share one error budget of
    MAX_ERRORS: once it is spent, each further item is checked only up to its first error.
    """
    items = json_array_items(body)
    if items is not None:
        checked = _check_items(items, max_event_bytes, cut=True)
        if checked is not None:
            return checked
    try:
        exact = exact_array_items(body)
    except NotAnArray as exc:
        raise RequestError(400, [FieldError("$", str(exc))]) from None
    except JSONRefused as exc:
        raise refusal(exc, content_type) from None
    checked = _check_items(exact, max_event_bytes, cut=False)
    assert checked is not None  # only items from a fast cut are given up on
    return checked


def _check_items(items: Sequence[bytes], max_event_bytes: int, *, cut: bool) -> CheckedBatch | None:
    """Validate each item. With `cut`, the items come from `json_array_items`, and None is
    returned as soon as one is no JSON text on its own (the array was not cut at its items)."""
    if len(items) > MAX_MEMBERS:
        raise RequestError(
            400, [FieldError("$", f"a batch of {len(items)} events, above the limit of {MAX_MEMBERS}")]
        )
    checked = CheckedBatch(len(items))
    with error_budget() as budget:
        for index, raw in enumerate(items):
            if len(raw) > max_event_bytes:
                message = f"the event is {len(raw)} bytes, above the limit of {max_event_bytes} bytes"
                checked.failed[index] = ([FieldError("$", message)], False)
                continue
            spent = budget.spent
            try:
                checked.accepted[index] = check_event_body(
                    raw, max_errors=budget.limit - spent, in_batch=True
                )
            except RequestError as exc:
                if cut and exc.status == 415:
                    return None
                checked.failed[index] = (exc.errors, False)
                budget.spent = max(budget.spent, spent + len(exc.errors))
    return checked


def batch_answer(received: int, failed: Failures) -> tuple[dict[str, Any], int]:
    """The OpenLineage batch body and its HTTP status: 200 for success and partial_success,
    400 (status `failure`) when nothing was accepted, 503 when nothing was stored and a retry
    may succeed.

    `failed_events` is the spec's `{index, reason, retriable}`; the errors of the refused
    events are listed once, under `errors`, at `$[index]...` paths (at most MAX_ERRORS for the
    whole batch, then one saying how many more).
    """
    retriable = sum(1 for _, r in failed.values() if r)
    body: dict[str, Any] = {
        "status": "success" if not failed else "partial_success",
        "summary": {
            "received": received,
            "successful": received - len(failed),
            "failed": len(failed),
            "retriable": retriable,
            "non_retriable": len(failed) - retriable,
        },
        "failed_events": [
            {"index": index, "reason": _reason(index, errors, is_retriable), "retriable": is_retriable}
            for index, (errors, is_retriable) in sorted(failed.items())
        ],
    }
    if failed:
        body["errors"] = _batch_errors(failed)
    if failed and len(failed) == received:
        body["status"] = "failure"
        return body, 503 if retriable == received else 400
    return body, 200


def _reason(index: int, errors: list[FieldError], retriable: bool) -> str:
    if retriable:
        return f"not stored, retry: see errors at $[{index}]"
    count = sum(1 for e in errors if not e.message.startswith(("validation stopped", "more error")))
    return f"refused: {count} problem{'s' if count != 1 else ''}, listed in errors at $[{index}]"


def _batch_errors(failed: Failures) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = []
    left_out = 0
    for index, (errors, _) in sorted(failed.items()):
        for error in errors:
            if len(listed) < MAX_ERRORS:
                listed.append(_indexed(index, error).as_dict())
            else:
                left_out += 1
    if left_out:
        listed.append(more_errors(left_out).as_dict())
    return listed


def _indexed(index: int, error: FieldError) -> FieldError:
    """`$.run.runId` of event 3 in a batch is `$[3].run.runId`."""
    return FieldError(f"$[{index}]{error.path[1:]}", error.message)


# --------------------------------------------------------------------------- the views


class LineageIntakeViews:
    def __init__(self, settings: IntakeConfig, publish: Publish, count: Count | None = None) -> None:
        self.settings = settings
        self.publish = publish
        self.count = count

    def _counted(self, request: web.Request, response: web.Response) -> web.Response:
        if self.count is not None:
            resource = request.match_info.route.resource
            self.count(resource.canonical if resource is not None else request.path, response.status)
        return response

    async def _checked_request(self, request: web.Request, limit: int) -> tuple[str | None, bytes]:
        """Token, then server name, then body: (the user of an Egeria path, the body)."""
        require_token(request, self.settings.api_token)
        user = check_server(self.settings.server_name, request)
        return user, await read_body(request, limit)

    async def post_event(self, request: web.Request) -> web.Response:
        egeria = "server" in request.match_info
        try:
            response = await self._post_event(request, egeria)
        except RequestError as error:
            response = error_response(error, egeria=egeria)
        return self._counted(request, response)

    async def _post_event(self, request: web.Request, egeria: bool) -> web.Response:
        user, body = await self._checked_request(request, self.settings.max_event_bytes)
        content_type = request.headers.get("Content-Type", "")
        check = partial(check_event_body, body, content_type=content_type)
        accepted = await asyncio.to_thread(check) if len(body) > INLINE_CHECK_BYTES else check()
        del body
        [failure] = await self.publish([accepted], user)
        if failure is not None:
            log.warning("REST event not stored: %s", failure)
            raise RequestError(503, [FieldError("$", f"{failure}; try again")], {"Retry-After": "5"})
        warnings = warning_headers(
            content_type_warning(content_type),
            None if accepted.event.event_time_has_zone else zoneless_warning(None),
        )
        if egeria:
            return json_answer({"class": "VoidResponse", "relatedHTTPCode": 200}, headers=warnings)
        return json_answer({"status": "success", "key": accepted.key.decode()}, headers=warnings)

    async def post_batch(self, request: web.Request) -> web.Response:
        egeria = "server" in request.match_info
        try:
            response = await self._post_batch(request)
        except RequestError as error:
            response = error_response(error, egeria=egeria)
        return self._counted(request, response)

    async def _post_batch(self, request: web.Request) -> web.Response:
        user, body = await self._checked_request(request, self.settings.max_batch_bytes)
        content_type = request.headers.get("Content-Type", "")
        check = partial(check_batch, body, self.settings.max_event_bytes, content_type)
        batch = await asyncio.to_thread(check) if len(body) > INLINE_CHECK_BYTES else check()
        del body  # the events hold their own bytes; the body need not outlive the broker's acks
        if batch.accepted:
            indexes = list(batch.accepted)
            results = await self.publish([batch.accepted[i] for i in indexes], user)
            for index, result in zip(indexes, results, strict=True):
                if result is not None:
                    batch.failed[index] = ([FieldError("$", f"not stored: {result}")], True)
        answer, status = batch_answer(batch.received, batch.failed)
        if status != 200:
            return json_answer(answer, status)
        zoneless = [
            i
            for i, a in sorted(batch.accepted.items())
            if i not in batch.failed and not a.event.event_time_has_zone
        ]
        warnings = warning_headers(content_type_warning(content_type), zoneless_warning(zoneless))
        return json_answer(answer, status, warnings)


__all__ = [
    "EGERIA_USER_PATH",
    "INLINE_CHECK_BYTES",
    "CheckedBatch",
    "Count",
    "IntakeConfig",
    "LineageIntakeViews",
    "Publish",
    "add_routes",
    "batch_answer",
    "check_batch",
    "check_event_body",
    "check_server",
    "content_type_warning",
    "install",
    "is_json_media_type",
    "publishing_with",
    "warning_headers",
    "zoneless_warning",
]


# -- documentation (app.web.openapi) ------------------------------------------------------------


class Accepted(Described):
    """The event is on the internal topic, acknowledged by the broker, under this key."""

    status: str = Field(examples=["success"])
    key: str = Field(examples=["run:demo/load"])


class BatchSummary(Described):
    received: int
    successful: int
    failed: int
    retriable: int
    non_retriable: int = Field(alias="non_retriable")


class FailedEvent(Described):
    """A refused item of the batch: its index, why (its problems are in `errors`, at
    `$[index]` paths), and whether sending it again may succeed."""

    index: int
    reason: str
    retriable: bool


class BatchAnswer(Described):
    """The OpenLineage batch answer: `success`, or `partial_success` with the refused items."""

    status: str = Field(examples=["success", "partial_success"])
    summary: BatchSummary
    failed_events: list[FailedEvent] = Field(alias="failed_events")
    errors: list[ErrorItem] = Field(
        default=[], description="With `partial_success`: the refused items' problems, at `$[index]` paths."
    )


class BatchRefusal(BatchAnswer):
    """No item accepted (`status` `failure`): the batch answer, plus every problem at
    `$[index]` paths."""

    errors: list[ErrorItem] = Field(min_length=1)


EXAMPLE_EVENT = {
    "eventType": "START",
    "eventTime": "2026-01-01T00:00:00Z",
    "producer": "https://example.com/me",
    "schemaURL": f"{SCHEMA_BASE}#/$defs/RunEvent",
    "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
    "job": {"namespace": "demo", "name": "load"},
}
EVENT_SCHEMA = {
    "type": "object",
    "description": f"An OpenLineage RunEvent, DatasetEvent or JobEvent, as its spec defines it: {SCHEMA_BASE}",
}
ONE_EVENT = RequestBody(
    f"One OpenLineage event ({SCHEMA_BASE}); checked against the spec, every problem reported at its JSON path.",
    Content(schema=EVENT_SCHEMA, example=EXAMPLE_EVENT),
)
EVENTS = RequestBody(
    "A JSON array of OpenLineage events; each is checked and published on its own.",
    Content(schema={"type": "array", "items": EVENT_SCHEMA}, example=[EXAMPLE_EVENT]),
)


def _refusals(body: type[ErrorBody], egeria: bool, single: bool) -> dict[int, Answer]:
    size = "LINEAGE_MAX_EVENT_BYTES" if single else "LINEAGE_MAX_BATCH_BYTES"
    invalid = (
        answer("Invalid event: every problem, at its JSON path.", body)
        if single
        else answer("No event accepted (or the body is no JSON array).", BatchRefusal, body)
    )
    answers = {
        400: invalid,
        401: answer(WRONG_TOKEN, body, headers=WWW_AUTHENTICATE),
        413: answer(f"The body, decompressed, is larger than {size}.", body),
        415: answer("The body is not JSON, or its Content-Encoding is neither gzip nor deflate.", body),
        503: answer(
            "The broker did not acknowledge: send it again.",
            *((body,) if single else (BatchRefusal,)),
            headers={"Retry-After": "Seconds to wait."} if single else None,
        ),
    }
    if egeria:
        answers[404] = answer("The server named in the path is not this server.", body)
    return answers


WARNING_HEADER = {
    "Warning": (
        "Present when the request was accepted with a remark (RFC 7234 warn-code 299, one "
        'warning-value each, comma-separated): `299 lineage-integrator "eventTime has no time '
        'zone...: read as UTC"` for stored events whose eventTime names no zone, `299 '
        'lineage-integrator "Content-Type text/plain, not application/json: the body was read as '
        'JSON"` when the Content-Type is neither application/json nor a +json type.'
    )
}
LENIENCE = (
    " An `eventTime` without a time zone is read as UTC, and a body is read as JSON whatever its"
    " Content-Type; either is accepted with a `Warning` header saying so (send `application/json`"
    " and zoned times, as the official clients do, and there is none)."
)


def _intake_operations(prefix: str, egeria: bool) -> list[Operation]:
    parameters = (SERVER, USER) if egeria else ()
    tag = "egeria lineage integrator" if egeria else "openlineage"
    stored = "Stored: the event will reach every connector."
    single_ok = (
        answer(stored, VoidResponse, headers=WARNING_HEADER)
        if egeria
        else answer(stored, Accepted, headers=WARNING_HEADER)
    )
    body = EgeriaErrorBody if egeria else ErrorBody
    operations = [
        Operation(
            "POST",
            prefix + "/api/v1/lineage",
            "Send one OpenLineage event",
            tag=tag,
            description="A 2xx means the event is on the internal topic and reaches every connector."
            + LENIENCE,
            parameters=parameters,
            body=ONE_EVENT,
            answers={200: single_ok, **_refusals(body, egeria, single=True)},
            guard="bearer",
        ),
        Operation(
            "POST",
            prefix + "/api/v1/lineage/batch",
            "Send a batch of OpenLineage events",
            tag=tag,
            description="Valid events are stored even when others are refused (`partial_success`)."
            + LENIENCE,
            parameters=parameters,
            body=EVENTS,
            answers={
                200: answer(
                    "Every event stored, or some (`partial_success`).", BatchAnswer, headers=WARNING_HEADER
                ),
                **_refusals(body, egeria, single=False),
            },
            guard="bearer",
        ),
    ]
    if egeria:
        operations.append(
            Operation(
                "POST",
                prefix + "/publish-open-lineage-event",
                "Send one OpenLineage event (Egeria's Java client)",
                tag=tag,
                description="Egeria's Lineage Integrator path: the same as `.../api/v1/lineage`." + LENIENCE,
                parameters=parameters,
                body=ONE_EVENT,
                answers={200: single_ok, **_refusals(body, egeria, single=True)},
                guard="bearer",
            )
        )
    return operations


OPERATIONS: list[Operation] = _intake_operations("", egeria=False) + _intake_operations(
    EGERIA_USER_PATH, egeria=True
)
