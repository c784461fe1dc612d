"""Cohort membership over REST: members per cohort, error events aimed at us, the types we use.

Every view reads state every replica keeps (changelog readers), so any replica answers the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from agents.cohort_member import member_of
from agents.cohort_registry import members_view
from app.web import router
from schemas.open_metadata_types import ATTRIBUTE_TYPES, EGERIA_TYPES_RELEASE, LINEAGE_TYPE_NAMES, TYPES

if TYPE_CHECKING:
    from app.service import LineageService


def install(service: LineageService) -> None:
    routes = router(service)
    settings = service.settings

    def identity() -> dict[str, Any]:
        return {
            "server": settings.server_name,
            "metadataCollectionId": settings.collection_id,
            "metadataCollectionName": settings.metadata_collection_name,
            "topicStructure": settings.cohort_topic_structure.value,
        }

    async def members(request: web.Request) -> web.Response:
        member = member_of(service)
        data = member.registry.reader.data if member else {}
        caught_up = bool(member and member.registry.reader.caught_up.is_set())
        body = {**identity(), "complete": caught_up, "cohorts": members_view(data, list(settings.cohorts))}
        return web.json_response(body)

    async def errors(request: web.Request) -> web.Response:
        member = member_of(service)
        events = member.errors.recent() if member else []
        cohort = request.query.get("cohort")
        if cohort:
            events = [e for e in events if e.get("cohort") == cohort]
        return web.json_response({**identity(), "count": len(events), "errors": events})

    async def types(request: web.Request) -> web.Response:
        body = {
            "egeriaRelease": EGERIA_TYPES_RELEASE,
            "referenceCopyTypes": list(settings.reference_copy_types or LINEAGE_TYPE_NAMES),
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
