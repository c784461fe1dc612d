"""The documentation of a REST route, as plain data, and the error bodies every view shares.

Each view module lists its routes as `OPERATIONS` beside its handlers: one `Operation` per
method and path, its parameters, its request body and its answers by HTTP status, the
bodies given as pydantic models. `app.web.openapi` assembles every module's list into the
OpenAPI 3.1 document served at `GET /openapi.json`; a model becomes a named component
(`#/components/schemas/<class name>`), so its docstring and field descriptions are what a
reader of the document sees.

Documenting a new route is one entry in its module's list, for example::

    Operation(
        "GET", "/api/v1/things/{name}", "One thing", tag="things",
        parameters=(Parameter("name", "path", "the thing's name"),),
        answers={200: answer("the thing", Thing), 404: error("no such thing")},
    )

The paths are aiohttp's (`{name}` placeholders, no regular expressions), so the document
can be matched against the routes a worker mounts. A route's `HEAD` (aiohttp adds one to
every GET) is not listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Location = Literal["path", "query", "header"]
Guard = Literal["bearer", "bearer-or-basic", "bearer-read"]
"""Which credentials a guarded route takes when LINEAGE_API_TOKEN is set: the token as a bearer
token, or also as the password of HTTP Basic (what Egeria's REST clients send); a read takes
the bearer token unless LINEAGE_API_READS_OPEN keeps the reads open."""


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter; `schema` is its JSON Schema (a string by default)."""

    name: str
    location: Location
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    example: Any = None


@dataclass(frozen=True)
class Content:
    """A body: one model, any of several models, or a JSON Schema given as is (`schema`)."""

    models: tuple[type[BaseModel], ...] = ()
    schema: Mapping[str, Any] | None = None
    media_type: str = "application/json"
    example: Any = None


@dataclass(frozen=True)
class Answer:
    """One HTTP status of an operation: what it means, its body by media type (none, one, or
    several), and its headers by name."""

    description: str
    content: tuple[Content, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestBody:
    description: str
    content: Content
    required: bool = True


@dataclass(frozen=True)
class Operation:
    """One route: `method` and `path` as the view module mounts them."""

    method: str
    path: str
    summary: str
    tag: str
    answers: Mapping[int, Answer]
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    body: RequestBody | None = None
    guard: Guard | None = None
    operation_id: str = ""


def answer(
    description: str,
    *models: type[BaseModel],
    headers: Mapping[str, str] | None = None,
    example: Any = None,
) -> Answer:
    """A JSON answer whose body is one of `models`."""
    return Answer(description, (Content(models, example=example),), dict(headers or {}))


def error(description: str, *, headers: Mapping[str, str] | None = None) -> Answer:
    """An answer with the service's error body (`ErrorBody`)."""
    return answer(description, ErrorBody, headers=headers)


def text(description: str, *media_types: str) -> Answer:
    """A text answer (a page, a script, Prometheus metrics) of one of `media_types`."""
    return Answer(description, tuple(Content(schema={"type": "string"}, media_type=m) for m in media_types))


def path_parameter(name: str, description: str, **schema: Any) -> Parameter:
    return Parameter(name, "path", description, schema or {"type": "string"}, required=True)


def query_parameter(name: str, description: str, *, required: bool = False, **schema: Any) -> Parameter:
    return Parameter(name, "query", description, schema or {"type": "string"}, required=required)


SERVER = path_parameter(
    "server",
    "This server's name (LINEAGE_SERVER_NAME). Any other name is answered as a server this "
    "platform does not run.",
)
USER = path_parameter("user", "The calling user's id, as Egeria's clients put it in the path.")

WRONG_TOKEN = "Missing or wrong credentials (only when LINEAGE_API_TOKEN is set)."
WWW_AUTHENTICATE = {"WWW-Authenticate": "The credentials this server takes."}


class Described(BaseModel):
    """A documented JSON object of this service: camelCase names, no other fields."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ErrorItem(BaseModel):
    """One problem: where it is (a JSON path rooted at `$` for the body, `$.<name>` for a query
    parameter) and what it is."""

    path: str = Field(examples=["$.run.runId"])
    message: str


class ErrorBody(BaseModel):
    """The error body of every view: every problem found, each at its JSON path. Some answers
    carry more fields beside `errors` (Egeria's FFDC fields, a batch's summary)."""

    errors: list[ErrorItem] = Field(min_length=1)


class EgeriaErrorBody(ErrorBody):
    """The error body on Egeria's paths: `errors`, plus the fields Egeria's Java clients read
    from a `VoidResponse` (the HTTP status stays the failure's)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    class_: Literal["VoidResponse"] = Field(alias="class")
    related_http_code: int = Field(alias="relatedHTTPCode")
    exception_class_name: str
    exception_error_message: str
