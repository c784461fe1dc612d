"""The lineage reads and the lineage explorer page: Marquez's read API (`app.web.explorer`)
over this replica's read models, `GET /api/v1/lineage/status`, and `GET /lineage`, a page
that explores them in the browser (no CDN: the page and its files are served from here).

Every replica with LINEAGE_READ_MODELS=on holds the same read models: the OpenLineage read
model (`agents.explorer`, folded from the internal topic by the explorer follower) and the
cohort's lineage graph (`agents.lineage_model`, in the cohort state), so any of them gives
the same answer once it has read the same records. Reads answer 503 while either is still
catching up after a start. A replica with LINEAGE_READ_MODELS=off (an ingest replica) keeps
no OpenLineage read model: every read route, the status included, answers 503 naming the
setting (`NO_READ_MODELS`), so a client or a load balancer can tell it from a missing route.
The page is served either way; on an ingest replica it shows that answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from agents.explorer import ReadModel
from agents.lineage_model import LineageGraph
from app.web import explorer
from app.web.api_doc import WWW_AUTHENTICATE, Described, Operation, answer, error, path_parameter, text
from app.web.explorer import KEEPS_NONE, NO_READ_MODELS, NOT_READ, READS, ReadAccess, explorer_routes
from app.web.responses import RequestError, error_response, json_answer
from schemas.errors import FieldError

STATIC = Path(__file__).parent / "static"
_TYPES = {".js": "text/javascript", ".css": "text/css"}


@dataclass(frozen=True)
class LineageReads:
    """What the lineage reads read."""

    model: ReadModel | None
    """The OpenLineage read model (None: serve the cohort's graph alone)."""
    cohort: LineageGraph | None
    """The cohort's lineage graph (None: this server is in no cohort)."""
    not_ready: Callable[[], str | None]
    """Why the read models cannot answer yet (still catching up), or None."""
    status: Callable[[], dict[str, Any]]


STATUS_PATH = "/api/v1/lineage/status"


def install(routes: web.UrlDispatcher, access: ReadAccess, reads: LineageReads | None) -> None:
    """The read routes over `reads` for those `access` lets through (`reads` None: this replica
    keeps no read model, every read route answers 503 to them), the status and the page."""
    if reads is None:
        _install_unavailable(routes, access)
    else:
        _install_reads(routes, access, reads)
    _install_page(routes)


def read_paths() -> list[str]:
    """Every read route's path (`GET`), as `explorer_routes` mounts them with a read model, and the status."""
    return [operation.path for operation in explorer.OPERATIONS] + [STATUS_PATH]


def _install_unavailable(routes: web.UrlDispatcher, access: ReadAccess) -> None:
    async def unavailable(request: web.Request) -> web.Response:
        try:
            access.check(request)
        except RequestError as failure:
            return error_response(failure)
        return error_response(RequestError(503, [FieldError("$", NO_READ_MODELS)]))

    for path in read_paths():
        routes.add_get(path, unavailable)


def _install_reads(routes: web.UrlDispatcher, access: ReadAccess, reads: LineageReads) -> None:
    for route in explorer_routes(
        model=reads.model, cohort=lambda: reads.cohort, access=access, not_ready=reads.not_ready
    ):
        assert isinstance(route, web.RouteDef)
        routes.add_route(route.method, route.path, route.handler)

    async def lineage_status(request: web.Request) -> web.Response:
        try:
            access.check(request)
        except RequestError as failure:
            return error_response(failure)
        return json_answer(reads.status())

    routes.add_get(STATUS_PATH, lineage_status)


def _install_page(routes: web.UrlDispatcher) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=(STATIC / "lineage.html").read_text(), content_type="text/html")

    async def asset(request: web.Request) -> web.StreamResponse:
        """A file of the page (its modules, styles and vendored libraries), never outside STATIC."""
        wanted = (STATIC / request.match_info["path"]).resolve()
        content_type = _TYPES.get(wanted.suffix)
        if STATIC.resolve() not in wanted.parents or content_type is None or not wanted.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(wanted, headers={"Content-Type": content_type})

    routes.add_get("/lineage", page)
    routes.add_get("/lineage/static/{path:.+}", asset)


# -- documentation (app.web.openapi) ------------------------------------------------------------


class ReadModelStatus(Described):
    """The OpenLineage read model: the internal topic it folds, whether it has read it up to
    date after the start, how many records of it are not folded yet (null until each
    partition was fetched once: how far reads lag behind the intake), and records it passed
    over (no event)."""

    topics: list[str]
    caught_up: bool
    behind: int | None
    unreadable: int


class CohortGraphStatus(Described):
    """The cohort's lineage graph: the cohort topics it is built from, whether they are read
    up to date after the start, how many of their records are not read yet (null until each
    partition was fetched once), and how much it holds."""

    topics: list[str]
    caught_up: bool
    behind: int | None
    instance_events: int
    elements: int
    relationships: int


class LineageStatus(Described):
    """This replica's read models (`cohort` null when the server is in no cohort)."""

    openlineage: ReadModelStatus
    cohort: CohortGraphStatus | None


OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        STATUS_PATH,
        "The read models' state",
        tag="lineage",
        description=READS,
        guard="bearer-read",
        answers={
            200: answer("How far this replica's read models have read, and what they hold.", LineageStatus),
            401: error(NOT_READ, headers=WWW_AUTHENTICATE),
            503: error(KEEPS_NONE),
        },
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
