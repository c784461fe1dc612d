"""Egeria's repository services REST API (read side) on the web port: thin aiohttp handlers.

Egeria's REST repository connector (`OMRSRESTRepositoryConnectorProvider`) reads what this
server holds through these routes, with `<root>` = ``/servers/{server}/open-metadata/repository-services``
(the registered endpoint address is ``<advertised url>/servers/<server name>``):

| method | path | call | answer |
|---|---|---|---|
| GET | ``<root>/users/{user}/metadata-collection-id`` | getMetadataCollectionId | MetadataCollectionIdResponse |
| GET | ``<root>/metadata-collection-id`` | getMetadataCollectionId (deprecated form) | MetadataCollectionIdResponse |
| GET | ``<root>/users/{user}/instances/entity/{guid}/existence`` | isEntityKnown | EntityDetailResponse |
| GET | ``<root>/users/{user}/instances/entity/{guid}/summary`` | getEntitySummary | EntitySummaryResponse |
| GET | ``<root>/users/{user}/instances/entity/{guid}`` | getEntityDetail | EntityDetailResponse |
| POST | ``<root>/users/{user}/instances/entity/{guid}/relationships`` | getRelationshipsForEntity (TypeLimitedFindRequest) | RelationshipListResponse |
| GET | ``<root>/users/{user}/instances/relationship/{guid}/existence`` | isRelationshipKnown | RelationshipResponse |
| GET | ``<root>/users/{user}/instances/relationship/{guid}`` | getRelationship | RelationshipResponse |
| POST | ``<root>/users/{user}/instances/entities/by-property`` | findEntitiesByProperty (EntityPropertyFindRequest) | EntityListResponse |
| POST | ``<root>/users/{user}/instances/entities`` | findEntities (EntityFindRequest) | EntityListResponse |

Answers are HTTP 200, errors included (the FFDC fields of the response class, as Egeria's
servers answer and its Java client decodes them); a server name that is not this server's is
Egeria's OMAG-MULTI-TENANT-404-001. With a token configured, every call needs
``Authorization: Bearer <token>`` or HTTP Basic with the token as password (Egeria's REST
client sends Basic with the connection's userId and clearPassword, which an Egeria server fills
from its own localServerUserId / localServerPassword when the registered connection has none);
otherwise HTTP 401.

The handlers take what they need as arguments (`RepositoryViews`), not a service object;
`route_table` gives the routes to mount.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from agents import repository_api as api
from app.web.api_doc import (
    SERVER,
    USER,
    WRONG_TOKEN,
    WWW_AUTHENTICATE,
    Content,
    ErrorItem,
    Operation,
    Parameter,
    RequestBody,
    answer,
    path_parameter,
)
from app.web.responses import RequestError, json_answer, read_body
from schemas.egeria_answers import (
    EntityDetailResponse,
    EntityListResponse,
    EntitySummaryResponse,
    FFDCResponse,
    MetadataCollectionIdResponse,
    RelationshipListResponse,
    RelationshipResponse,
)
from schemas.omrs_rest import (
    BAD_REQUEST_BODY,
    INVALID_PARAMETER_EXCEPTION,
    SERVICE_ROOT,
    USER_NOT_AUTHORIZED_EXCEPTION,
    USER_ROOT,
    EntityFindRequest,
    EntityPropertyFindRequest,
    TypeLimitedFindRequest,
    ffdc_error,
)

MAX_BODY_BYTES = 1024 * 1024
"""Largest find request body accepted (Egeria's find requests are a few hundred bytes)."""

Handler = Callable[[web.Request], Awaitable[web.Response]]


def credentials_accepted(authorization: str, token: str | None) -> bool:
    """Whether an `Authorization` header carries the token: as a bearer token, or as the
    password of HTTP Basic (any user name). No token configured accepts everything."""
    if not token:
        return True
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return hmac.compare_digest(value.encode(), token.encode())
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        _, colon, password = decoded.partition(":")
        return bool(colon) and hmac.compare_digest(password.encode(), token.encode())
    return False


def unauthorized(response_class: str, method: str) -> web.Response:
    body = {
        "class": response_class,
        "relatedHTTPCode": 401,
        "exceptionClassName": USER_NOT_AUTHORIZED_EXCEPTION,
        "actionDescription": method,
        "exceptionErrorMessage": "LINEAGE-INTEGRATOR-REPOSITORY-401-001 This server needs "
        "`Authorization: Bearer <token>` or HTTP Basic with the token as password (LINEAGE_API_TOKEN)",
        "exceptionErrorMessageId": "LINEAGE-INTEGRATOR-REPOSITORY-401-001",
        "errors": [{"path": "$", "message": "missing or wrong credentials (LINEAGE_API_TOKEN)"}],
    }
    headers = {"WWW-Authenticate": 'Bearer realm="lineage-integrator", Basic realm="lineage-integrator"'}
    return json_answer(body, 401, headers)


@dataclass(frozen=True, slots=True)
class RepositoryViews:
    """The handlers' arguments: the repository they answer from and the token reads need."""

    repository: api.Repository
    token: str | None

    def _refusal(self, request: web.Request, response_class: str, method: str) -> web.Response | None:
        if not credentials_accepted(request.headers.get("Authorization", ""), self.token):
            return unauthorized(response_class, method)
        server = request.match_info.get("server", "")
        if server != self.repository.server_name:
            user = request.match_info.get("user", "")
            return json_answer(api.server_not_available(response_class, server, user, method))
        return None

    def get(
        self, response_class: str, method: str, call: Callable[[api.Repository, str], dict[str, Any]]
    ) -> Handler:
        """A GET call on one instance guid."""

        async def handle(request: web.Request) -> web.Response:
            refused = self._refusal(request, response_class, method)
            if refused is not None:
                return refused
            return json_answer(call(self.repository, request.match_info["guid"]))

        return handle

    def post(
        self, response_class: str, method: str, call: Callable[[api.Repository, bytes | None], dict[str, Any]]
    ) -> Handler:
        """A POST call with a find request body."""
        return self._post(response_class, method, lambda request, body: call(self.repository, body))

    def post_on_guid(
        self,
        response_class: str,
        method: str,
        call: Callable[[api.Repository, str, bytes | None], dict[str, Any]],
    ) -> Handler:
        """A POST call about one instance guid, with a find request body."""
        return self._post(
            response_class,
            method,
            lambda request, body: call(self.repository, request.match_info["guid"], body),
        )

    def _post(
        self, response_class: str, method: str, answer: Callable[[web.Request, bytes], dict[str, Any]]
    ) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            refused = self._refusal(request, response_class, method)
            if refused is not None:
                return refused
            try:
                body = await read_body(request, MAX_BODY_BYTES)
            except RequestError as error:
                return json_answer(_body_error(response_class, method, error))
            return json_answer(answer(request, body))

        return handle

    async def metadata_collection_id(self, request: web.Request) -> web.Response:
        refused = self._refusal(request, "MetadataCollectionIdResponse", "getMetadataCollectionId")
        return refused or json_answer(api.metadata_collection_id(self.repository))


def _body_error(response_class: str, method: str, error: RequestError) -> dict[str, Any]:
    first = error.errors[0]
    body = ffdc_error(
        response_class,
        BAD_REQUEST_BODY,
        [method, first.path, first.message],
        exception_class=INVALID_PARAMETER_EXCEPTION,
        action_description=method,
        properties={"parameterName": "requestBody"},
    )
    body["relatedHTTPCode"] = error.status
    return body


def route_table(repository: api.Repository, token: str | None) -> list[web.RouteDef]:
    """Every route of the read API, for `app.router.add_routes`."""
    views = RepositoryViews(repository, token)
    entity, relationship = (
        USER_ROOT + "/instances/entity/{guid}",
        USER_ROOT + "/instances/relationship/{guid}",
    )
    entities = USER_ROOT + "/instances/entities"
    return [
        web.get(USER_ROOT + "/metadata-collection-id", views.metadata_collection_id),
        web.get(SERVICE_ROOT + "/metadata-collection-id", views.metadata_collection_id),
        web.get(
            entity + "/existence", views.get("EntityDetailResponse", "isEntityKnown", api.is_entity_known)
        ),
        web.get(
            entity + "/summary",
            views.get("EntitySummaryResponse", "getEntitySummary", api.get_entity_summary),
        ),
        web.get(entity, views.get("EntityDetailResponse", "getEntityDetail", api.get_entity_detail)),
        web.post(
            entity + "/relationships",
            views.post_on_guid(
                "RelationshipListResponse", "getRelationshipsForEntity", api.get_relationships_for_entity
            ),
        ),
        web.get(
            relationship + "/existence",
            views.get("RelationshipResponse", "isRelationshipKnown", api.is_relationship_known),
        ),
        web.get(relationship, views.get("RelationshipResponse", "getRelationship", api.get_relationship)),
        web.post(
            entities + "/by-property",
            views.post("EntityListResponse", "findEntitiesByProperty", api.find_entities_by_property),
        ),
        web.post(entities, views.post("EntityListResponse", "findEntities", api.find_entities)),
    ]


# -- documentation (app.web.openapi) ------------------------------------------------------------


class RepositoryUnauthorized(FFDCResponse):
    """Missing or wrong credentials: the call's response class with Egeria's
    UserNotAuthorizedException fields, plus `errors` (HTTP 401)."""

    errors: list[ErrorItem]


GUID = path_parameter("guid", "The instance's guid.")
_ANSWERS_200 = (
    "The call's response class, HTTP 200 also for a failure (`relatedHTTPCode`, "
    "`exceptionClassName` and the other FFDC fields), as Egeria's repository services answer."
)


def _operation(
    method: str,
    path: str,
    call: str,
    response: type[BaseModel],
    summary: str,
    *,
    guid: bool = False,
    request: type[BaseModel] | None = None,
) -> Operation:
    parameters: tuple[Parameter, ...] = (SERVER, USER) if "{user}" in path else (SERVER,)
    if guid:
        parameters += (GUID,)
    return Operation(
        method,
        path,
        summary,
        tag="egeria repository services",
        description=f"Egeria's `{call}`: what this server keeps of the cohort's instances.",
        parameters=parameters,
        body=RequestBody(
            f"Egeria's `{request.__name__}` (an empty body is its defaults).",
            Content((request,)),
            required=False,
        )
        if request is not None
        else None,
        answers={
            200: answer(_ANSWERS_200, response),
            401: answer(WRONG_TOKEN, RepositoryUnauthorized, headers=WWW_AUTHENTICATE),
        },
        guard="bearer-or-basic",
        operation_id=call if "{user}" in path else call + "Deprecated",
    )


_ENTITY, _RELATIONSHIP = USER_ROOT + "/instances/entity/{guid}", USER_ROOT + "/instances/relationship/{guid}"
OPERATIONS: list[Operation] = [
    _operation(
        "GET",
        USER_ROOT + "/metadata-collection-id",
        "getMetadataCollectionId",
        MetadataCollectionIdResponse,
        "The metadata collection id",
    ),
    _operation(
        "GET",
        SERVICE_ROOT + "/metadata-collection-id",
        "getMetadataCollectionId",
        MetadataCollectionIdResponse,
        "The metadata collection id (Egeria's deprecated path)",
    ),
    _operation(
        "GET", _ENTITY + "/existence", "isEntityKnown", EntityDetailResponse, "Is an entity known", guid=True
    ),
    _operation(
        "GET",
        _ENTITY + "/summary",
        "getEntitySummary",
        EntitySummaryResponse,
        "An entity's summary",
        guid=True,
    ),
    _operation("GET", _ENTITY, "getEntityDetail", EntityDetailResponse, "An entity", guid=True),
    _operation(
        "POST",
        _ENTITY + "/relationships",
        "getRelationshipsForEntity",
        RelationshipListResponse,
        "An entity's relationships",
        guid=True,
        request=TypeLimitedFindRequest,
    ),
    _operation(
        "GET",
        _RELATIONSHIP + "/existence",
        "isRelationshipKnown",
        RelationshipResponse,
        "Is a relationship known",
        guid=True,
    ),
    _operation("GET", _RELATIONSHIP, "getRelationship", RelationshipResponse, "A relationship", guid=True),
    _operation(
        "POST",
        USER_ROOT + "/instances/entities/by-property",
        "findEntitiesByProperty",
        EntityListResponse,
        "Find entities by property values",
        request=EntityPropertyFindRequest,
    ),
    _operation(
        "POST",
        USER_ROOT + "/instances/entities",
        "findEntities",
        EntityListResponse,
        "Find entities",
        request=EntityFindRequest,
    ),
]
