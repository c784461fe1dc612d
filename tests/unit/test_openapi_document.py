"""The OpenAPI document, as `app.web.openapi` assembles it from the views' entries.

Outside truth: the OpenAPI 3.1 specification's JSON Schema (openapi-spec-validator checks the
document against it). The routes are the ones the view modules really mount, on an aiohttp
router built here with each module's own `install` (the stand-ins given for a publisher,
connector host and graph are only kept by the handlers, never called at install time).
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from agents.explorer import ReadModel
from agents.lineage_model import LineageGraph
from agents.repository_api import Repository
from app.web import cohort, connectors, health, lineage_intake, lineage_query, openapi, repository
from app.web.api_doc import Operation, answer, error, path_parameter
from app.web.explorer import ReadAccess
from runtime.kv import MemoryKeyValue
from runtime.metrics import Metrics
from runtime.readiness import Readiness

CONTEXT = openapi.DocumentContext(server_name="srv", token_set=True, version="1.2.3")


def mounted_router() -> web.UrlDispatcher:
    """Every view, installed as `app.service.install_views` installs them (cohort included)."""
    app = web.Application()
    routes = app.router
    anything = cast(Any, None)
    health.install(routes, "srv", Readiness(), Metrics(), dict)
    config = lineage_intake.IntakeConfig("srv", "token", 1024, 4096)
    lineage_intake.install(routes, anything, config, Metrics())
    connectors.install(routes, anything, "srv")
    view = cohort.CohortView({}, [], [], None, lambda: True)
    cohort.install(routes, view)
    reads = lineage_query.LineageReads(
        model=ReadModel(MemoryKeyValue()),
        cohort=LineageGraph(),
        not_ready=lambda: None,
        status=dict,
    )
    lineage_query.install(routes, ReadAccess("token"), reads)
    routes.add_routes(repository.route_table(Repository(anything, "srv", "id"), "token"))
    openapi.install(routes, CONTEXT)
    return routes


def test_every_route_the_views_mount_is_documented_and_the_document_is_valid_openapi_3_1() -> None:
    mounted = openapi.mounted_routes(mounted_router())
    document = openapi.build_document(openapi.all_operations(), CONTEXT, mounted)
    validate(document)
    assert "x-undocumented-routes" not in document
    described = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    served = {openapi.route_key(m, p) for m, p in mounted if m != "HEAD"}
    assert described == served  # nothing described that this router does not serve, but `/`:
    framework = {openapi.route_key(op.method, op.path) for op in openapi.FRAMEWORK_OPERATIONS}
    assert framework.isdisjoint(described)


def test_named_components_carry_the_error_body_and_egeria_beans() -> None:
    document = openapi.build_document(openapi.all_operations(), CONTEXT)
    validate(document)
    schemas = document["components"]["schemas"]
    assert schemas["ErrorBody"]["required"] == ["errors"]
    assert schemas["ErrorBody"]["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ErrorItem"}
    beans = {
        "VoidResponse": "VoidResponse",
        "ValidatedConnector": "ConnectorReportResponse",
        "EntityDetailResponse": "EntityDetailResponse",
        "EntityListResponse": "EntityListResponse",
    }
    for name, response_class in beans.items():
        assert schemas[name]["properties"]["class"]["const"] == response_class
        assert "relatedHTTPCode" in schemas[name]["properties"]
    # A request bean is read as it is written (validation), an answer as it is sent.
    assert "EntityFindRequest" in schemas and "TypeLimitedFindRequest" in schemas
    find = document["paths"][repository.USER_ROOT + "/instances/entities"]["post"]
    assert find["requestBody"]["required"] is False
    body = find["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EntityFindRequest"}
    offset = schemas["EntityFindRequest"]["properties"]["offset"]
    assert offset["maximum"] == 2**31 - 1


def test_guarded_operations_list_their_credentials_only_when_a_token_is_set() -> None:
    paths = openapi.build_document(openapi.all_operations(), CONTEXT)["paths"]
    assert paths["/api/v1/lineage"]["post"]["security"] == [{"bearerToken": []}]
    collection = paths[repository.USER_ROOT + "/metadata-collection-id"]["get"]
    assert collection["security"] == [{"bearerToken": []}, {"basicToken": []}]
    assert "security" not in paths["/health"]["get"]
    reads = [paths["/api/v1/lineage"]["get"], paths["/api/v1/namespaces/{namespace}/jobs"]["get"]]
    assert all(op["security"] == [{"bearerToken": []}] for op in reads)
    kept_open = openapi.build_document(
        openapi.all_operations(), openapi.DocumentContext("srv", token_set=True, reads_open=True)
    )["paths"]
    assert "security" not in kept_open["/api/v1/lineage"]["get"]
    assert "security" not in kept_open["/api/v1/search"]["get"]
    assert kept_open["/api/v1/lineage"]["post"]["security"] == [{"bearerToken": []}]
    open_paths = openapi.build_document(
        openapi.all_operations(), openapi.DocumentContext("srv", token_set=False)
    )["paths"]
    assert all("security" not in op for item in open_paths.values() for op in item.values())


def test_the_server_parameter_carries_this_servers_name() -> None:
    paths = openapi.build_document(openapi.all_operations(), CONTEXT)["paths"]
    egeria = paths[lineage_intake.EGERIA_USER_PATH + "/publish-open-lineage-event"]["post"]
    server = next(p for p in egeria["parameters"] if p["name"] == "server")
    assert server == {**server, "in": "path", "required": True, "example": "srv"}


def test_only_mounted_routes_are_described_and_undocumented_ones_are_named() -> None:
    operations = [
        Operation("GET", "/things", "Things", tag="t", answers={200: error("never")}),
        Operation("GET", "/gone", "Gone", tag="t", answers={200: error("never")}),
    ]
    mounted = [("GET", "/things"), ("HEAD", "/things"), ("POST", "/things"), ("GET", "/files/{path:.+}")]
    document = openapi.build_document(operations, CONTEXT, mounted)
    assert list(document["paths"]) == ["/things"]
    assert document["x-undocumented-routes"] == ["GET /files/{path}", "POST /things"]


def test_an_entry_must_name_its_path_parameters_once() -> None:
    missing = Operation("GET", "/things/{name}", "A thing", tag="t", answers={200: error("x")})
    with pytest.raises(ValueError, match="path placeholders"):
        openapi.check_entries([missing])
    named = Operation(
        "GET",
        "/things/{name}",
        "A thing",
        tag="t",
        parameters=(path_parameter("name", "its name"),),
        answers={200: answer("it", openapi.FrameworkIndex)},
    )
    openapi.check_entries([named])
    with pytest.raises(ValueError, match="documented twice"):
        openapi.check_entries([named, named])
