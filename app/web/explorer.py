"""Marquez's read API and the lineage query, as aiohttp handlers over this replica's read models.

`explorer_routes(...)` returns the routes; the caller adds them to its application. They are
given what they read, explicitly: the OpenLineage read model (`agents.explorer.ReadModel`
over the replica's KeyValue store), the cohort's lineage graph, who may read, and whether
the stores have caught up. Paths, parameters and bodies are Marquez's (MarquezProject/marquez
at a89b89cad27f87c90dd964c40dae8dfb3f64031f: `api/src/main/java/marquez/api/*Resource.java`,
`spec/openapi.yml`), so Marquez's own clients read them; `agents.explorer.marquez` says what
is added to Marquez's shapes.

Errors are the service's error body (`{"errors": [{"path", "message"}]}`): 400 for a bad
parameter (its path `$.<name>`), 401 for a missing or wrong token, 404 for a namespace, job,
dataset, version, run or node the stores do not hold, 503 while they are still catching up.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from agents.explorer import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    SEARCH_KINDS,
    NodeIdError,
    NodeNotFound,
    OpenLineageGraph,
    Page,
    ReadModel,
    column_lineage,
    lineage,
)
from agents.explorer.keys import normal_time
from agents.explorer.lineage import Source
from agents.lineage_model import LineageGraph
from app.web.responses import RequestError, error_response, json_answer, require_token
from schemas.errors import FieldError

API = "/api/v1"
MAX_LIMIT = 10_000
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ReadAccess:
    """Who may read: with a token configured, only bearers of it, unless reads are kept open
    (`LINEAGE_API_READS_OPEN`)."""

    token: str | None
    reads_open: bool = False

    def check(self, request: web.Request) -> None:
        if not self.reads_open:
            require_token(request, self.token)


def _bad(name: str, message: str) -> RequestError:
    return RequestError(400, [FieldError(f"$.{name}", message)])


def _missing(name: str, message: str) -> RequestError:
    return RequestError(404, [FieldError(f"$.{name}", message)])


def whole_number(request: web.Request, name: str, default: int, high: int) -> int:
    """A query parameter that must be a whole number from 0 to `high`."""
    raw = request.query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, f"{name} must be a whole number from 0 to {high}, not {raw!r}") from None
    if not 0 <= value <= high:
        raise _bad(name, f"{name} must be from 0 to {high}, not {value}")
    return value


def page(request: web.Request, default_limit: int = 100) -> Page:
    return Page(
        whole_number(request, "limit", default_limit, MAX_LIMIT), whole_number(request, "offset", 0, 1 << 62)
    )


def moment(request: web.Request, name: str) -> str | None:
    """An ISO 8601 date-time query parameter, in the store's form (None when absent)."""
    raw = request.query.get(name, "")
    if raw == "":
        return None
    try:
        return normal_time(raw[:11] + raw[11:].replace(" ", "+"))  # a `+` offset arrives as a space
    except ValueError:
        raise _bad(
            name, f"{name} must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z, not {raw!r}"
        ) from None


def boolean(request: web.Request, name: str, default: bool) -> bool:
    raw = request.query.get(name, "").lower()
    if raw == "":
        return default
    if raw in ("true", "false"):
        return raw == "true"
    raise _bad(name, f"{name} must be true or false, not {raw!r}")


def explorer_routes(
    *,
    model: ReadModel | None,
    cohort: Callable[[], LineageGraph | None],
    access: ReadAccess,
    not_ready: Callable[[], str | None] = lambda: None,
) -> list[web.RouteDef]:
    """The read routes. `model` None serves only the lineage query, from the cohort's graph;
    `cohort()` is the graph now (None: none yet); `not_ready()` a reason to answer 503."""

    def guarded(handler: Callable[[web.Request], dict[str, Any]]) -> Handler:
        async def answer(request: web.Request) -> web.StreamResponse:
            try:
                access.check(request)
                reason = not_ready()
                if reason is not None:
                    raise RequestError(503, [FieldError("$", reason)])
                return json_answer(handler(request))
            except RequestError as error:
                return error_response(error)

        return answer

    def sources() -> list[Source]:
        found: list[Source] = []
        if model is not None:
            found.append(OpenLineageGraph(model))
        graph = cohort()
        if graph is not None:
            found.append(graph.source())
        return found

    def get_lineage(request: web.Request) -> dict[str, Any]:
        node_id = request.query.get("nodeId", "")
        if not node_id:
            raise _bad(
                "nodeId",
                "nodeId is required: dataset:{namespace}:{name}, job:{namespace}:{name} "
                "or datasetField:{namespace}:{name}:{field}",
            )
        depth = whole_number(request, "depth", DEFAULT_DEPTH, MAX_DEPTH)
        as_of = moment(request, "asOf")
        return _node_answer(lambda: lineage(sources(), node_id, depth, as_of))

    routes = [web.get(f"{API}/lineage", guarded(get_lineage))]
    if model is None:
        return routes
    read = model

    def known_namespace(name: str) -> None:
        if read.namespace(name) is None:
            raise _missing("namespace", f"no namespace {name!r}")

    def namespaces(request: web.Request) -> dict[str, Any]:
        return read.namespaces(page(request))

    def namespace(request: web.Request) -> dict[str, Any]:
        name = request.match_info["namespace"]
        found = read.namespace(name)
        if found is None:
            raise _missing("namespace", f"no namespace {name!r}")
        return found

    def jobs(request: web.Request) -> dict[str, Any]:
        ns = request.match_info["namespace"]
        known_namespace(ns)
        return read.jobs(ns, page(request))

    def job(request: web.Request) -> dict[str, Any]:
        ns, name = request.match_info["namespace"], request.match_info["job"]
        known_namespace(ns)
        found = read.job(ns, name)
        if found is None:
            raise _missing("job", f"no job {name!r} in namespace {ns!r}")
        return found

    def runs(request: web.Request) -> dict[str, Any]:
        ns, name = request.match_info["namespace"], request.match_info["job"]
        known_namespace(ns)
        if read.job(ns, name) is None:
            raise _missing("job", f"no job {name!r} in namespace {ns!r}")
        return read.runs(ns, name, page(request))

    def run(request: web.Request) -> dict[str, Any]:
        raw = request.match_info["id"]
        try:
            run_id = str(uuid.UUID(raw))
        except ValueError:
            raise _bad("id", f"a run id is a UUID, not {raw!r}") from None
        found = read.run(raw) or read.run(run_id)
        if found is None:
            raise _missing("id", f"no run {raw!r}")
        return found

    def datasets(request: web.Request) -> dict[str, Any]:
        ns = request.match_info["namespace"]
        known_namespace(ns)
        return read.datasets(ns, page(request))

    def no_dataset(ns: str, name: str) -> RequestError:
        """A dataset name that is neither a dataset nor another name of one (symlinks)."""
        known_namespace(ns)
        return _missing("dataset", f"no dataset {name!r} in namespace {ns!r}")

    def dataset(request: web.Request) -> dict[str, Any]:
        ns, name = request.match_info["namespace"], request.match_info["dataset"]
        found = read.dataset(ns, name)
        if found is None:
            raise no_dataset(ns, name)
        return found

    def versions(request: web.Request) -> dict[str, Any]:
        ns, name = request.match_info["namespace"], request.match_info["dataset"]
        found = read.dataset_versions(ns, name, page(request))
        if found is None:
            raise no_dataset(ns, name)
        return found

    def version(request: web.Request) -> dict[str, Any]:
        ns, name = request.match_info["namespace"], request.match_info["dataset"]
        wanted = request.match_info["version"]
        if read.dataset(ns, name) is None:
            raise no_dataset(ns, name)
        found = read.dataset_version(ns, name, wanted)
        if found is None:
            raise _missing("version", f"no version {wanted!r} of dataset {name!r}")
        return found

    def search(request: web.Request) -> dict[str, Any]:
        query = request.query.get("q", "").strip()
        if not query:
            raise _bad("q", "q is required: the start of a word of a name")
        raw_filter = request.query.get("filter", "").lower() or None
        if raw_filter not in SEARCH_KINDS:
            choices = ", ".join(sorted(k for k in SEARCH_KINDS if k))
            raise _bad("filter", f"filter must be one of {choices}, not {raw_filter!r}")
        sort = request.query.get("sort", "name").lower()
        if sort not in ("name", "updated_at", "update_at"):
            raise _bad("sort", f"sort must be name or updated_at, not {sort!r}")
        return read.search(
            query,
            kinds=SEARCH_KINDS[raw_filter],
            sort="name" if sort == "name" else "updated_at",
            page=page(request, default_limit=10),
            namespace=request.query.get("namespace") or None,
        )

    def get_column_lineage(request: web.Request) -> dict[str, Any]:
        node_id = request.query.get("nodeId", "")
        if not node_id:
            raise _bad("nodeId", "nodeId is required: dataset:, datasetField: or job:")
        if "#" in node_id:
            raise _bad("nodeId", "versioned node ids (`#version`) are not supported")
        depth = whole_number(request, "depth", DEFAULT_DEPTH, MAX_DEPTH)
        downstream = boolean(request, "withDownstream", False)
        return _node_answer(lambda: column_lineage(sources(), node_id, depth, downstream))

    def events(request: web.Request) -> dict[str, Any]:
        direction = request.query.get("sortDirection", "desc").lower()
        if direction not in ("asc", "desc"):
            raise _bad("sortDirection", f"sortDirection must be asc or desc, not {direction!r}")
        return read.events(
            before=moment(request, "before"),
            after=moment(request, "after"),
            ascending=direction == "asc",
            page=page(request),
        )

    ns_path = f"{API}/namespaces/{{namespace}}"
    handlers: list[tuple[str, Callable[[web.Request], dict[str, Any]]]] = [
        (f"{API}/namespaces", namespaces),
        (ns_path, namespace),
        (f"{ns_path}/jobs", jobs),
        (f"{ns_path}/jobs/{{job}}", job),
        (f"{ns_path}/jobs/{{job}}/runs", runs),
        (f"{API}/jobs/runs/{{id}}", run),
        (f"{ns_path}/datasets", datasets),
        (f"{ns_path}/datasets/{{dataset}}", dataset),
        (f"{ns_path}/datasets/{{dataset}}/versions", versions),
        (f"{ns_path}/datasets/{{dataset}}/versions/{{version}}", version),
        (f"{API}/search", search),
        (f"{API}/column-lineage", get_column_lineage),
        (f"{API}/events/lineage", events),
    ]
    return routes + [web.get(path, guarded(handler)) for path, handler in handlers]


def _node_answer(query: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return query()
    except NodeIdError as exc:
        raise _bad("nodeId", str(exc)) from None
    except NodeNotFound as exc:
        raise _missing("nodeId", str(exc)) from None
