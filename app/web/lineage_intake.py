"""OpenLineage over REST: one event, a batch, and Egeria's paths for the same.

| path | body |
|---|---|
| `POST /api/v1/lineage` (the official clients' default) | one event |
| `POST /api/v1/lineage/batch` | a JSON array of events |
| `POST /servers/{server}/open-metadata/integration-services/lineage-integrator/users/{user}/api/v1/lineage` (and `/batch`) | as above |
| `POST .../users/{user}/publish-open-lineage-event` (Egeria's Java client) | one event |

A 2xx means the event is on the internal topic and the broker acknowledged it, so it
will reach every connector. Events travel as the bytes sent: a single event's body, a batch
item's own bytes within the array (re-serialised compactly only for the rare array that
cannot be cut at its items without loading it, see `check_batch`). The body may be gzipped
(`Content-Encoding: gzip`); its decompressed size is capped (LINEAGE_MAX_EVENT_BYTES for one
event, LINEAGE_MAX_BATCH_BYTES for a batch). Errors: 400 with every problem at its JSON
path, 401 (token), 413 (size), 415 (not JSON), 503 (the broker did not acknowledge: retry).
The views only read the request and shape the answer; validation, keying and publishing
are `agents.openlineage_publish`, the path Kafka records take too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import Field

from agents.openlineage_publish import (
    AcceptedEvent,
    OpenLineagePublisher,
    PublishFailed,
    check_event,
    wait_all_stored,
)
from app.lineage_input import is_json, json_array_items
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
from app.web.responses import (
    RequestError,
    error_body,
    error_response,
    json_answer,
    not_json,
    read_body,
    require_token,
)
from runtime.metrics import Metrics
from schemas.egeria_answers import VoidResponse
from schemas.errors import FieldError
from schemas.json_text import dump_json, load_json
from schemas.openlineage import SCHEMA_BASE

log = logging.getLogger(__name__)

EGERIA_USER_PATH = "/servers/{server}/open-metadata/integration-services/lineage-integrator/users/{user}"

Handler = Callable[[web.Request], Awaitable[web.Response]]

NOT_AN_OBJECT = "an OpenLineage event must be a JSON object"

Failures = dict[int, tuple[list[FieldError], bool]]
"""Refused events of a batch by index: every error, and whether a retry may succeed."""


@dataclass(frozen=True)
class IntakeConfig:
    """What the intake views need to know of the settings."""

    server_name: str
    api_token: str | None
    max_event_bytes: int
    max_batch_bytes: int


def install(
    routes: web.UrlDispatcher, publisher: OpenLineagePublisher, config: IntakeConfig, metrics: Metrics
) -> None:
    views = LineageIntakeViews(publisher, config, metrics)
    routes.add_post("/api/v1/lineage", views.post_event)
    routes.add_post("/api/v1/lineage/batch", views.post_batch)
    routes.add_post(EGERIA_USER_PATH + "/api/v1/lineage", views.post_event)
    routes.add_post(EGERIA_USER_PATH + "/api/v1/lineage/batch", views.post_batch)
    routes.add_post(EGERIA_USER_PATH + "/publish-open-lineage-event", views.post_event)


def check_server(server_name: str, request: web.Request) -> str | None:
    """On an Egeria path, the server named must be this one; returns the user named, if any."""
    server = request.match_info.get("server")
    if server is not None and server != server_name:
        raise RequestError(
            404,
            [
                FieldError(
                    "$",
                    f"this is server {server_name!r}; there is no server {server!r} here",
                )
            ],
        )
    return request.match_info.get("user")


def _indexed(index: int, error: FieldError) -> FieldError:
    """`$.run.runId` of event 3 in a batch is `$[3].run.runId`."""
    return FieldError(f"$[{index}]{error.path[1:]}", error.message)


@dataclass(slots=True)
class CheckedBatch:
    """A batch after validation: how many items it had, which are accepted, which refused."""

    received: int
    accepted: dict[int, AcceptedEvent] = field(default_factory=dict)
    failed: Failures = field(default_factory=dict)


def check_batch(body: bytes, max_event_bytes: int, content_type: str = "") -> CheckedBatch:
    """Validate every item of a batch body; RequestError when the body is no JSON array.

    Each item is validated from its own bytes as sent (`json_array_items`), so nothing is
    built for the whole array and the items are published as received, like single events.
    When the array cannot be cut that way (a brace in a string fooled the cut, an item that
    is not an object, a body that is not JSON), the array is loaded and each item validated
    from its compact serialisation, with the same answers.
    """
    items = json_array_items(body)
    if items is not None:
        checked = _check_items(items, max_event_bytes, cut=True)
        if checked is not None:
            return checked
    checked = _check_items(_loaded_items(body, content_type), max_event_bytes, cut=False)
    assert checked is not None  # only items from a cut array are given up on
    return checked


def _check_items(items: Sequence[bytes | None], max_event_bytes: int, *, cut: bool) -> CheckedBatch | None:
    """Validate each item (None: not a JSON object). With `cut`, the items come from
    `json_array_items`, and None is returned as soon as a refused one is not JSON on its own
    (the array was not cut at its items)."""
    checked = CheckedBatch(len(items))
    for index, raw in enumerate(items):
        if raw is None:
            checked.failed[index] = ([FieldError("$", NOT_AN_OBJECT)], False)
            continue
        event, errors = check_event(raw, max_event_bytes)
        if event is not None:
            checked.accepted[index] = event
        elif cut and not is_json(raw):
            return None
        else:
            checked.failed[index] = (errors, False)
    return checked


def _loaded_items(body: bytes, content_type: str) -> list[bytes | None]:
    """The items of a batch from the loaded array: each object's compact JSON, None for the
    others. The loaded tree is dropped on return, before the request waits for the broker."""
    try:
        items = load_json(body)
    except ValueError as exc:
        raise not_json(str(exc), content_type) from None
    if not isinstance(items, list):
        raise RequestError(400, [FieldError("$", "a batch is a JSON array of OpenLineage events")])
    return [dump_json(item) if isinstance(item, dict) else None for item in items]


class LineageIntakeViews:
    def __init__(self, publisher: OpenLineagePublisher, config: IntakeConfig, metrics: Metrics) -> None:
        self.publisher = publisher
        self.config = config
        self.metrics = metrics

    def _count(self, request: web.Request, status: int) -> None:
        route = request.match_info.route.resource
        label = route.canonical if route is not None else request.path
        self.metrics.rest_requests.labels(path=label, status=str(status)).inc()

    async def post_event(self, request: web.Request) -> web.Response:
        egeria = "server" in request.match_info
        try:
            response = await self._post_event(request, egeria)
        except RequestError as error:
            response = error_response(error, egeria=egeria)
        self._count(request, response.status)
        return response

    async def _post_event(self, request: web.Request, egeria: bool) -> web.Response:
        settings = self.config
        user = check_server(settings.server_name, request)
        require_token(request, settings.api_token)
        body = await read_body(request, settings.max_event_bytes)
        accepted, errors = check_event(body)
        if accepted is None:
            raise self._refusal(request, body, errors)
        try:
            await self.publisher.publish(accepted, origin="rest", user=user)
        except PublishFailed as exc:
            log.warning("REST event not stored: %s", exc)
            raise RequestError(503, [FieldError("$", f"{exc}; try again")], {"Retry-After": "5"}) from None
        if egeria:
            return json_answer({"class": "VoidResponse", "relatedHTTPCode": 200})
        return json_answer({"status": "success", "key": accepted.key.decode()})

    def _refusal(self, request: web.Request, body: bytes, errors: list[FieldError]) -> RequestError:
        """415 when the body is not JSON at all, else 400 with every problem."""
        if not body.strip():
            return RequestError(
                400, [FieldError("$", "the body is empty: send one OpenLineage event as JSON")]
            )
        try:
            obj = load_json(body)
        except ValueError as exc:
            return not_json(str(exc), request.headers.get("Content-Type", ""))
        if isinstance(obj, list):
            return RequestError(
                400,
                [FieldError("$", "one event expected, got a JSON array: send arrays to .../lineage/batch")],
            )
        return RequestError(400, errors)

    async def post_batch(self, request: web.Request) -> web.Response:
        egeria = "server" in request.match_info
        try:
            response = await self._post_batch(request)
        except RequestError as error:
            response = error_response(error, egeria=egeria)
        self._count(request, response.status)
        return response

    async def _post_batch(self, request: web.Request) -> web.Response:
        settings = self.config
        user = check_server(settings.server_name, request)
        require_token(request, settings.api_token)
        body = await read_body(request, settings.max_batch_bytes)
        batch = check_batch(body, settings.max_event_bytes, request.headers.get("Content-Type", ""))
        del body  # the events hold their own bytes; the body need not outlive the broker's acks
        await self._publish_all(batch.accepted, batch.failed, user)
        answer, status = batch_answer(batch.received, batch.failed)
        return json_answer(answer, status)

    async def _publish_all(
        self, accepted: dict[int, AcceptedEvent], failed: Failures, user: str | None
    ) -> None:
        """Send every valid event, then wait for all acknowledgements; a refused one is retriable."""
        pending: dict[int, asyncio.Future[Any]] = {}
        for index, event in accepted.items():
            try:
                pending[index] = await self.publisher.send(event, origin="rest", user=user)
            except Exception as exc:
                failed[index] = ([FieldError("$", f"could not be stored: {exc}")], True)
        results = await wait_all_stored(list(pending.values()))
        for index, result in zip(pending, results, strict=True):
            if result is not None:
                failed[index] = ([FieldError("$", f"could not be stored: {result}")], True)


def batch_answer(received: int, failed: Failures) -> tuple[dict[str, Any], int]:
    """The OpenLineage batch body and its HTTP status: 200 for success and partial_success,
    400 (status `failure`, with `errors` at `$[index]` paths) when nothing was accepted."""
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
            {
                "index": index,
                "reason": "; ".join(str(e) for e in errors),
                "retriable": is_retriable,
                "errors": [e.as_dict() for e in errors],
            }
            for index, (errors, is_retriable) in sorted(failed.items())
        ],
    }
    if failed and len(failed) == received:
        body["status"] = "failure"
        everything = [_indexed(i, e) for i, (errors, _) in sorted(failed.items()) for e in errors]
        body.update(error_body(400, everything))
        return body, 503 if retriable == received else 400
    return body, 200


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
    """A refused item of the batch: its index, why, and whether sending it again may succeed."""

    index: int
    reason: str
    retriable: bool
    errors: list[ErrorItem]


class BatchAnswer(Described):
    """The OpenLineage batch answer: `success`, or `partial_success` with the refused items."""

    status: str = Field(examples=["success", "partial_success"])
    summary: BatchSummary
    failed_events: list[FailedEvent] = Field(alias="failed_events")


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


def _intake_operations(prefix: str, egeria: bool) -> list[Operation]:
    parameters = (SERVER, USER) if egeria else ()
    tag = "egeria lineage integrator" if egeria else "openlineage"
    single_ok = (
        answer("Stored: the event will reach every connector.", VoidResponse)
        if egeria
        else answer("Stored: the event will reach every connector.", Accepted)
    )
    body = EgeriaErrorBody if egeria else ErrorBody
    operations = [
        Operation(
            "POST",
            prefix + "/api/v1/lineage",
            "Send one OpenLineage event",
            tag=tag,
            description="A 2xx means the event is on the internal topic and reaches every connector.",
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
            description="Valid events are stored even when others are refused (`partial_success`).",
            parameters=parameters,
            body=EVENTS,
            answers={
                200: answer("Every event stored, or some (`partial_success`).", BatchAnswer),
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
                description="Egeria's Lineage Integrator path: the same as `.../api/v1/lineage`.",
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
