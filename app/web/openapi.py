"""The OpenAPI 3.1 document of the REST API (`GET /openapi.json`) and its page (`GET /api`).

The document is assembled from the `OPERATIONS` every view module keeps beside its handlers
(`app.web.api_doc` says what an entry holds); a new view module adds its list to `VIEWS`.
Only routes this worker mounts are described (the repository services only with a cohort),
and a mounted route no entry describes is named under `x-undocumented-routes` (and logged),
so a route cannot go undocumented unnoticed. The document is built at its first request,
when every route is mounted, and kept.

With LINEAGE_API_TOKEN set, guarded operations carry their `security` requirement; the
`server` path parameter carries this server's name as its example.

The page is one HTML file with its own script and styles (`static/api-page.html`): it reads the
document and lays it out, offline, loading nothing else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from app.web import cohort, connectors, explorer, health, lineage_intake, lineage_query, repository
from app.web.api_doc import Answer, Content, Operation, Parameter, answer, text

log = logging.getLogger(__name__)

PAGE = Path(__file__).parent / "static" / "api-page.html"
OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
_PLACEHOLDER = re.compile(r"{([^}:]+)(?::[^}]*)?}")

DESCRIPTION = """\
Egeria's Lineage Integrator on Kafka: OpenLineage intake, connectors, cohort membership,
lineage queries and Egeria's repository services (read side). Every replica answers every
call the same way, but a replica with `LINEAGE_READ_MODELS=off` (an ingest replica) answers
the lineage reads and Marquez's read API with 503.

Errors are JSON: `{"errors": [{"path": "$.run.runId", "message": "..."}]}` (`ErrorBody`),
unknown paths (404) and methods (405) included. On Egeria's paths the error answers also
carry Egeria's FFDC fields; Egeria's own calls (validate-connector, repository services)
answer HTTP 200 with the failure's code in `relatedHTTPCode`, as Egeria's Java clients read them.

Request bodies may be gzipped (`Content-Encoding: gzip`); their size is measured after
decompression. With `LINEAGE_API_TOKEN` set, the operations that list a security requirement
need `Authorization: Bearer <token>` (the repository services also take HTTP Basic with the
token as password); the lineage reads and Marquez's read API need it unless
`LINEAGE_API_READS_OPEN=true`.
"""


class OpenApiDocument(BaseModel):
    """An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/openapi.json",
        "This document",
        tag="documentation",
        description="The OpenAPI 3.1 document of every route this worker serves.",
        answers={200: answer("The document.", OpenApiDocument)},
    ),
    Operation(
        "GET",
        "/api",
        "The API page",
        tag="documentation",
        description="A page that lays out this document; it loads nothing from outside.",
        answers={200: text("The page.", "text/html")},
    ),
]


class FrameworkIndex(BaseModel):
    status: str


FRAMEWORK_OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/",
        "The web server's index",
        tag="health",
        description="Served by Faust, the application framework: the web server answers.",
        answers={200: answer("The web server runs.", FrameworkIndex)},
    ),
]

VIEWS: tuple[Sequence[Operation], ...] = (
    health.OPERATIONS,
    lineage_intake.OPERATIONS,
    connectors.OPERATIONS,
    cohort.OPERATIONS,
    explorer.OPERATIONS,
    lineage_query.OPERATIONS,
    repository.OPERATIONS,
    OPERATIONS,
    FRAMEWORK_OPERATIONS,
)
"""Every view module's entries; a new module adds its `OPERATIONS` here."""


def all_operations() -> list[Operation]:
    return [operation for operations in VIEWS for operation in operations]


@dataclass(frozen=True)
class DocumentContext:
    """What the document says of this worker: its name, whether a token guards it, and whether
    the reads are kept open (LINEAGE_API_READS_OPEN) even so."""

    server_name: str
    token_set: bool
    version: str = ""
    reads_open: bool = False


def package_version() -> str:
    try:
        return metadata.version("lineage-integrator")
    except metadata.PackageNotFoundError:
        return "0"


def placeholders(path: str) -> list[str]:
    """`/a/{b}/c/{d:.+}` -> ['b', 'd']."""
    return _PLACEHOLDER.findall(path)


def canonical(path: str) -> str:
    """The path as OpenAPI writes it: placeholders without aiohttp's regular expressions."""
    return _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", path)


def route_key(method: str, path: str) -> str:
    return f"{method.upper()} {canonical(path)}"


def build_document(
    operations: Iterable[Operation],
    context: DocumentContext,
    mounted: Iterable[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The OpenAPI document of `operations`; with `mounted` (method, path) pairs, of those
    mounted only, and the mounted routes no operation describes under `x-undocumented-routes`."""
    chosen = list(operations)
    check_entries(chosen)
    undocumented: list[str] = []
    if mounted is not None:
        live = {route_key(m, p) for m, p in mounted if m.upper() not in ("HEAD", "*")}
        documented = {route_key(op.method, op.path) for op in chosen}
        chosen = [op for op in chosen if route_key(op.method, op.path) in live]
        undocumented = sorted(live - documented)
    refs, schemas = _schemas(chosen)
    paths: dict[str, dict[str, Any]] = {}
    for op in chosen:
        paths.setdefault(canonical(op.path), {})[op.method.lower()] = _operation(op, refs, context)
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "lineage-integrator",
            "version": context.version or package_version(),
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in chosen)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "LINEAGE_API_TOKEN as a bearer token.",
                },
                "basicToken": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "LINEAGE_API_TOKEN as the password, any user name (Egeria's REST clients).",
                },
            },
        },
    }
    if undocumented:
        document["x-undocumented-routes"] = undocumented
    return document


def check_entries(operations: Sequence[Operation]) -> None:
    """Every entry names its path's placeholders as path parameters, once per method and path."""
    seen: set[str] = set()
    for op in operations:
        key = route_key(op.method, op.path)
        if key in seen:
            raise ValueError(f"{key} is documented twice")
        seen.add(key)
        wanted = set(placeholders(op.path))
        given = {p.name for p in op.parameters if p.location == "path"}
        if wanted != given:
            raise ValueError(f"{key}: path parameters {sorted(given)}, path placeholders {sorted(wanted)}")


def _models(op: Operation) -> Iterable[tuple[type[BaseModel], JsonSchemaMode]]:
    if op.body is not None:
        yield from ((model, "validation") for model in op.body.content.models)
    for item in op.answers.values():
        for content in item.content:
            yield from ((model, "serialization") for model in content.models)


def _schemas(operations: Sequence[Operation]) -> tuple[Mapping[Any, Any], dict[str, Any]]:
    wanted = list(dict.fromkeys(pair for op in operations for pair in _models(op)))
    if not wanted:
        return {}, {}
    refs, definitions = models_json_schema(wanted, ref_template=REF)
    return refs, dict(sorted(definitions.get("$defs", {}).items()))


def _operation(op: Operation, refs: Mapping[Any, Any], context: DocumentContext) -> dict[str, Any]:
    body: dict[str, Any] = {
        "operationId": op.operation_id or _operation_id(op),
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        body["description"] = op.description
    if op.parameters:
        body["parameters"] = [_parameter(p, context) for p in op.parameters]
    if op.body is not None:
        body["requestBody"] = {
            "description": op.body.description,
            "required": op.body.required,
            "content": _media(op.body.content, refs, "validation"),
        }
    body["responses"] = {str(status): _answer(a, refs) for status, a in sorted(op.answers.items())}
    if _guarded(op, context):
        body["security"] = [{"bearerToken": []}]
        if op.guard == "bearer-or-basic":
            body["security"].append({"basicToken": []})
    return body


def _guarded(op: Operation, context: DocumentContext) -> bool:
    if op.guard is None or not context.token_set:
        return False
    return not (op.guard == "bearer-read" and context.reads_open)


def _operation_id(op: Operation) -> str:
    words = re.findall(r"[A-Za-z0-9]+", canonical(op.path))
    return op.method.lower() + "".join(w[:1].upper() + w[1:] for w in words)


def _parameter(parameter: Parameter, context: DocumentContext) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.location,
        "description": parameter.description,
        "required": parameter.required or parameter.location == "path",
        "schema": dict(parameter.schema),
    }
    example = parameter.example
    if example is None and parameter.name == "server" and parameter.location == "path":
        example = context.server_name
    if example is not None:
        out["example"] = example
    return out


def _media(content: Content, refs: Mapping[Any, Any], mode: JsonSchemaMode) -> dict[str, Any]:
    if content.schema is not None:
        schema: dict[str, Any] = dict(content.schema)
    elif len(content.models) == 1:
        schema = dict(refs[(content.models[0], mode)])
    else:
        schema = {"anyOf": [refs[(model, mode)] for model in content.models]}
    media: dict[str, Any] = {"schema": schema}
    if content.example is not None:
        media["example"] = content.example
    return {content.media_type: media}


def _answer(item: Answer, refs: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": item.description}
    if item.headers:
        out["headers"] = {
            name: {"description": description, "schema": {"type": "string"}}
            for name, description in item.headers.items()
        }
    if item.content:
        out["content"] = {
            media_type: media
            for content in item.content
            for media_type, media in _media(content, refs, "serialization").items()
        }
    return out


def mounted_routes(router: web.UrlDispatcher) -> list[tuple[str, str]]:
    """(method, path) of every route mounted on `router`."""
    found = []
    for route in router.routes():
        resource = route.resource
        if resource is not None:
            found.append((route.method, resource.canonical))
    return found


def install(
    routes: web.UrlDispatcher,
    context: DocumentContext,
    operations: Sequence[Operation] | None = None,
) -> None:
    """Serve the document of `operations` (every view's by default) and its page."""
    documented = list(operations) if operations is not None else all_operations()
    check_entries(documented)
    built: list[bytes] = []

    async def openapi_json(request: web.Request) -> web.Response:
        if not built:
            document = build_document(documented, context, mounted_routes(routes))
            if "x-undocumented-routes" in document:
                log.warning("routes without documentation: %s", ", ".join(document["x-undocumented-routes"]))
            built.append(orjson.dumps(document))
        return web.Response(body=built[0], content_type="application/json", charset="utf-8")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(), content_type="text/html")

    routes.add_get("/openapi.json", openapi_json)
    routes.add_get("/api", page)
