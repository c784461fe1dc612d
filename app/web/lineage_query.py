"""Lineage queries: `GET /api/v1/lineage?nodeId=...&depth=N` (Marquez's shape) and `GET /lineage`,
a page that draws the same graph in the browser (no CDN: the page and its script are served
from here).

Answers come from this replica's lineage graph (`agents.lineage_graph`), which every replica
builds from the cohort instance topics, so any replica gives the same answer. Errors use the
service's error body: 400 for a bad nodeId or depth (with the reason), 404 for a node the
graph does not hold, 503 while the graph is still reading the topics after a start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from agents.lineage_graph import LineageGraphReader
from agents.lineage_model import DEFAULT_DEPTH, MAX_DEPTH, NodeIdError, NodeNotFound
from app.web.api_doc import Described, Operation, answer, error, path_parameter, query_parameter, text
from app.web.responses import error_body
from schemas.errors import FieldError

STATIC = Path(__file__).parent / "static"
_TYPES = {".js": "text/javascript", ".css": "text/css"}


def _error(status: int, path: str, message: str) -> web.Response:
    return web.json_response(error_body(status, [FieldError(path, message)]), status=status)


def install(routes: web.UrlDispatcher, graph_service: LineageGraphReader) -> None:
    async def get_lineage(request: web.Request) -> web.Response:
        node_id = request.query.get("nodeId")
        if not node_id:
            return _error(
                400,
                "$.nodeId",
                "nodeId is required: dataset:{namespace}:{name}, job:{namespace}:{name} "
                "or datasetField:{namespace}:{name}:{field}",
            )
        raw_depth = request.query.get("depth", str(DEFAULT_DEPTH))
        try:
            depth = int(raw_depth)
        except ValueError:
            return _error(
                400, "$.depth", f"depth must be a whole number from 0 to {MAX_DEPTH}, not {raw_depth!r}"
            )
        if not 0 <= depth <= MAX_DEPTH:
            return _error(400, "$.depth", f"depth must be from 0 to {MAX_DEPTH}, not {depth}")
        if not graph_service.caught_up.is_set():
            return _error(503, "$", "the lineage graph is still reading the cohort topics; try again shortly")
        try:
            body = graph_service.graph.lineage(node_id, depth)
        except NodeIdError as exc:
            return _error(400, "$.nodeId", str(exc))
        except NodeNotFound as exc:
            return _error(404, "$.nodeId", str(exc))
        return web.json_response(body)

    async def lineage_status(request: web.Request) -> web.Response:
        return web.json_response(graph_service.status())

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=(STATIC / "lineage.html").read_text(), content_type="text/html")

    async def asset(request: web.Request) -> web.StreamResponse:
        """A file of the page (its modules, styles and vendored libraries), never outside STATIC."""
        wanted = (STATIC / request.match_info["path"]).resolve()
        content_type = _TYPES.get(wanted.suffix)
        if STATIC.resolve() not in wanted.parents or content_type is None or not wanted.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(wanted, headers={"Content-Type": content_type})

    routes.add_get("/api/v1/lineage", get_lineage)
    routes.add_get("/api/v1/lineage/status", lineage_status)
    routes.add_get("/lineage", page)
    routes.add_get("/lineage/static/{path:.+}", asset)


# -- documentation (app.web.openapi) ------------------------------------------------------------


class Edge(Described):
    origin: str
    destination: str


class LineageNode(Described):
    """A node of the graph, as Marquez answers one: its id, kind, what is known of it
    (`data`: Marquez's job, dataset or column fields) and its edges within the answer."""

    id: str = Field(examples=["dataset:postgres://db:5432:shop.marts.customers"])
    type: Literal["JOB", "DATASET", "DATASET_FIELD"]
    data: dict[str, Any]
    in_edges: list[Edge]
    out_edges: list[Edge]


class LineageGraph(Described):
    """The lineage graph around a node (Marquez's `GET /api/v1/lineage` shape)."""

    graph: list[LineageNode]


class LineageGraphStatus(Described):
    """This replica's lineage graph: whether it has read the cohort instance topics up to
    date, and how much it holds."""

    caught_up: bool
    topics: list[str]
    records: int
    instance_events: int
    unreadable: int
    elements: int
    relationships: int


OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/api/v1/lineage",
        "Lineage around a node",
        tag="lineage",
        description="Upstream and downstream of a dataset or job, up to `depth` edges each way; "
        "column lineage from a dataset field.",
        parameters=(
            query_parameter(
                "nodeId",
                "`dataset:{namespace}:{name}`, `job:{namespace}:{name}` or "
                "`datasetField:{namespace}:{name}:{field}`.",
                required=True,
            ),
            query_parameter(
                "depth",
                f"Edges to follow each way, from 0 to {MAX_DEPTH} (default {DEFAULT_DEPTH}).",
                type="integer",
                minimum=0,
                maximum=MAX_DEPTH,
                default=DEFAULT_DEPTH,
            ),
        ),
        answers={
            200: answer("The graph.", LineageGraph),
            400: error("A bad nodeId or depth (`$.nodeId`, `$.depth`)."),
            404: error("The graph holds no such node."),
            503: error("The graph is still reading the cohort topics after a start: try again shortly."),
        },
    ),
    Operation(
        "GET",
        "/api/v1/lineage/status",
        "The lineage graph's state",
        tag="lineage",
        answers={200: answer("How much of the cohort topics the graph has read.", LineageGraphStatus)},
    ),
    Operation(
        "GET",
        "/lineage",
        "The lineage explorer",
        tag="lineage",
        description="A page that explores the lineage graph; it loads nothing from outside.",
        answers={200: text("The page.", "text/html")},
    ),
    Operation(
        "GET",
        "/lineage/static/{path}",
        "A file of the lineage explorer",
        tag="lineage",
        parameters=(path_parameter("path", "The file, below the page's static folder."),),
        answers={
            200: text("The file.", "text/javascript", "text/css"),
            404: error("No such file."),
        },
    ),
]
