"""Lineage queries: `GET /api/v1/lineage?nodeId=...&depth=N[&asOf=T]` (Marquez's shape) and
`GET /lineage`, a page that draws the same graph in the browser (no CDN: the page and its
script are served from here).

Answers come from this replica's lineage graph (`agents.lineage_graph`), which every replica
builds from the cohort instance topics, so any replica gives the same answer; the handler
is `app.web.explorer`'s. Errors use the service's error body: 400 for a bad nodeId, depth or
asOf (with the reason), 401 without the token when reads are guarded, 404 for a node the
graph does not hold, 503 while the graph is still reading the topics after a start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from agents import lineage_graph
from app.web import router
from app.web.explorer import ReadAccess, explorer_routes
from app.web.responses import RequestError, error_response, json_answer

if TYPE_CHECKING:
    from app.service import LineageService

STATIC = Path(__file__).parent / "static"
_ASSETS = {"lineage.js": "text/javascript", "lineage.css": "text/css"}


def install(service: LineageService) -> None:
    graph_service = lineage_graph.install(service)
    routes = router(service)
    access = ReadAccess(service.settings.api_token, service.settings.api_reads_open)

    def not_ready() -> str | None:
        if graph_service.caught_up.is_set():
            return None
        return "the lineage graph is still reading the cohort topics; try again shortly"

    for route in explorer_routes(
        model=None, cohort=lambda: graph_service.graph, access=access, not_ready=not_ready
    ):
        routes.add_route(route.method, route.path, route.handler)

    async def lineage_status(request: web.Request) -> web.Response:
        try:
            access.check(request)
        except RequestError as error:
            return error_response(error)
        return json_answer(graph_service.status())

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=(STATIC / "lineage.html").read_text(), content_type="text/html")

    async def asset(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _ASSETS:
            raise web.HTTPNotFound()
        return web.Response(text=(STATIC / name).read_text(), content_type=_ASSETS[name])

    routes.add_get("/api/v1/lineage/status", lineage_status)
    routes.add_get("/lineage", page)
    routes.add_get("/lineage/static/{name}", asset)
