"""Marquez's read API and the lineage query, as aiohttp handlers over this replica's read models.

`explorer_routes(...)` returns the routes; the caller adds them to its application. They are
given what they read, explicitly: the OpenLineage read model (`agents.explorer.ReadModel`
over the replica's KeyValue store), the cohort's lineage graph, who may read, and whether
the stores have caught up. Paths, parameters and bodies are Marquez's (MarquezProject/marquez
at a89b89cad27f87c90dd964c40dae8dfb3f64031f: `api/src/main/java/marquez/api/*Resource.java`,
`spec/openapi.yml`), so Marquez's own clients read them; `agents.explorer.marquez` says what
is added to Marquez's shapes.

Each route is documented in `OPERATIONS` (assembled by `app.web.openapi`), its answers by the
models of `app.web.marquez_answers`.

Errors are the service's error body (`{"errors": [{"path", "message"}]}`): 400 for a bad
parameter (its path `$.<name>`), 401 for a missing or wrong token, 404 for a namespace, job,
dataset, version, run or node the stores do not hold, 503 while they are still catching up
(and, on a replica with LINEAGE_READ_MODELS=off, always: `app.web.lineage_query`).
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
from agents.explorer.lineage import MAX_NODE_ID_COLONS, Source
from agents.lineage_model import LineageGraph
from app.web.api_doc import (
    WWW_AUTHENTICATE,
    Answer,
    Operation,
    Parameter,
    answer,
    error,
    path_parameter,
    query_parameter,
)
from app.web.marquez_answers import (
    ColumnLineageGraph,
    Dataset,
    DatasetList,
    DatasetVersion,
    DatasetVersionList,
    GraphAnswer,
    Job,
    JobList,
    LineageEvents,
    Namespace,
    NamespaceList,
    Run,
    RunList,
    SearchResults,
)
from app.web.responses import RequestError, error_response, json_answer, require_token
from schemas.errors import FieldError

API = "/api/v1"
MAX_LIMIT = 10_000
MAX_OFFSET = 1 << 62
DEFAULT_LIMIT = 100
SEARCH_LIMIT = 10
SEARCH_SORTS = ("name", "updated_at", "update_at")
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


def page(request: web.Request, default_limit: int = DEFAULT_LIMIT) -> Page:
    return Page(
        whole_number(request, "limit", default_limit, MAX_LIMIT),
        whole_number(request, "offset", 0, MAX_OFFSET),
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
        if sort not in SEARCH_SORTS:
            raise _bad("sort", f"sort must be name or updated_at, not {sort!r}")
        return read.search(
            query,
            kinds=SEARCH_KINDS[raw_filter],
            sort="name" if sort == "name" else "updated_at",
            page=page(request, default_limit=SEARCH_LIMIT),
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


# -- documentation (app.web.openapi) ------------------------------------------------------------

NOT_READ = "The token is missing or wrong (reads need it unless LINEAGE_API_READS_OPEN)."
NO_READ_MODELS = (
    "this replica keeps no lineage read model (LINEAGE_READ_MODELS=off): ask a replica that runs with it on"
)
KEEPS_NONE = (
    "This replica runs with LINEAGE_READ_MODELS=off and keeps no read model: ask one that runs with it on."
)
UNAVAILABLE = (
    f"The read models are still reading their topics after a start (try again shortly). {KEEPS_NONE}"
)
READS = (
    "With LINEAGE_API_TOKEN set it needs the token, unless LINEAGE_API_READS_OPEN=true keeps the reads open."
)


def _any_case(*words: str) -> dict[str, Any]:
    """A query parameter's schema: one of `words`, in any case (the handlers lower-case it)."""
    return {"type": "string", "enum": list(dict.fromkeys([*words, *(w.upper() for w in words)]))}


NAMESPACE = path_parameter("namespace", "The namespace (URL-encoded: `postgres%3A%2F%2Fdb%3A5432`).")
JOB = path_parameter("job", "The job's name.")
DATASET = path_parameter("dataset", "The dataset's name, or another name of it (a symlink).")
LIMIT = query_parameter(
    "limit",
    f"Items in the page, from 0 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    type="integer",
    minimum=0,
    maximum=MAX_LIMIT,
    default=DEFAULT_LIMIT,
)
OFFSET = query_parameter(
    "offset",
    "Items skipped before the page (default 0).",
    type="integer",
    minimum=0,
    maximum=MAX_OFFSET,
    default=0,
)
PAGE = (LIMIT, OFFSET)
DEPTH = query_parameter(
    "depth",
    f"Edges to follow each way, from 0 to {MAX_DEPTH} (default {DEFAULT_DEPTH}).",
    type="integer",
    minimum=0,
    maximum=MAX_DEPTH,
    default=DEFAULT_DEPTH,
)


def _read(
    path: str,
    summary: str,
    ok: Answer,
    *,
    parameters: tuple[Parameter, ...] = (),
    bad: str | None = None,
    missing: str | None = None,
    description: str = "",
    tag: str = "explorer",
) -> Operation:
    """A guarded read of Marquez's API, with its errors."""
    answers = {200: ok}
    if bad is not None:
        answers[400] = error(bad)
    answers[401] = error(NOT_READ, headers=WWW_AUTHENTICATE)
    if missing is not None:
        answers[404] = error(missing)
    answers[503] = error(UNAVAILABLE)
    return Operation(
        "GET",
        path,
        summary,
        tag=tag,
        description=f"{description} {READS}".strip(),
        parameters=parameters,
        answers=answers,
        guard="bearer-read",
    )


_NS = f"{API}/namespaces/{{namespace}}"
_PAGING = "A bad limit or offset (`$.limit`, `$.offset`)."

OPERATIONS: list[Operation] = [
    _read(
        f"{API}/lineage",
        "Lineage around a node",
        answer("The graph.", GraphAnswer),
        tag="lineage",
        description="Upstream and downstream of a dataset or job, up to `depth` edges each way; "
        "column lineage from a dataset field.",
        parameters=(
            query_parameter(
                "nodeId",
                "`dataset:{namespace}:{name}`, `job:{namespace}:{name}` or "
                "`datasetField:{namespace}:{name}:{field}`; at most "
                f"{MAX_NODE_ID_COLONS} colons.",
                required=True,
            ),
            DEPTH,
            query_parameter(
                "asOf",
                "An ISO 8601 date-time: the graph as it was then (default: now).",
                type="string",
                format="date-time",
            ),
        ),
        bad="A bad nodeId, depth or asOf (`$.nodeId`, `$.depth`, `$.asOf`).",
        missing="The read models hold no such node.",
    ),
    _read(
        f"{API}/namespaces",
        "Namespaces",
        answer("A page of namespaces, by name, and how many there are.", NamespaceList),
        parameters=PAGE,
        bad=_PAGING,
    ),
    _read(
        _NS,
        "A namespace",
        answer("The namespace.", Namespace),
        parameters=(NAMESPACE,),
        missing="No such namespace (`$.namespace`).",
    ),
    _read(
        f"{_NS}/jobs",
        "Jobs of a namespace",
        answer("A page of jobs, by name, each with its latest runs, and how many there are.", JobList),
        parameters=(NAMESPACE, *PAGE),
        bad=_PAGING,
        missing="No such namespace (`$.namespace`).",
    ),
    _read(
        f"{_NS}/jobs/{{job}}",
        "A job",
        answer("The job, with its latest runs.", Job),
        parameters=(NAMESPACE, JOB),
        missing="No such namespace or job (`$.namespace`, `$.job`).",
    ),
    _read(
        f"{_NS}/jobs/{{job}}/runs",
        "Runs of a job",
        answer("A page of the job's runs, newest first, and how many there are.", RunList),
        parameters=(NAMESPACE, JOB, *PAGE),
        bad=_PAGING,
        missing="No such namespace or job (`$.namespace`, `$.job`).",
    ),
    _read(
        f"{API}/jobs/runs/{{id}}",
        "A run",
        answer("The run, with its state transitions.", Run),
        parameters=(path_parameter("id", "The runId.", type="string", format="uuid"),),
        bad="The id is not a UUID (`$.id`).",
        missing="No such run (`$.id`).",
    ),
    _read(
        f"{_NS}/datasets",
        "Datasets of a namespace",
        answer("A page of datasets, by name, and how many there are.", DatasetList),
        parameters=(NAMESPACE, *PAGE),
        bad=_PAGING,
        missing="No such namespace (`$.namespace`).",
    ),
    _read(
        f"{_NS}/datasets/{{dataset}}",
        "A dataset",
        answer("The dataset (the one a symlink names, asked for by that name).", Dataset),
        parameters=(NAMESPACE, DATASET),
        missing="No such namespace or dataset (`$.namespace`, `$.dataset`).",
    ),
    _read(
        f"{_NS}/datasets/{{dataset}}/versions",
        "Versions of a dataset",
        answer("A page of the dataset's versions, newest first, and how many there are.", DatasetVersionList),
        parameters=(NAMESPACE, DATASET, *PAGE),
        bad=_PAGING,
        missing="No such namespace or dataset (`$.namespace`, `$.dataset`).",
    ),
    _read(
        f"{_NS}/datasets/{{dataset}}/versions/{{version}}",
        "A version of a dataset",
        answer("The version, with the run that made it.", DatasetVersion),
        parameters=(NAMESPACE, DATASET, path_parameter("version", "The version id.")),
        missing="No such namespace, dataset or version (`$.namespace`, `$.dataset`, `$.version`).",
    ),
    _read(
        f"{API}/search",
        "Search",
        answer("A page of matches and how many there are.", SearchResults),
        description="Type-ahead: the names one of whose words starts with `q` (not any substring; "
        "`%` and `_` are no wildcards).",
        parameters=(
            query_parameter("q", "The start of a word of a name.", required=True, type="string", minLength=1),
            query_parameter(
                "filter",
                "What to find, in any case: `dataset`, `job` (none: both, as Marquez), `namespace`, "
                "`field` or `column` (columns), `all`.",
                **_any_case(*sorted(k for k in SEARCH_KINDS if k)),
            ),
            query_parameter(
                "sort",
                "`name` (default) or `updated_at` (newest first), in any case.",
                **_any_case(*SEARCH_SORTS),
            ),
            query_parameter(
                "limit",
                f"Matches in the page, from 0 to {MAX_LIMIT} (default {SEARCH_LIMIT}).",
                type="integer",
                minimum=0,
                maximum=MAX_LIMIT,
                default=SEARCH_LIMIT,
            ),
            OFFSET,
            query_parameter("namespace", "Only matches in this namespace."),
        ),
        bad="A missing q, or a bad filter, sort, limit or offset (`$.q`, `$.filter`, `$.sort`, "
        "`$.limit`, `$.offset`).",
    ),
    _read(
        f"{API}/column-lineage",
        "Column lineage",
        answer("Marquez's column-lineage graph.", ColumnLineageGraph),
        description="From a column, a dataset's columns or a job's output columns: the columns they "
        "derive from, `depth` levels up (at least one), and with `withDownstream` the columns they "
        "feed; each input column with its transformations.",
        parameters=(
            query_parameter(
                "nodeId",
                "`datasetField:{namespace}:{name}:{field}`, `dataset:{namespace}:{name}` or "
                "`job:{namespace}:{name}` (no `#version`); at most "
                f"{MAX_NODE_ID_COLONS} colons.",
                required=True,
            ),
            DEPTH,
            query_parameter(
                "withDownstream",
                "Also the columns they feed (default false).",
                type="boolean",
                default=False,
            ),
        ),
        bad="A bad or versioned nodeId, depth or withDownstream (`$.nodeId`, `$.depth`, `$.withDownstream`).",
        missing="No column lineage for that node (`$.nodeId`).",
    ),
    _read(
        f"{API}/events/lineage",
        "OpenLineage events received",
        answer("A page of the events, by event time, and how many there are.", LineageEvents),
        description="The events with `after <= eventTime < before`.",
        parameters=(
            query_parameter(
                "after",
                "From this ISO 8601 date-time (default: the first).",
                type="string",
                format="date-time",
            ),
            query_parameter(
                "before",
                "Before this ISO 8601 date-time (default: no end).",
                type="string",
                format="date-time",
            ),
            query_parameter(
                "sortDirection",
                "`desc` (newest first, default) or `asc`, in any case.",
                **_any_case("desc", "asc"),
            ),
            *PAGE,
        ),
        bad="A bad after, before, sortDirection, limit or offset (`$.after`, `$.before`, "
        "`$.sortDirection`, `$.limit`, `$.offset`).",
    ),
]
"""Every route `explorer_routes` mounts (without a read model, only `GET /api/v1/lineage`)."""
