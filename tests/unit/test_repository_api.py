"""Egeria's repository services REST API, read side, as Egeria's REST repository connector uses it.

The oracle is the client Egeria's enterprise connector runs against a remote member:
- CLIENT = MetadataCollectionServicesClient.java, open-metadata-implementation/repository-services/
  repository-services-client/src/main/java/org/odpi/openmetadata/repositoryservices/clients/,
  odpi/egeria commit b77acce9c9201bfe79089cca6d824bd5a9d177ee: URL templates
  (`restURLRoot + "/open-metadata/repository-services" + "/users/{0}" + "/" + operationSpecificURL`),
  HTTP methods, request beans and the response class each call parses.
- BEANS = repository-services-apis .../repositoryservices/rest/properties/: OMRSAPIResponse and
  MetadataCollectionIdResponse / EntityListResponse (commit c62d759fe40783b5a0753e5a6ca37065370035c1),
  OMRSAPIPagedResponse (8fe8d060fc3209df2d938329a091189386316b1f), OMRSAPIPagedFindRequest
  (4a72ce525e9c9702958646bfcc15db5e845985b2), EntityPropertyFindRequest
  (250641507d44073e7608eaba65111fb0b4ecbd10), EntityFindRequest (fbc29a325a04fb36200f23bbe21bc9afa5a9778a),
  PropertyCondition (e2bf2f6e930d4baab267c865e95f490f02f75446).
- FFDC = OMRSRESTExceptionHandler.captureCheckedException (rest/server) and OMRSErrorCode.java
  (commit a12d1eee36dd120d08978bc5a2cf9b6692821fe0).
- SPRING = SpringRESTClientConnector.java, commit 58a4a568e72844d55c2435e9cfa1a967e53f09ff: Basic
  authentication from the connection's userId / clearPassword, or a bearer token.

The instances are hand-made (shaped like Egeria's beans); the request bodies are written as the
client's beans serialise (`"class"` included, NON_NULL, primitives always present).
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from agents import repository_api as api
from agents.reference_copy_rules import CopyPolicy, decide
from agents.reference_copy_store import ReferenceCopyStore
from app.web.repository import credentials_accepted, route_table
from runtime.kv import MemoryKeyValue
from schemas.omrs import (
    Classification,
    EntityDetail,
    EntityProxy,
    InstanceProperties,
    InstanceType,
    OMRSInstanceEventType,
    Originator,
    PrimitivePropertyValue,
    Relationship,
    TypeDefLink,
    instance_event,
)

_I = OMRSInstanceEventType
LOCAL = "10000000-0000-4000-8000-00000000000a"
OTHER = "b0000000-0000-4000-8000-00000000000b"
SERVER = "lineage"
PROCESS = ("t-process", "Process")
DATA_FILE = ("t-datafile", "DataFile")
ASSET = ("t-asset", "Asset")
FLOW = ("t-flow", "DataFlow")
MAPPING = ("t-mapping", "LineageMapping")
ROOT = f"/servers/{SERVER}/open-metadata/repository-services/users/erin"


def itype(
    kind: tuple[str, str], category: str = "ENTITY_DEF", supers: list[tuple[str, str]] | None = None
) -> InstanceType:
    return InstanceType(
        type_def_category=category,
        type_def_guid=kind[0],
        type_def_name=kind[1],
        type_def_version=1,
        type_def_super_types=[TypeDefLink(guid=g, name=n) for g, n in supers or []] or None,
    )


def strings(**values: Any) -> InstanceProperties:
    return InstanceProperties(
        instance_properties={
            name: PrimitivePropertyValue(
                instance_property_category="PRIMITIVE",
                primitive_def_category="OM_PRIMITIVE_TYPE_STRING"
                if isinstance(value, str)
                else "OM_PRIMITIVE_TYPE_INT",
                primitive_value=value,
            )
            for name, value in values.items()
        }
    )


def detail(
    guid: str, name: str, kind: tuple[str, str] = PROCESS, created: int = 1, **extra: Any
) -> EntityDetail:
    return EntityDetail(
        type=itype(kind, supers=[ASSET]),
        metadata_collection_id=LOCAL,
        instance_provenance_type="LOCAL_COHORT",
        create_time=created,
        version=1,
        status=extra.pop("status", "ACTIVE"),
        guid=guid,
        properties=strings(qualifiedName=name, **extra.pop("props", {})),
        **extra,
    )


def proxy(guid: str, home: str = OTHER) -> EntityProxy:
    return EntityProxy(
        type=itype(DATA_FILE), metadata_collection_id=home, create_time=1, version=1, guid=guid,
        unique_properties=strings(qualifiedName=f"file {guid}"),
    )  # fmt: skip


def relationship(
    guid: str, one: str, two: str, kind: tuple[str, str] = FLOW, status: str = "ACTIVE"
) -> Relationship:
    return Relationship(
        type=itype(kind, "RELATIONSHIP_DEF"),
        metadata_collection_id=LOCAL,
        create_time=1,
        version=1,
        status=status,
        guid=guid,
        entity_one_proxy=EntityProxy(guid=one, metadata_collection_id=LOCAL, type=itype(PROCESS)),
        entity_two_proxy=EntityProxy(guid=two, metadata_collection_id=LOCAL, type=itype(PROCESS)),
    )


def repository() -> api.Repository:
    """This server's own instances, recorded from its own events (the home copies)."""
    store = ReferenceCopyStore(MemoryKeyValue())
    me = Originator(metadata_collection_id=LOCAL, server_name=SERVER)
    owner = Classification(name="Ownership", properties=strings(owner="erin"))
    events = [
        instance_event(
            me, _I.NEW_ENTITY_EVENT, entity=detail("p1", "job::load", created=30, props={"rank": 3})
        ),
        instance_event(
            me, _I.NEW_ENTITY_EVENT, entity=detail("p2", "job::clean", created=10, props={"rank": 1})
        ),
        instance_event(
            me,
            _I.NEW_ENTITY_EVENT,
            entity=detail("f1", "file (1).csv", kind=DATA_FILE, created=20, classifications=[owner]),
        ),
        instance_event(me, _I.NEW_ENTITY_EVENT, entity=detail("gone", "job::old", status="DELETED")),
        instance_event(me, _I.NEW_RELATIONSHIP_EVENT, relationship=relationship("r1", "p1", "f1")),
        instance_event(me, _I.NEW_RELATIONSHIP_EVENT, relationship=relationship("r2", "p1", "p2", MAPPING)),
        instance_event(
            me, _I.NEW_RELATIONSHIP_EVENT, relationship=relationship("r3", "p1", "gone", status="DELETED")
        ),
    ]
    policy = CopyPolicy(LOCAL)
    for event in events:
        store.apply(decide(event, "coco", store.get, policy))
    # A proxy a relationship from another member brought.
    other = Originator(metadata_collection_id=OTHER, server_name="cocoMDS1")
    foreign = relationship("r9", "x1", "p1").model_copy(
        update={"metadata_collection_id": OTHER, "entity_one_proxy": proxy("x1")}
    )
    store.apply(
        decide(
            instance_event(other, _I.NEW_RELATIONSHIP_EVENT, relationship=foreign), "coco", store.get, policy
        )
    )
    return api.Repository(store, SERVER, LOCAL)


REPO = repository()


def guids(body: dict[str, Any], key: str) -> list[str]:
    return [item["guid"] for item in body.get(key, [])]


def body(**fields: Any) -> bytes:
    return orjson.dumps(fields)


def test_metadata_collection_id_response() -> None:
    # BEANS MetadataCollectionIdResponse: "class", relatedHTTPCode (int, always written), metadataCollectionId.
    assert api.metadata_collection_id(REPO) == {
        "class": "MetadataCollectionIdResponse",
        "relatedHTTPCode": 200,
        "metadataCollectionId": LOCAL,
    }


def test_existence_checks_return_the_instance_or_nothing() -> None:
    known = api.is_entity_known(REPO, "p1")
    assert known["class"] == "EntityDetailResponse" and known["entity"]["guid"] == "p1"
    assert known["entity"]["class"] == "EntityDetail"
    assert api.is_entity_known(REPO, "nope") == {"class": "EntityDetailResponse", "relatedHTTPCode": 200}
    assert "entity" not in api.is_entity_known(REPO, "x1")  # only a proxy is held
    assert api.is_relationship_known(REPO, "r1")["relationship"]["guid"] == "r1"
    assert api.is_relationship_known(REPO, "nope") == {
        "class": "RelationshipResponse",
        "relatedHTTPCode": 200,
    }


def test_unknown_entity_is_the_ffdc_of_an_entity_not_known_exception() -> None:
    # FFDC: captureCheckedException sets relatedHTTPCode, exceptionClassName, actionDescription,
    # exceptionErrorMessage(+Id, Parameters), system and user actions; CLIENT
    # detectAndThrowEntityNotKnownException compares exceptionClassName with
    # EntityNotKnownException.class.getName(). OMRSErrorCode ENTITY_NOT_KNOWN: 404,
    # "OMRS-REPOSITORY-404-002", parameters guid, method, repository.
    answer = api.get_entity_detail(REPO, "nope")
    assert answer == {
        "class": "EntityDetailResponse",
        "relatedHTTPCode": 404,
        "exceptionClassName": "org.odpi.openmetadata.repositoryservices.ffdc.exception.EntityNotKnownException",
        "actionDescription": "getEntityDetail",
        "exceptionErrorMessage": "OMRS-REPOSITORY-404-002 The entity identified with guid nope passed on the "
        "getEntityDetail call is not known to the open metadata repository lineage",
        "exceptionErrorMessageId": "OMRS-REPOSITORY-404-002",
        "exceptionErrorMessageParameters": ["nope", "getEntityDetail", SERVER],
        "exceptionSystemAction": "The system is unable to retrieve the properties for the requested entity because "
        "the supplied guid is not recognized.",
        "exceptionUserAction": "The guid is supplied by the caller to the server.  It may have a logic problem that "
        "has corrupted the guid, or the entity has been deleted since the guid was retrieved.",
    }


def test_detail_summary_proxy_and_soft_deleted() -> None:
    assert (
        api.get_entity_detail(REPO, "p1")["entity"]["properties"]["instanceProperties"]["qualifiedName"][
            "primitiveValue"
        ]
        == "job::load"
    )
    # A proxy: getEntitySummary answers, getEntityDetail is EntityProxyOnlyException (400-051).
    summary = api.get_entity_summary(REPO, "x1")
    assert summary["class"] == "EntitySummaryResponse" and summary["entity"]["class"] == "EntitySummary"
    assert "uniqueProperties" not in summary["entity"] and summary["entity"]["guid"] == "x1"
    proxy_only = api.get_entity_detail(REPO, "x1")
    assert proxy_only["exceptionClassName"].endswith(".EntityProxyOnlyException")
    assert (proxy_only["relatedHTTPCode"], proxy_only["exceptionErrorMessageId"]) == (
        400,
        "OMRS-REPOSITORY-400-051",
    )
    deleted = api.get_entity_detail(REPO, "gone")
    assert deleted["exceptionErrorMessageId"] == "OMRS-REPOSITORY-404-013"
    assert deleted["exceptionClassName"].endswith(".EntityNotKnownException")
    assert api.get_relationship(REPO, "r3")["exceptionErrorMessageId"] == "OMRS-REPOSITORY-404-012"
    missing = api.get_relationship(REPO, "nope")
    assert missing["exceptionClassName"].endswith(".RelationshipNotKnownException")
    assert missing["exceptionErrorMessageId"] == "OMRS-REPOSITORY-404-003"


def test_relationships_for_an_entity_with_type_status_and_paging() -> None:
    # CLIENT getRelationshipsForEntity: POST .../instances/entity/{guid}/relationships with a
    # TypeLimitedFindRequest (typeGUID, offset, limitResultsByStatus, sequencingOrder,
    # sequencingProperty, pageSize); the answer is a RelationshipListResponse.
    everything = api.get_relationships_for_entity(
        REPO, "p1", body(**{"class": "TypeLimitedFindRequest", "offset": 0, "pageSize": 0})
    )
    assert everything["class"] == "RelationshipListResponse"
    assert (everything["offset"], everything["pageSize"]) == (0, 0)
    assert guids(everything, "relationships") == ["r1", "r2", "r9"]  # DELETED r3 left out
    with_deleted = api.get_relationships_for_entity(
        REPO, "p1", body(offset=0, pageSize=0, limitResultsByStatus=["ACTIVE", "DELETED"])
    )
    assert guids(with_deleted, "relationships") == ["r1", "r2", "r3", "r9"]
    flows = api.get_relationships_for_entity(REPO, "p1", body(typeGUID=FLOW[0], offset=0, pageSize=0))
    assert guids(flows, "relationships") == ["r1", "r9"]
    page = api.get_relationships_for_entity(REPO, "p1", body(offset=1, pageSize=1))
    assert guids(page, "relationships") == ["r2"] and (page["offset"], page["pageSize"]) == (1, 1)
    # BEANS RelationshipListResponse: an empty list is not written (NON_NULL, getter returns null).
    empty = api.get_relationships_for_entity(REPO, "p1", body(offset=10, pageSize=5))
    assert "relationships" not in empty and empty["relatedHTTPCode"] == 200
    unknown = api.get_relationships_for_entity(REPO, "nope", None)
    assert unknown["exceptionClassName"].endswith(".EntityNotKnownException")
    # OMRSErrorCode NEGATIVE_PAGE_SIZE (400-050) as a PagingErrorException.
    negative = api.get_relationships_for_entity(REPO, "p1", body(offset=0, pageSize=-1))
    assert negative["exceptionClassName"].endswith(".PagingErrorException")
    assert negative["exceptionErrorMessageId"] == "OMRS-REPOSITORY-400-050"


def test_an_offset_or_page_size_beyond_a_java_int_is_a_bad_request_not_a_failure() -> None:
    # BEANS OMRSAPIPagedFindRequest: offset and pageSize are Java ints, which Jackson does not
    # read from a larger number. Found by the schemathesis run (tests/integration/test_openapi.py):
    # an offset of 10**25 was echoed into the answer, which no JSON encoder here can write.
    calls = (
        lambda b: api.find_entities(REPO, b),
        lambda b: api.find_entities_by_property(REPO, b),
        lambda b: api.get_relationships_for_entity(REPO, "p1", b),
    )
    for call in calls:
        for fields in ({"offset": 10**25}, {"pageSize": 2**31}, {"offset": -(2**31) - 1}):
            answer = call(json.dumps(fields).encode())  # orjson writes no int beyond 64 bits
            assert answer["exceptionClassName"].endswith(".InvalidParameterException"), answer
            assert answer["exceptionErrorMessageId"] == "LINEAGE-INTEGRATOR-REPOSITORY-400-001"
            orjson.dumps(answer)  # what the view sends
    largest = api.find_entities(REPO, body(offset=2**31 - 1, pageSize=2**31 - 1))
    assert (largest["offset"], largest["pageSize"]) == (2**31 - 1, 2**31 - 1)


def test_find_entities_by_property_with_java_regular_expressions() -> None:
    # CLIENT findEntitiesByProperty: POST .../instances/entities/by-property with an
    # EntityPropertyFindRequest (typeGUID, matchProperties, matchCriteria, offset,
    # limitResultsByStatus, limitResultsByClassification, sequencingOrder, sequencingProperty,
    # pageSize). String values are Java regular expressions ("even if it should be an exact match").
    def find(**fields: Any) -> dict[str, Any]:
        return api.find_entities_by_property(
            REPO, body(**{"class": "EntityPropertyFindRequest", "offset": 0, "pageSize": 0, **fields})
        )

    def match(**values: str) -> dict[str, Any]:
        return {"class": "InstanceProperties", "instanceProperties": {
            k: {"class": "PrimitivePropertyValue", "instancePropertyCategory": "PRIMITIVE",
                "primitiveDefCategory": "OM_PRIMITIVE_TYPE_STRING", "primitiveValue": v}
            for k, v in values.items()}}  # fmt: skip

    assert guids(find(matchProperties=match(qualifiedName="job::.*")), "entities") == ["p1", "p2"]
    assert guids(find(matchProperties=match(qualifiedName="\\Qfile (1).csv\\E")), "entities") == ["f1"]
    assert guids(find(matchProperties=match(qualifiedName="file (1).csv")), "entities") == []  # a regex
    assert guids(find(matchProperties=match(qualifiedName="job")), "entities") == []  # whole value
    assert guids(find(typeGUID=PROCESS[0]), "entities") == ["p1", "p2"]
    assert guids(find(typeGUID=ASSET[0]), "entities") == ["f1", "p1", "p2"]  # subtypes included
    none = find(matchProperties=match(qualifiedName="job::.*"), matchCriteria="NONE")
    assert guids(none, "entities") == ["f1"]
    assert guids(find(limitResultsByClassification=["Ownership"]), "entities") == ["f1"]
    ordered = find(sequencingOrder="CREATION_DATE_RECENT")
    assert guids(ordered, "entities") == ["p1", "f1", "p2"]
    bad = find(matchProperties=match(qualifiedName="job::(["))
    assert bad["exceptionClassName"].endswith(".InvalidParameterException")
    assert bad["exceptionProperties"] == {"parameterName": "matchProperties"}


def test_find_entities_with_search_properties_and_classifications() -> None:
    # CLIENT findEntities: POST .../instances/entities with an EntityFindRequest (typeGUID,
    # subtypeGUIDs, matchProperties: SearchProperties, matchClassifications, paging).
    def value(v: Any, category: str = "OM_PRIMITIVE_TYPE_STRING") -> dict[str, Any]:
        return {"class": "PrimitivePropertyValue", "primitiveDefCategory": category, "primitiveValue": v}

    def find(conditions: list[dict[str, Any]], criteria: str = "ALL", **fields: Any) -> list[str]:
        search = {"class": "SearchProperties", "conditions": conditions, "matchCriteria": criteria}
        answer = api.find_entities(
            REPO,
            body(
                **{
                    "class": "EntityFindRequest",
                    "offset": 0,
                    "pageSize": 0,
                    "matchProperties": search,
                    **fields,
                }
            ),
        )
        assert answer["class"] == "EntityListResponse", answer
        return guids(answer, "entities")

    assert find([{"property": "qualifiedName", "operator": "EQ", "value": value("job::load")}]) == ["p1"]
    assert find([{"property": "qualifiedName", "operator": "LIKE", "value": value("job::.*")}]) == [
        "p1",
        "p2",
    ]
    assert find([{"property": "rank", "operator": "GT", "value": value(2, "OM_PRIMITIVE_TYPE_INT")}]) == [
        "p1"
    ]
    assert find([{"property": "rank", "operator": "IS_NULL"}]) == ["f1"]
    listed = {"class": "ArrayPropertyValue", "arrayCount": 2, "arrayValues": {"class": "InstanceProperties",
              "instanceProperties": {"0": value("job::clean"), "1": value("job::nothing")}}}  # fmt: skip
    assert find([{"property": "qualifiedName", "operator": "IN", "value": listed}]) == ["p2"]
    nested = {"class": "SearchProperties", "matchCriteria": "ANY", "conditions": [
        {"property": "qualifiedName", "operator": "EQ", "value": value("job::load")},
        {"property": "qualifiedName", "operator": "EQ", "value": value("file (1).csv")}]}  # fmt: skip
    assert find([{"nestedConditions": nested}]) == ["f1", "p1"]
    owned = {"class": "SearchClassifications", "matchCriteria": "ALL", "conditions": [{"name": "Ownership"}]}
    assert find([], matchClassifications=owned) == ["f1"]
    assert find([], subtypeGUIDs=[DATA_FILE[0]]) == ["f1"]


def test_bad_bodies_are_invalid_parameter_answers() -> None:
    answer = api.find_entities(REPO, b'{"offset": "first"}')
    assert answer["class"] == "EntityListResponse"
    assert answer["exceptionClassName"].endswith(".InvalidParameterException")
    assert "$.offset" in answer["exceptionErrorMessage"]


# -- the routes and their credentials -------------------------------------------------------------


def call(
    method: str,
    path: str,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
) -> tuple[int, dict[str, Any]]:
    async def run() -> tuple[int, dict[str, Any]]:
        app = web.Application()
        app.add_routes(route_table(REPO, token))
        async with TestClient(TestServer(app)) as client:
            response = await client.request(method, path, headers=headers, data=data)
            return response.status, await response.json()

    return asyncio.run(run())


def test_routes_are_the_paths_egerias_client_calls() -> None:
    # CLIENT operationSpecificURL values: "metadata-collection-id", "instances/entity/{1}/existence",
    # "instances/entity/{1}/summary", "instances/entity/{1}", "instances/entity/{1}/relationships" (POST),
    # "instances/relationship/{1}/existence", "instances/relationship/{1}",
    # "instances/entities/by-property" (POST), "instances/entities" (POST).
    assert call("GET", ROOT + "/metadata-collection-id")[1]["metadataCollectionId"] == LOCAL
    assert (
        call("GET", f"/servers/{SERVER}/open-metadata/repository-services/metadata-collection-id")[0] == 200
    )
    assert call("GET", ROOT + "/instances/entity/p1/existence")[1]["entity"]["guid"] == "p1"
    assert call("GET", ROOT + "/instances/entity/x1/summary")[1]["entity"]["class"] == "EntitySummary"
    assert call("GET", ROOT + "/instances/entity/p1")[1]["entity"]["guid"] == "p1"
    found = call("POST", ROOT + "/instances/entity/p1/relationships", data=body(offset=0, pageSize=1))[1]
    assert guids(found, "relationships") == ["r1"]
    assert call("GET", ROOT + "/instances/relationship/r1/existence")[1]["relationship"]["guid"] == "r1"
    assert call("GET", ROOT + "/instances/relationship/r1")[1]["relationship"]["guid"] == "r1"
    assert guids(
        call("POST", ROOT + "/instances/entities/by-property", data=body(typeGUID=DATA_FILE[0]))[1],
        "entities",
    ) == ["f1"]
    assert guids(call("POST", ROOT + "/instances/entities", data=b"")[1], "entities") == ["f1", "p1", "p2"]


def test_errors_are_answered_with_http_200_so_egerias_client_reads_them() -> None:
    # SPRING: RestTemplate throws on a non-2xx status before the FFDC could be decoded.
    status, answer = call("GET", ROOT + "/instances/entity/nope")
    assert status == 200 and answer["relatedHTTPCode"] == 404
    # Another server's name: OMAG-MULTI-TENANT-404-001, InvalidParameterException on serverName,
    # which CLIENT detectAndThrowInvalidParameterException turns into a RepositoryErrorException.
    status, answer = call(
        "GET", "/servers/cocoMDS1/open-metadata/repository-services/users/erin/instances/entity/p1"
    )
    assert status == 200
    assert answer["exceptionErrorMessageId"] == "OMAG-MULTI-TENANT-404-001"
    assert answer["exceptionProperties"]["parameterName"] == "serverName"
    assert answer["exceptionErrorMessageParameters"] == ["cocoMDS1", "erin"]


def test_reads_need_the_token_as_bearer_or_basic_password() -> None:
    basic = "Basic " + base64.b64encode(b"cocoMDS1npa:secret").decode()
    path = ROOT + "/instances/entity/p1"
    assert call("GET", path, token="secret")[0] == 401
    assert call("GET", path, token="secret", headers={"Authorization": "Bearer wrong"})[0] == 401
    assert call("GET", path, token="secret", headers={"Authorization": "Bearer secret"})[0] == 200
    assert call("GET", path, token="secret", headers={"Authorization": basic})[0] == 200
    refused = call("GET", path, token="other", headers={"Authorization": basic})
    assert refused[0] == 401 and refused[1]["exceptionClassName"].endswith(".UserNotAuthorizedException")
    assert credentials_accepted("", None)
    assert not credentials_accepted("Basic not-base64!", "secret")
    assert not credentials_accepted("Basic " + base64.b64encode(b"no-colon").decode(), "secret")
