"""Connector reports: Egeria's validate-connector, and the list of running connectors.

`GET /servers/{server}/open-metadata/integration-services/lineage-integrator/users/{user}/validate-connector/{connectorProviderClassName}`
answers as Egeria's Lineage Integrator does, a `ConnectorReportResponse` (HTTP 200) whose
`connectorReport.connectorType` describes the connector; the same object also says whether
it can run here, whether and how it runs and what it listens to. A name no installed package
registers is an FFDC InvalidParameterException answer (HTTP 200, `relatedHTTPCode` 404,
`parameterName` connectorProviderClassName), as Egeria's Java client reads it. The name may
be the registered name (`file-log-store`), its `module:Class`, its dotted class path, or
Egeria's provider class name for a built-in. It is only ever compared with what is
registered: a name from a request is never imported.

`GET /api/v1/connectors` lists every configured instance with its state and counters.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import ConfigDict, Field

from agents.connectors.base import FailurePolicy
from agents.connectors.registry import ConnectorConfigError, Registered
from agents.connectors.runner import ConnectorHost, ConnectorStatus
from app.web.api_doc import SERVER, USER, Described, ErrorItem, Operation, answer, path_parameter
from app.web.lineage_intake import EGERIA_USER_PATH, check_server
from app.web.responses import RequestError, egeria_answer, json_answer
from schemas.egeria_answers import ConnectorReportResponse
from schemas.egeria_rest import connector_report_response, connector_type
from schemas.errors import FieldError


def install(routes: web.UrlDispatcher, host: ConnectorHost, server_name: str) -> None:
    async def validate_connector(request: web.Request) -> web.Response:
        try:
            check_server(server_name, request)
            body = validation_report(host, request.match_info["name"])
        except RequestError as error:
            return json_answer(egeria_answer("ConnectorReportResponse", "validateConnector", error))
        return json_answer(body)

    async def list_connectors(request: web.Request) -> web.Response:
        return web.json_response(host.report())

    routes.add_get(EGERIA_USER_PATH + "/validate-connector/{name}", validate_connector)
    routes.add_get("/api/v1/connectors", list_connectors)


def validation_report(host: ConnectorHost, name: str) -> dict[str, Any]:
    """What `validate-connector` answers for a name (RequestError 404 when unregistered): a
    ConnectorReportResponse with this project's report fields alongside (Egeria's client
    ignores unknown fields)."""
    registered = host.registry.lookup(name)
    if registered is None:
        known = ", ".join(sorted(host.registry.registered)) or "none"
        raise RequestError(
            404,
            [
                FieldError(
                    "connectorProviderClassName",
                    f"{name!r} is not a registered connector (registered: {known}); connectors are registered"
                    " under the entry point group lineage_integrator.connectors or by `class` in LINEAGE_CONNECTORS",
                )
            ],
        )
    return _report(host, name, registered)


def _report(host: ConnectorHost, name: str, registered: Registered) -> dict[str, Any]:
    running = host.instances_of(registered)
    report: dict[str, Any] = {
        "connectorProviderClassName": name,
        "connector": registered.name,
        "implementation": registered.target,
        "registeredBy": registered.source,
        "registered": True,
        "configured": bool(running),
        "instances": [rc.report() for rc in running],
    }
    try:
        cls = registered.load()  # a registered target, never the request's name
    except ConnectorConfigError as exc:
        report.update({"canRun": False, "reason": str(exc)})
        bean = connector_type(name, registered.name, f"registered, but cannot run here: {exc}")
        return {**connector_report_response(bean), **report}
    schema = cls.settings_model.model_json_schema()
    report.update(
        {
            "canRun": True,
            "description": cls.description,
            "listensTo": running[0].report()["listensTo"] if running else cls.listens_to(),
            "settingsSchema": schema,
        }
    )
    bean = connector_type(
        name,
        registered.name,
        cls.description,
        recognized_configuration_properties=sorted(schema.get("properties", {})),
    )
    return {**connector_report_response(bean), **report}


# -- documentation (app.web.openapi) ------------------------------------------------------------


class ListensTo(Described):
    """What a connector instance listens to."""

    open_lineage: bool
    asset_manager: Literal["all"] | list[str] = Field(
        description="`all`, or the Asset Manager event types it takes."
    )
    kafka_topics: list[str]


class ConnectorInstance(Described):
    """One configured connector instance: its state, what it listens to, its counters."""

    name: str
    connector: str
    implementation: str
    status: ConnectorStatus
    error: str | None
    listens_to: ListensTo
    failure_policy: FailurePolicy
    retry_topic: str | None
    circuit_open: bool
    delivered: int
    failures: int
    dead_lettered: int
    diverted_to_retry_topic: int


class ConnectorList(Described):
    """Every configured connector, and where the configuration came from."""

    source: str = Field(description="`defaults`, or the LINEAGE_CONNECTORS file.")
    connectors: list[ConnectorInstance]


class ValidatedConnector(ConnectorReportResponse):
    """Egeria's ConnectorReportResponse, with this server's report on the connector beside it
    (Egeria's client ignores the fields it does not know)."""

    model_config = ConfigDict(extra="forbid")

    connector_provider_class_name: str
    connector: str = Field(description="The registered name.")
    implementation: str = Field(description="`module:Class`.")
    registered_by: str
    registered: bool
    configured: bool = Field(description="Whether LINEAGE_CONNECTORS runs an instance of it.")
    instances: list[ConnectorInstance]
    can_run: bool
    reason: str | None = Field(None, description="Why it cannot run here.")
    description: str | None = None
    listens_to: ListensTo | None = None
    settings_schema: dict[str, Any] | None = Field(None, description="The JSON Schema of its settings.")


class ConnectorNotRegistered(ConnectorReportResponse):
    """The FFDC answer for a name no installed package registers (`relatedHTTPCode` 404,
    InvalidParameterException on `connectorProviderClassName`), plus `errors`."""

    errors: list[ErrorItem]


OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        EGERIA_USER_PATH + "/validate-connector/{name}",
        "Validate a connector",
        tag="egeria lineage integrator",
        description="Whether a connector is registered, can run here, how it runs and what it "
        "listens to, as Egeria's ConnectorReportResponse. The name is only compared with what is "
        "registered, never imported.",
        parameters=(
            SERVER,
            USER,
            path_parameter(
                "name",
                "The connectorProviderClassName: the registered name (`file-log-store`), "
                "`module:Class`, the dotted class path, or Egeria's provider class name of a built-in.",
            ),
        ),
        answers={
            200: answer(
                "The report; a name not registered, or another server's name, is answered as Egeria "
                "answers errors (HTTP 200, the code in `relatedHTTPCode`).",
                ValidatedConnector,
                ConnectorNotRegistered,
            )
        },
        operation_id="validateConnector",
    ),
    Operation(
        "GET",
        "/api/v1/connectors",
        "Running connectors",
        tag="connectors",
        answers={200: answer("Every configured connector instance.", ConnectorList)},
    ),
]
