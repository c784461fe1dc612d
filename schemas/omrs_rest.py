"""Egeria's repository services REST API, read side: paths, request beans, response beans.

The client side is the oracle: what Egeria's REST repository connector
(`OMRSRESTRepositoryConnector` -> `OMRSRESTMetadataCollection` -> `LocalRepositoryServicesClient`
-> `MetadataCollectionServicesClient`, odpi/egeria
open-metadata-implementation/repository-services/repository-services-client, commit
b77acce9c9201bfe79089cca6d824bd5a9d177ee) calls and parses:

- URL: ``restURLRoot + "/open-metadata/repository-services" + "/users/{userId}" + "/" + operation``
  where ``restURLRoot`` is the registered endpoint address, ``serverURLroot + "/servers/" +
  serverName`` (`LocalRepositoryServicesClient`, commit 7534dbca5a0bdf1314e34a1f65ed48340963d162).
- GET for metadata-collection-id, existence, summary, detail and relationship; POST with a
  find request body (`"class"` included) for getRelationshipsForEntity and the finds.
- Responses are read into the response class named by the call; Egeria's Jackson beans carry
  ``"class"`` (`@JsonTypeInfo(use = NAME, property = "class")` on `OMRSAPIResponse`, commit
  c62d759fe40783b5a0753e5a6ca37065370035c1), leave nulls and empty lists out (`NON_NULL`,
  `getEntities()` returns null for an empty list) and always write primitives
  (`relatedHTTPCode`, `offset`, `pageSize`).
- Errors travel in the same response class, HTTP 200: the client decodes `exceptionClassName`
  (`detectAndThrow...Exception`, comparing with the repository services exception class
  names) and Spring's RestTemplate turns any other HTTP status into a generic client error
  (`SpringRESTClientConnector`, commit 58a4a568e72844d55c2435e9cfa1a967e53f09ff). The FFDC
  fields are those `OMRSRESTExceptionHandler.captureCheckedException` sets: relatedHTTPCode,
  exceptionClassName, actionDescription, exceptionErrorMessage, exceptionErrorMessageId,
  exceptionErrorMessageParameters, exceptionSystemAction, exceptionUserAction,
  exceptionProperties (``parameterName`` for an InvalidParameterException).

Request models parse what the client writes; response builders return the JSON object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from schemas.omrs import InstanceProperties, InstancePropertyValue

SERVICE_ROOT = "/servers/{server}/open-metadata/repository-services"
USER_ROOT = SERVICE_ROOT + "/users/{user}"

EXCEPTION_PACKAGE = "org.odpi.openmetadata.repositoryservices.ffdc.exception."
ENTITY_NOT_KNOWN_EXCEPTION = EXCEPTION_PACKAGE + "EntityNotKnownException"
RELATIONSHIP_NOT_KNOWN_EXCEPTION = EXCEPTION_PACKAGE + "RelationshipNotKnownException"
ENTITY_PROXY_ONLY_EXCEPTION = EXCEPTION_PACKAGE + "EntityProxyOnlyException"
INVALID_PARAMETER_EXCEPTION = EXCEPTION_PACKAGE + "InvalidParameterException"
PAGING_ERROR_EXCEPTION = EXCEPTION_PACKAGE + "PagingErrorException"
PROPERTY_ERROR_EXCEPTION = EXCEPTION_PACKAGE + "PropertyErrorException"
USER_NOT_AUTHORIZED_EXCEPTION = EXCEPTION_PACKAGE + "UserNotAuthorizedException"


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One of Egeria's exception message definitions: HTTP code, message id and texts."""

    http_code: int
    message_id: str
    template: str
    system_action: str
    user_action: str

    def message(self, params: list[str]) -> str:
        """The message as Egeria's REST answers show it: id, a space, the filled template."""
        text = re.sub(r"\{(\d+)\}", lambda m: params[int(m.group(1))], self.template)
        return f"{self.message_id} {text}"


# OMRSErrorCode.java, repository-services-apis/.../repositoryservices/ffdc/, odpi/egeria commit
# a12d1eee36dd120d08978bc5a2cf9b6692821fe0.
ENTITY_NOT_KNOWN = ErrorCode(
    404,
    "OMRS-REPOSITORY-404-002",
    "The entity identified with guid {0} passed on the {1} call is not known to the open metadata repository {2}",
    "The system is unable to retrieve the properties for the requested entity because the supplied guid is not recognized.",
    "The guid is supplied by the caller to the server.  It may have a logic problem that has corrupted the guid, "
    "or the entity has been deleted since the guid was retrieved.",
)
RELATIONSHIP_NOT_KNOWN = ErrorCode(
    404,
    "OMRS-REPOSITORY-404-003",
    "The relationship identified with guid {0} passed on the {1} call is not known to the open metadata repository {2}",
    "The system is unable to process the request for the requested relationship because the supplied guid is not recognized.",
    "The guid is supplied by the caller to the OMRS.  It may have a logic problem that has corrupted the guid, or the "
    "relationship has been deleted since the guid was retrieved.  It is necessary to understand the logic of the caller "
    "to determine if this is a problem.",
)
RELATIONSHIP_SOFT_DELETED = ErrorCode(
    404,
    "OMRS-REPOSITORY-404-012",
    "The {0} relationship identified with guid {1} passed on the {2} call is soft-deleted in the open metadata repository {3}",
    "The system is unable to retrieve the properties for the requested relationship because the supplied guid is for a "
    "relationship that has already been deleted.",
    "The guid is supplied by the caller to the OMRS.  It is most likely to be a timing issue where the relationship was "
    "deleted by another process since the guid was retrieved.  However, there is a  possibility of a logic problem that "
    "has corrupted the guid.",
)
ENTITY_SOFT_DELETED = ErrorCode(
    404,
    "OMRS-REPOSITORY-404-013",
    "The {0} entity identified with guid {1} passed on the {2} call is soft-deleted in the open metadata repository {3}",
    "The system is unable to retrieve the properties for the requested entity because the supplied guid is for a "
    "entity that has already been deleted.",
    "The guid is supplied by the caller to the OMRS.  It is most likely to be a timing issue where the entity was "
    "deleted by another process since the guid was retrieved.  However, there is a  possibility of a logic problem that "
    "has corrupted the guid.",
)
ENTITY_PROXY_ONLY = ErrorCode(
    400,
    "OMRS-REPOSITORY-400-051",
    "A request for entity {0} has been passed to repository {1} as the {2} parameter of the {3} operation but only an "
    "entity proxy has been found",
    "The system is unable to return all the details of the entity.  It can only supply an entity summary.",
    "The fact that the system has a proxy means that the entity exists in one of the members of the connected cohorts.  "
    "The repository where it is located may be unavailable, or the entity has been deleted but the delete request has "
    "not propagated through to this repository.",
)
NEGATIVE_PAGE_SIZE = ErrorCode(
    400,
    "OMRS-REPOSITORY-400-050",
    "A negative pageSize of {0} has been passed on the {0} parameter of a {1} request to open metadata repository {2}",
    "The system is unable to process the request.",
    "The pageSize parameter is supplied by the caller to the API. This call needs to be corrected before the server "
    "will operate correctly.",
)
# OMAGServerInstanceErrorCode SERVER_NOT_AVAILABLE (multi-tenant), as Egeria's REST answers show it.
SERVER_NOT_AVAILABLE = ErrorCode(
    404,
    "OMAG-MULTI-TENANT-404-001",
    "The OMAG Server {0} is not available to service a request from user {1}",
    "The system is unable to process the request because the server is not running on the called platform.",
    "Verify that the correct server is being called on the correct platform and that this server is running. "
    "Retry the request when the server is available.",
)
# This server's own definitions, for request problems Egeria's Java rejects before its code runs.
BAD_REQUEST_BODY = ErrorCode(
    400,
    "LINEAGE-INTEGRATOR-REPOSITORY-400-001",
    "The request body of the {0} operation is not valid at {1}: {2}",
    "The system is unable to process the request.",
    "Send the request body Egeria's repository services client writes for this operation.",
)
NEGATIVE_OFFSET = ErrorCode(
    400,
    "LINEAGE-INTEGRATOR-REPOSITORY-400-002",
    "A negative offset of {0} has been passed on a {1} request to open metadata repository {2}",
    "The system is unable to process the request.",
    "The offset is supplied by the caller to the API. Correct it and retry the request.",
)
BAD_SEARCH_VALUE = ErrorCode(
    400,
    "LINEAGE-INTEGRATOR-REPOSITORY-400-003",
    "The search value {0} passed on a {1} request to open metadata repository {2} is not usable: {3}",
    "The system is unable to process the request.",
    "Correct the search criteria (regular expressions follow Java's syntax) and retry the request.",
)


def ffdc_error(
    response_class: str,
    code: ErrorCode,
    params: list[str],
    *,
    exception_class: str,
    action_description: str,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An error answer in the response class the call returns (HTTP 200, as Egeria answers)."""
    body: dict[str, Any] = {
        "class": response_class,
        "relatedHTTPCode": code.http_code,
        "exceptionClassName": exception_class,
        "actionDescription": action_description,
        "exceptionErrorMessage": code.message(params),
        "exceptionErrorMessageId": code.message_id,
        "exceptionErrorMessageParameters": params,
        "exceptionSystemAction": code.system_action,
        "exceptionUserAction": code.user_action,
    }
    if properties:
        body["exceptionProperties"] = properties
    return body


# -- responses ------------------------------------------------------------------------------------


def _ok(response_class: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"class": response_class, "relatedHTTPCode": 200}
    body.update({name: value for name, value in fields.items() if value is not None})
    return body


def metadata_collection_id_response(metadata_collection_id: str) -> dict[str, Any]:
    return _ok("MetadataCollectionIdResponse", metadataCollectionId=metadata_collection_id)


def entity_detail_response(entity: dict[str, Any] | None) -> dict[str, Any]:
    """EntityDetailResponse: `entity` absent when isEntityKnown finds nothing."""
    return _ok("EntityDetailResponse", entity=entity)


def entity_summary_response(entity: dict[str, Any]) -> dict[str, Any]:
    return _ok("EntitySummaryResponse", entity=entity)


def relationship_response(relationship: dict[str, Any] | None) -> dict[str, Any]:
    return _ok("RelationshipResponse", relationship=relationship)


def entity_list_response(entities: list[dict[str, Any]], offset: int, page_size: int) -> dict[str, Any]:
    """EntityListResponse (an OMRSAPIPagedResponse): no `entities` key for an empty page."""
    return _ok("EntityListResponse", offset=offset, pageSize=page_size, entities=entities or None)


def relationship_list_response(
    relationships: list[dict[str, Any]], offset: int, page_size: int
) -> dict[str, Any]:
    return _ok(
        "RelationshipListResponse", offset=offset, pageSize=page_size, relationships=relationships or None
    )


# -- requests --------------------------------------------------------------------------------------

SequencingOrder = Literal[
    "ANY",
    "GUID",
    "CREATION_DATE_RECENT",
    "CREATION_DATE_OLDEST",
    "LAST_UPDATE_RECENT",
    "LAST_UPDATE_OLDEST",
    "PROPERTY_ASCENDING",
    "PROPERTY_DESCENDING",
]
MatchCriteria = Literal["ALL", "ANY", "NONE"]
PropertyComparisonOperator = Literal[
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "IN", "IS_NULL", "NOT_NULL", "LIKE"
]


class _Bean(BaseModel):
    """A request bean: camelCase names, `class` accepted and unknown fields ignored, as Egeria's
    `@JsonIgnoreProperties(ignoreUnknown=true)` beans read them."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    class_: str | None = Field(None, alias="class")


class SearchProperties(_Bean):
    """Property conditions (`properties/search/SearchProperties`), combined by matchCriteria."""

    conditions: list[PropertyCondition] | None = None
    match_criteria: MatchCriteria | None = None


class PropertyCondition(_Bean):
    """One condition (`PropertyCondition`, commit e2bf2f6e930d4baab267c865e95f490f02f75446):
    property / operator / value, or nestedConditions."""

    property: str | None = None
    operator: PropertyComparisonOperator | None = None
    value: InstancePropertyValue | None = None
    nested_conditions: SearchProperties | None = None


class ClassificationCondition(_Bean):
    name: str | None = None
    match_properties: SearchProperties | None = None


class SearchClassifications(_Bean):
    conditions: list[ClassificationCondition] | None = None
    match_criteria: MatchCriteria | None = None


JavaInt = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""A Java `int`: Jackson refuses a JSON number outside its range rather than reading it."""


class PagedFindRequest(_Bean):
    """OMRSAPIPagedFindRequest (commit 4a72ce525e9c9702958646bfcc15db5e845985b2) and the
    limitResultsByStatus of OMRSAPIFindRequest; offset and pageSize are Java ints (0 default)."""

    limit_results_by_status: list[str] | None = None
    sequencing_property: str | None = None
    sequencing_order: SequencingOrder | None = None
    offset: JavaInt = 0
    page_size: JavaInt = 0


class TypeLimitedFindRequest(PagedFindRequest):
    """getRelationshipsForEntity's body."""

    type_guid: str | None = Field(None, alias="typeGUID")


class EntityPropertyFindRequest(TypeLimitedFindRequest):
    """findEntitiesByProperty's body (PropertyMatchFindRequest + limitResultsByClassification,
    commit 250641507d44073e7608eaba65111fb0b4ecbd10)."""

    match_properties: InstanceProperties | None = None
    match_criteria: MatchCriteria | None = None
    limit_results_by_classification: list[str] | None = None


class EntityFindRequest(PagedFindRequest):
    """findEntities' body (InstanceFindRequest + matchClassifications, commit
    fbc29a325a04fb36200f23bbe21bc9afa5a9778a)."""

    type_guid: str | None = Field(None, alias="typeGUID")
    subtype_guids: list[str] | None = Field(None, alias="subtypeGUIDs")
    match_properties: SearchProperties | None = None
    match_classifications: SearchClassifications | None = None


SearchProperties.model_rebuild()
