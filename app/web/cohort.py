"""Cohort membership over REST: members per cohort, error events aimed at us, the types we use.

Every view reads the cohort state every replica keeps, so any replica answers the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from agents.cohort_errors import recent_errors
from agents.cohort_registry import members_view
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
