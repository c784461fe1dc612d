"""Cohort membership over REST: members per cohort, error events aimed at us, the types we use.

Every view reads the cohort state every replica keeps, so any replica answers the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import Field

from agents.cohort_errors import recent_errors
from agents.cohort_registry import members_view
from app.web.api_doc import Described, Operation, answer, query_parameter
from runtime.kv import KeyValue
from schemas.open_metadata_types import ATTRIBUTE_TYPES, EGERIA_TYPES_RELEASE, TYPES


@dataclass(frozen=True)
class CohortView:
    """What the cohort views read: who we are, the cohort state, and whether it is read up to date."""

    identity: dict[str, Any]
    cohorts: list[str]
    reference_copy_types: list[str]
    state: KeyValue | None
    complete: Callable[[], bool]


def install(routes: web.UrlDispatcher, view: CohortView) -> None:
    async def members(request: web.Request) -> web.Response:
        body = {
            **view.identity,
            "complete": view.complete(),
            "cohorts": members_view(view.state, view.cohorts) if view.state is not None else [],
        }
        return web.json_response(body)

    async def errors(request: web.Request) -> web.Response:
        events = recent_errors(view.state, request.query.get("cohort")) if view.state is not None else []
        return web.json_response({**view.identity, "count": len(events), "errors": events})

    async def types(request: web.Request) -> web.Response:
        body = {
            "egeriaRelease": EGERIA_TYPES_RELEASE,
            "referenceCopyTypes": view.reference_copy_types,
            "typeDefs": [
                {
                    "name": t.name,
                    "guid": t.guid,
                    "version": t.version,
                    "category": t.category.value,
                    "superType": t.super_type,
                }
                for t in TYPES
            ],
            "attributeTypeDefs": [
                {"name": t.name, "guid": t.guid, "version": t.version, "category": t.category.value}
                for t in ATTRIBUTE_TYPES
            ],
        }
        return web.json_response(body)

    routes.add_get("/api/v1/cohort/members", members)
    routes.add_get("/api/v1/cohort/errors", errors)
    routes.add_get("/api/v1/cohort/types", types)


# -- documentation (app.web.openapi) ------------------------------------------------------------


class Identity(Described):
    """Who this server is in its cohorts."""

    server: str
    metadata_collection_id: str
    metadata_collection_name: str
    topic_structure: str = Field(description="LINEAGE_COHORT_TOPIC_STRUCTURE.")


class CohortRegistry(Described):
    """One cohort: this server's registration and the remote members, as recorded."""

    cohort: str
    local_registration: dict[str, Any] | None = Field(
        description="This server's registration (`registered` or `left`); null until recorded."
    )
    members: list[dict[str, Any]] = Field(description="The remote members, by server name.")


class CohortMembers(Identity):
    complete: bool = Field(description="Whether the cohort topics are read up to date.")
    cohorts: list[CohortRegistry]


class CohortErrors(Identity):
    """Error events other members aimed at this server, oldest first (the newest 1000 kept)."""

    count: int
    errors: list[dict[str, Any]]


class TypeDefSummary(Described):
    name: str
    guid: str
    version: int
    category: str
    super_type: str | None


class AttributeTypeDefSummary(Described):
    name: str
    guid: str
    version: int
    category: str


class CohortTypes(Described):
    """The open metadata types this server uses, with Egeria's names, guids and versions."""

    egeria_release: str
    reference_copy_types: list[str] = Field(
        description="LINEAGE_REFERENCE_COPY_TYPES: the types whose instances are kept."
    )
    type_defs: list[TypeDefSummary]
    attribute_type_defs: list[AttributeTypeDefSummary]


OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/api/v1/cohort/members",
        "Cohort members",
        tag="cohort",
        answers={
            200: answer("Per cohort, this server's registration and the remote members.", CohortMembers)
        },
    ),
    Operation(
        "GET",
        "/api/v1/cohort/errors",
        "Error events aimed at this server",
        tag="cohort",
        parameters=(query_parameter("cohort", "Only this cohort's."),),
        answers={200: answer("The error events, oldest first.", CohortErrors)},
    ),
    Operation(
        "GET",
        "/api/v1/cohort/types",
        "Open metadata types",
        tag="cohort",
        answers={200: answer("The types this server uses.", CohortTypes)},
    ),
]
