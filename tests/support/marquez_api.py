"""A small real aiohttp server that answers Marquez's read API from hand-made catalogues and
serves the lineage page from app/web/static, for testing the page in a browser apart from
the worker.

The answers follow Marquez's JSON shapes as Marquez's own source defines them, at
MarquezProject/marquez a89b89cad27f87c90dd964c40dae8dfb3f64031f: the web UI's calls and types
(web/src/store/requests/*.ts, web/src/types/api.ts, web/src/types/lineage.ts), the API models
(api/src/main/java/marquez/service/models/{Job,Run,Dataset,DatasetVersion,Namespace}.java,
api/src/main/java/marquez/api/models/SearchResult.java,
api/src/main/java/marquez/db/models/{ColumnLineageNodeData,InputFieldNodeData}.java) and its
test resources (api/src/test/resources/lineage/node.json, column_lineage/node.json). The data
is hand-made, not captured. Beyond Marquez, as issue 16 asks: `asOf=` on the lineage query
(nodes created after it are left out), namespace and column search results (`type:
"NAMESPACE"` with no nodeId, `type: "DATASET_FIELD"` with `dataset` and `field`), and
an input field's `transformations` (OpenLineage's columnLineage facet: type, subtype,
description, masking) beside Marquez's `transformationType`, and a run's `transitions`.

Depth here counts edges from the asked node in either direction, as Marquez's lineage query
gathers every job and dataset connected to the node; errors use this service's error body.
"""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from app.web.responses import RequestError, error_response, require_token
from schemas.errors import FieldError

STATIC = Path(__file__).resolve().parents[2] / "app" / "web" / "static"
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}
T0 = datetime(2026, 3, 1, tzinfo=UTC)

Key = tuple[str, str]


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _fields(columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"name": n, "type": t, "tags": [], "description": None} for n, t in columns]


@dataclass
class Catalog:
    """Namespaces, jobs with their runs, datasets with their versions, and column lineage."""

    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[Key, dict[str, Any]] = field(default_factory=dict)
    runs: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    datasets: dict[Key, dict[str, Any]] = field(default_factory=dict)
    versions: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)

    def namespace(self, name: str, at: datetime, description: str | None = None) -> None:
        if name not in self.namespaces:
            self.namespaces[name] = {
                "name": name,
                "createdAt": iso(at),
                "updatedAt": iso(at),
                "ownerName": "anonymous",
                "description": description,
                "isHidden": False,
            }

    def dataset(
        self, ns: str, name: str, columns: list[tuple[str, str]], at: datetime, description: str | None = None
    ) -> dict[str, Any]:
        self.namespace(ns, at)
        body = {
            "id": {"namespace": ns, "name": name},
            "type": "DB_TABLE",
            "name": name,
            "physicalName": name,
            "createdAt": iso(at),
            "updatedAt": iso(at),
            "namespace": ns,
            "sourceName": ns,
            "fields": _fields(columns),
            "tags": [],
            "lastModifiedAt": iso(at),
            "lastLifecycleState": None,
            "description": description,
            "currentVersion": None,
            "columnLineage": None,
            "facets": {},
            "deleted": False,
        }
        self.datasets[(ns, name)] = body
        self.versions.setdefault((ns, name), [])
        return body

    def version(self, ns: str, name: str, columns: list[tuple[str, str]], run: dict[str, Any]) -> None:
        """A dataset version written by run; the newest version is the dataset's schema."""
        dataset = self.datasets[(ns, name)]
        version = _uuid(ns, name, run["id"])
        self.versions[(ns, name)].insert(
            0,
            {
                "id": {"namespace": ns, "name": name},
                "type": "DB_TABLE",
                "name": name,
                "physicalName": name,
                "createdAt": run["endedAt"] or run["startedAt"],
                "version": version,
                "namespace": ns,
                "sourceName": ns,
                "fields": _fields(columns),
                "tags": [],
                "lifecycleState": None,
                "description": dataset["description"],
                "createdByRun": run,
                "facets": {},
            },
        )
        dataset["fields"] = _fields(columns)
        dataset["currentVersion"] = version
        dataset["updatedAt"] = dataset["lastModifiedAt"] = run["endedAt"] or run["startedAt"]
        run["outputDatasetVersions"].append(
            {"datasetVersionId": {"namespace": ns, "name": name, "version": version}, "facets": {}}
        )

    def job(
        self,
        ns: str,
        name: str,
        inputs: list[Key],
        outputs: list[Key],
        at: datetime,
        description: str | None = None,
        sql: str | None = None,
    ) -> dict[str, Any]:
        self.namespace(ns, at)
        body = {
            "id": {"namespace": ns, "name": name},
            "type": "BATCH",
            "name": name,
            "simpleName": name,
            "parentJobName": None,
            "parentJobUuid": None,
            "createdAt": iso(at),
            "updatedAt": iso(at),
            "namespace": ns,
            "inputs": [{"namespace": a, "name": b} for a, b in inputs],
            "outputs": [{"namespace": a, "name": b} for a, b in outputs],
            "location": None,
            "description": description,
            "latestRun": None,
            "latestRuns": [],
            "facets": {"sql": {"query": sql}} if sql else {},
            "currentVersion": _uuid(ns, name),
            "labels": [],
            "tags": [],
        }
        self.jobs[(ns, name)] = body
        self.runs.setdefault((ns, name), [])
        return body

    def run(
        self, ns: str, name: str, state: str, started: datetime, ended: datetime | None, facets: Any = None
    ) -> dict[str, Any]:
        """A run of a job, newest first in its history; the newest is the job's latest run."""
        job = self.jobs[(ns, name)]
        run_id = _uuid(ns, name, iso(started))
        run = {
            "id": run_id,
            "createdAt": iso(started),
            "updatedAt": iso(ended or started),
            "nominalStartTime": None,
            "nominalEndTime": None,
            "state": state,
            "startedAt": iso(started),
            "endedAt": iso(ended) if ended else None,
            "durationMs": int((ended - started).total_seconds() * 1000) if ended else None,
            "args": {},
            "jobVersion": {"namespace": ns, "name": name, "version": job["currentVersion"]},
            "inputDatasetVersions": [
                {"datasetVersionId": {**i, "version": _uuid(i["namespace"], i["name"])}, "facets": {}}
                for i in job["inputs"]
            ],
            "outputDatasetVersions": [],
            "context": {},
            "facets": facets
            if facets is not None
            else {"processing_engine": {"name": "dbt", "version": "1.8.0"}},
        }
        history = self.runs[(ns, name)]
        history.append(run)
        history.sort(key=lambda r: r["startedAt"], reverse=True)
        job["latestRun"] = history[0]
        job["latestRuns"] = history[:10]
        job["updatedAt"] = history[0]["updatedAt"]
        return run

    def column(
        self,
        ns: str,
        dataset: str,
        name: str,
        field_type: str,
        inputs: list[tuple[str, str, str, dict[str, Any]]] = (),  # type: ignore[assignment]
    ) -> None:
        """A column and the input columns it is made from, each with how (Marquez's
        transformationType/Description and the facet's `transformations`)."""
        self.columns[node_id("datasetField", ns, dataset, name)] = {
            "namespace": ns,
            "dataset": dataset,
            "datasetVersion": None,
            "field": name,
            "fieldType": field_type,
            "inputFields": [
                {"namespace": i_ns, "dataset": i_ds, "datasetVersion": None, "field": i_field, **how}
                for i_ns, i_ds, i_field, how in inputs
            ],
        }

    # --- the graph ------------------------------------------------------------------------------

    def edges(self) -> list[tuple[str, str]]:
        out = []
        for (ns, name), job in self.jobs.items():
            me = node_id("job", ns, name)
            out += [(node_id("dataset", i["namespace"], i["name"]), me) for i in job["inputs"]]
            out += [(me, node_id("dataset", o["namespace"], o["name"])) for o in job["outputs"]]
        return out

    def bodies(self) -> dict[str, dict[str, Any]]:
        """Every job and dataset by its node id."""
        found = {node_id("job", ns, name): body for (ns, name), body in self.jobs.items()}
        found.update({node_id("dataset", ns, name): body for (ns, name), body in self.datasets.items()})
        return found


TERMINAL_EVENT = {"COMPLETED": "COMPLETE", "FAILED": "FAIL", "ABORTED": "ABORT"}


def transitions(run: dict[str, Any]) -> list[dict[str, str]]:
    """A run's state changes, newest first, as the worker's run answer adds them."""
    found = [{"eventType": "START", "transitionedAt": run["startedAt"]}]
    if run["state"] in TERMINAL_EVENT:
        found.append({"eventType": TERMINAL_EVENT[run["state"]], "transitionedAt": run["endedAt"]})
    return found[::-1]


def node_id(kind: str, *parts: str) -> str:
    return ":".join([kind, *parts])


def _transform(kind: str, subtype: str, description: str = "", masking: bool = False) -> dict[str, Any]:
    """An input field's how, as the worker is to answer it: Marquez's fields and the facet's list."""
    return {
        "transformationDescription": description or None,
        "transformationType": "MASKED" if masking else ("IDENTITY" if subtype == "IDENTITY" else None),
        "transformations": [
            {"type": kind, "subtype": subtype, "description": description, "masking": masking}
        ],
    }


WAREHOUSE = "postgres://warehouse:5432"
EXPORTS = "s3://exports"


def shop_catalog() -> Catalog:
    """A dbt-like shop pipeline: raw tables, staging models, a mart, and a Spark export added
    later (so a point in time before it shows the graph without the export)."""
    c = Catalog()
    c.namespace(WAREHOUSE, T0, "the warehouse")
    raw_customers = [("id", "integer"), ("first_name", "text"), ("last_name", "text"), ("email", "text")]
    raw_orders = [("id", "integer"), ("user_id", "integer"), ("amount", "numeric")]
    c.dataset(WAREHOUSE, "shop.raw.customers", raw_customers, T0, "customers as the shop writes them")
    c.dataset(WAREHOUSE, "shop.raw.orders", raw_orders, T0)
    stg_v1 = [("customer_id", "integer"), ("full_name", "text")]
    stg_v2 = [*stg_v1, ("email_masked", "text")]
    stg_orders = [("order_id", "integer"), ("customer_id", "integer"), ("amount", "numeric")]
    mart = [
        ("customer_id", "integer"),
        ("full_name", "text"),
        ("lifetime_value", "numeric"),
        ("order_count", "bigint"),
    ]
    day = timedelta(days=1)
    c.dataset(WAREHOUSE, "shop.staging.stg_customers", stg_v1, T0 + day)
    c.dataset(WAREHOUSE, "shop.staging.stg_orders", stg_orders, T0 + day)
    c.dataset(WAREHOUSE, "shop.marts.customers", mart, T0 + day, "one row a customer")
    c.job(
        "dbt",
        "shop.stg_customers",
        [(WAREHOUSE, "shop.raw.customers")],
        [(WAREHOUSE, "shop.staging.stg_customers")],
        T0 + day,
    )
    c.job(
        "dbt",
        "shop.stg_orders",
        [(WAREHOUSE, "shop.raw.orders")],
        [(WAREHOUSE, "shop.staging.stg_orders")],
        T0 + day,
    )
    c.job(
        "dbt",
        "shop.customers",
        [(WAREHOUSE, "shop.staging.stg_customers"), (WAREHOUSE, "shop.staging.stg_orders")],
        [(WAREHOUSE, "shop.marts.customers")],
        T0 + day,
        "builds the customers mart",
        "select c.customer_id, c.full_name, sum(o.amount) as lifetime_value from stg_customers c join stg_orders o using (customer_id) group by 1, 2",
    )
    first = c.run("dbt", "shop.stg_customers", "COMPLETED", T0 + day, T0 + day + timedelta(seconds=42))
    c.version(WAREHOUSE, "shop.staging.stg_customers", stg_v1, first)
    second = c.run(
        "dbt", "shop.stg_customers", "COMPLETED", T0 + 3 * day, T0 + 3 * day + timedelta(seconds=40)
    )
    c.version(WAREHOUSE, "shop.staging.stg_customers", stg_v2, second)
    orders_run = c.run("dbt", "shop.stg_orders", "COMPLETED", T0 + day, T0 + day + timedelta(seconds=12))
    c.version(WAREHOUSE, "shop.staging.stg_orders", stg_orders, orders_run)
    mart_first = c.run(
        "dbt",
        "shop.customers",
        "COMPLETED",
        T0 + day + timedelta(hours=1),
        T0 + day + timedelta(hours=1, minutes=3),
    )
    c.version(WAREHOUSE, "shop.marts.customers", mart, mart_first)
    c.run(
        "dbt",
        "shop.customers",
        "FAILED",
        T0 + 2 * day,
        T0 + 2 * day + timedelta(seconds=95),
        {"errorMessage": {"message": "division by zero", "programmingLanguage": "SQL"}},
    )
    mart_last = c.run(
        "dbt",
        "shop.customers",
        "COMPLETED",
        T0 + 3 * day + timedelta(hours=1),
        T0 + 3 * day + timedelta(hours=1, minutes=2, seconds=5),
    )
    c.version(WAREHOUSE, "shop.marts.customers", mart, mart_last)
    c.dataset(EXPORTS, "customers.csv", [("customer_id", "integer"), ("full_name", "text")], T0 + 5 * day)
    c.job(
        "spark",
        "export.customers",
        [(WAREHOUSE, "shop.marts.customers")],
        [(EXPORTS, "customers.csv")],
        T0 + 5 * day,
    )
    c.run(
        "spark",
        "export.customers",
        "RUNNING",
        T0 + 5 * day,
        None,
        {"spark_version": {"sparkVersion": "3.5.1"}},
    )

    raw_c = (WAREHOUSE, "shop.raw.customers")
    raw_o = (WAREHOUSE, "shop.raw.orders")
    stg_c = (WAREHOUSE, "shop.staging.stg_customers")
    stg_o = (WAREHOUSE, "shop.staging.stg_orders")
    mart_c = (WAREHOUSE, "shop.marts.customers")
    for name, ftype in raw_customers:
        c.column(*raw_c, name, ftype)
    for name, ftype in raw_orders:
        c.column(*raw_o, name, ftype)
    c.column(*stg_c, "customer_id", "integer", [(*raw_c, "id", _transform("DIRECT", "IDENTITY"))])
    c.column(
        *stg_c,
        "full_name",
        "text",
        [
            (*raw_c, "first_name", _transform("DIRECT", "TRANSFORMATION", "first_name || ' ' || last_name")),
            (*raw_c, "last_name", _transform("DIRECT", "TRANSFORMATION", "first_name || ' ' || last_name")),
        ],
    )
    c.column(
        *stg_c,
        "email_masked",
        "text",
        [(*raw_c, "email", _transform("DIRECT", "IDENTITY", "md5(email)", masking=True))],
    )
    c.column(*stg_o, "order_id", "integer", [(*raw_o, "id", _transform("DIRECT", "IDENTITY"))])
    c.column(*stg_o, "customer_id", "integer", [(*raw_o, "user_id", _transform("DIRECT", "IDENTITY"))])
    c.column(*stg_o, "amount", "numeric", [(*raw_o, "amount", _transform("DIRECT", "IDENTITY"))])
    c.column(*mart_c, "customer_id", "integer", [(*stg_c, "customer_id", _transform("DIRECT", "IDENTITY"))])
    c.column(*mart_c, "full_name", "text", [(*stg_c, "full_name", _transform("DIRECT", "IDENTITY"))])
    c.column(
        *mart_c,
        "lifetime_value",
        "numeric",
        [
            (*stg_o, "amount", _transform("DIRECT", "AGGREGATION", "sum(amount)")),
            (*stg_o, "customer_id", _transform("INDIRECT", "GROUP_BY", "group by customer_id")),
        ],
    )
    c.column(
        *mart_c,
        "order_count",
        "bigint",
        [(*stg_o, "order_id", _transform("DIRECT", "AGGREGATION", "count(order_id)"))],
    )
    # Marquez's own shape only: transformationType and no `transformations`.
    c.column(
        EXPORTS,
        "customers.csv",
        "full_name",
        "text",
        [(*mart_c, "full_name", {"transformationDescription": "copied", "transformationType": "IDENTITY"})],
    )
    c.column(
        EXPORTS,
        "customers.csv",
        "customer_id",
        "integer",
        [(*mart_c, "customer_id", {"transformationDescription": "hashed", "transformationType": "MASKED"})],
    )
    return c


def big_catalog(nodes: int = 1000, seed: int = 16) -> tuple[Catalog, str]:
    """`nodes` jobs and datasets in one connected pipeline of 12 stages, each job reading two
    or three datasets of the stage before (two of them neighbours, so a stage is connected) and
    writing one or two; answers the id of a source dataset every node is connected to."""
    rng = random.Random(seed)
    c = Catalog()
    ns = "warehouse"
    stages = 12
    per_stage = nodes // (stages * 2) + 1
    layers: list[list[str]] = [[f"stage00.table{i:03d}" for i in range(per_stage)]]
    for name in layers[0]:
        c.dataset(ns, name, [("id", "integer"), ("value", "text")], T0)
    count = per_stage
    job_number = 0
    for stage in range(1, stages + 1):
        previous, current = layers[-1], []
        for j in range(per_stage):
            if count >= nodes:
                break
            job_number += 1
            neighbours = {previous[j % len(previous)], previous[(j + 1) % len(previous)]}
            reads = neighbours | set(rng.sample(previous, k=rng.randint(0, 1)))
            writes = [
                f"stage{stage:02d}.table{len(current) + k:03d}"
                for k in range(1 if count + 3 > nodes else rng.randint(1, 2))
            ]
            for name in writes:
                c.dataset(ns, name, [("id", "integer"), ("value", "text")], T0)
            current += writes
            c.job(
                "etl",
                f"stage{stage:02d}.job{j:03d}",
                [(ns, r) for r in sorted(reads)],
                [(ns, w) for w in writes],
                T0,
            )
            count += 1 + len(writes)
        layers.append(current)
    return c, node_id("dataset", ns, layers[0][0])


def versioned_catalog(count: int = 25) -> Catalog:
    """A loader run `count` times, each run adding a column to the table it writes: more runs
    and versions than one page holds."""
    c = Catalog()
    ns = "warehouse"
    c.dataset(ns, "shop.events", [("c0", "text")], T0)
    c.job(ns, "loader", [], [(ns, "shop.events")], T0)
    for i in range(count):
        run = c.run(ns, "loader", "COMPLETED", T0 + timedelta(hours=i), T0 + timedelta(hours=i, seconds=30))
        c.version(ns, "shop.events", [(f"c{k}", "text") for k in range(i + 1)], run)
    return c


def hostile_catalog() -> Catalog:
    """Names, descriptions and facets that would run script if the page took them as markup."""
    c = Catalog()
    ns = '<img src=x onerror="window.__xss=1">'
    job = '"><script>window.__xss=2</script>'
    source = '</text><svg onload="window.__xss=3"><text>'
    target = "<iframe srcdoc='<script>parent.__xss=4</script>'>"
    c.dataset(
        ns,
        source,
        [("<b onmouseover=window.__xss=5>id</b>", "<i>int</i>")],
        T0,
        '<img src=x onerror="window.__xss=6">',
    )
    c.dataset(ns, target, [("<b onmouseover=window.__xss=5>id</b>", "<i>int</i>")], T0)
    c.job(
        ns,
        job,
        [(ns, source)],
        [(ns, target)],
        T0,
        "<script>window.__xss=7</script>",
        "select '<script>window.__xss=8</script>'",
    )
    run = c.run(
        ns,
        job,
        "COMPLETED",
        T0,
        T0 + timedelta(seconds=3),
        {"html": {"value": "<img src=x onerror=window.__xss=9>"}},
    )
    c.version(ns, target, [("<b onmouseover=window.__xss=5>id</b>", "<i>int</i>")], run)
    c.column(ns, source, "<b onmouseover=window.__xss=5>id</b>", "<i>int</i>")
    c.column(
        ns,
        target,
        "<b onmouseover=window.__xss=5>id</b>",
        "<i>int</i>",
        [
            (
                ns,
                source,
                "<b onmouseover=window.__xss=5>id</b>",
                _transform(
                    "DIRECT", "<img src=x onerror=window.__xss=10>", "<script>window.__xss=11</script>"
                ),
            )
        ],
    )
    return c


HOSTILE_NAMESPACE = '<img src=x onerror="window.__xss=1">'
HOSTILE_JOB = '"><script>window.__xss=2</script>'


# --- answers -------------------------------------------------------------------------------------


def _page(request: web.Request, items: list[Any]) -> tuple[list[Any], int]:
    try:
        limit = int(request.query.get("limit", "100"))
        offset = int(request.query.get("offset", "0"))
    except ValueError as exc:
        raise RequestError(400, [FieldError("$.limit", "limit and offset are whole numbers")]) from exc
    return items[offset : offset + limit], len(items)


def _not_found(path: str, message: str) -> RequestError:
    return RequestError(404, [FieldError(path, message)])


class Answers:
    """The read API's handlers over one catalogue."""

    def __init__(self, catalog: Catalog) -> None:
        self.c = catalog

    def _job(self, request: web.Request) -> tuple[Key, dict[str, Any]]:
        key = (request.match_info["ns"], request.match_info["job"])
        if key not in self.c.jobs:
            raise _not_found("$.job", f"no job {key[1]!r} in namespace {key[0]!r}")
        return key, self.c.jobs[key]

    def _dataset(self, request: web.Request) -> tuple[Key, dict[str, Any]]:
        key = (request.match_info["ns"], request.match_info["ds"])
        if key not in self.c.datasets:
            raise _not_found("$.dataset", f"no dataset {key[1]!r} in namespace {key[0]!r}")
        return key, self.c.datasets[key]

    async def namespaces(self, request: web.Request) -> web.Response:
        items, _total = _page(request, sorted(self.c.namespaces.values(), key=lambda n: n["name"]))
        return web.json_response({"namespaces": items})

    async def jobs(self, request: web.Request) -> web.Response:
        ns = request.match_info["ns"]
        items, total = _page(request, [j for (n, _), j in sorted(self.c.jobs.items()) if n == ns])
        return web.json_response({"jobs": items, "totalCount": total})

    async def job(self, request: web.Request) -> web.Response:
        return web.json_response(self._job(request)[1])

    async def runs(self, request: web.Request) -> web.Response:
        key, _job = self._job(request)
        items, total = _page(request, self.c.runs[key])
        return web.json_response({"runs": items, "totalCount": total})

    async def run(self, request: web.Request) -> web.Response:
        for history in self.c.runs.values():
            for run in history:
                if run["id"] == request.match_info["id"]:
                    return web.json_response({**run, "transitions": transitions(run)})
        raise _not_found("$.runId", "no such run")

    async def datasets(self, request: web.Request) -> web.Response:
        ns = request.match_info["ns"]
        items, total = _page(request, [d for (n, _), d in sorted(self.c.datasets.items()) if n == ns])
        return web.json_response({"datasets": items, "totalCount": total})

    async def dataset(self, request: web.Request) -> web.Response:
        return web.json_response(self._dataset(request)[1])

    async def versions(self, request: web.Request) -> web.Response:
        key, _dataset = self._dataset(request)
        items, total = _page(request, self.c.versions[key])
        return web.json_response({"versions": items, "totalCount": total})

    async def search(self, request: web.Request) -> web.Response:
        q = request.query.get("q", "").lower()
        limit = int(request.query.get("limit", "10"))
        found: list[dict[str, Any]] = [
            {"type": "NAMESPACE", "name": ns, "updatedAt": body["updatedAt"], "namespace": ns, "nodeId": None}
            for ns, body in self.c.namespaces.items()
            if q in ns.lower()
        ]
        for (ns, name), job in self.c.jobs.items():
            if q in name.lower():
                found.append(
                    {
                        "type": "JOB",
                        "name": name,
                        "updatedAt": job["updatedAt"],
                        "namespace": ns,
                        "nodeId": node_id("job", ns, name),
                    }
                )
        for (ns, name), dataset in self.c.datasets.items():
            if q in name.lower():
                found.append(
                    {
                        "type": "DATASET",
                        "name": name,
                        "updatedAt": dataset["updatedAt"],
                        "namespace": ns,
                        "nodeId": node_id("dataset", ns, name),
                    }
                )
        for fid, col in self.c.columns.items():
            if q in col["field"].lower():
                found.append(
                    {
                        "type": "DATASET_FIELD",
                        "name": col["field"],
                        "updatedAt": iso(T0),
                        "namespace": col["namespace"],
                        "nodeId": fid,
                        "dataset": col["dataset"],
                        "field": col["field"],
                    }
                )
        # the worker's filters: none is Marquez's default (jobs and datasets), `all` every kind
        kinds = {"": {"JOB", "DATASET"}, "job": {"JOB"}, "dataset": {"DATASET"}, "namespace": {"NAMESPACE"}}
        wanted = kinds.get(request.query.get("filter", "").lower())
        if wanted is not None:
            found = [r for r in found if r["type"] in wanted]
        found.sort(key=lambda r: (r["name"], r["nodeId"] or ""))
        return web.json_response({"totalCount": len(found), "results": found[:limit]})

    def _depth(self, request: web.Request, default: int) -> int:
        raw = request.query.get("depth", str(default))
        if not raw.isdigit():
            raise RequestError(400, [FieldError("$.depth", f"depth must be a whole number, not {raw!r}")])
        return int(raw)

    async def lineage(self, request: web.Request) -> web.Response:
        start = request.query.get("nodeId", "")
        depth = self._depth(request, 20)
        as_of = request.query.get("asOf")
        edges = self.c.edges()
        bodies = self.c.bodies()
        if as_of:
            cutoff = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
            bodies = {
                n: b
                for n, b in bodies.items()
                if datetime.fromisoformat(b["createdAt"].replace("Z", "+00:00")) <= cutoff
            }
            edges = [e for e in edges if e[0] in bodies and e[1] in bodies]
        nodes = set(bodies)
        if start not in nodes:
            raise _not_found("$.nodeId", f"no node {start!r}" + (f" as of {as_of}" if as_of else ""))
        near: dict[str, list[str]] = {}
        for a, b in edges:
            near.setdefault(a, []).append(b)
            near.setdefault(b, []).append(a)
        seen = {start: 0}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            if seen[here] >= depth:
                continue
            for there in near.get(here, []):
                if there not in seen:
                    seen[there] = seen[here] + 1
                    queue.append(there)
        ins: dict[str, list[dict[str, str]]] = {}
        outs: dict[str, list[dict[str, str]]] = {}
        for a, b in edges:
            if a in seen and b in seen:
                outs.setdefault(a, []).append({"origin": a, "destination": b})
                ins.setdefault(b, []).append({"origin": a, "destination": b})
        graph = [
            {
                "id": node,
                "type": "JOB" if node.startswith("job:") else "DATASET",
                "data": bodies[node],
                "inEdges": ins.get(node, []),
                "outEdges": outs.get(node, []),
            }
            for node in sorted(seen)
        ]
        return web.json_response({"graph": graph})

    async def column_lineage(self, request: web.Request) -> web.Response:
        start = request.query.get("nodeId", "")
        depth = self._depth(request, 10)
        downstream = request.query.get("withDownstream", "false") == "true"
        columns = self.c.columns
        if start.startswith("datasetField:"):
            starts = [start] if start in columns else []
        else:
            starts = [
                f
                for f, col in columns.items()
                if node_id("dataset", col["namespace"], col["dataset"]) == start
            ]
        if not starts:
            raise _not_found("$.nodeId", f"no column lineage for {start!r}")
        ups = {
            f: [node_id("datasetField", i["namespace"], i["dataset"], i["field"]) for i in col["inputFields"]]
            for f, col in columns.items()
        }
        downs: dict[str, list[str]] = {}
        for f, inputs in ups.items():
            for i in inputs:
                downs.setdefault(i, []).append(f)
        seen = set(starts)
        for links in [ups, downs] if downstream else [ups]:
            frontier = list(starts)
            for _ in range(depth):
                frontier = [n for f in frontier for n in links.get(f, []) if n not in seen and n in columns]
                seen.update(frontier)
        graph = []
        for f in sorted(seen):
            col = columns[f]
            first = col["inputFields"][0] if col["inputFields"] else {}
            graph.append(
                {
                    "id": f,
                    "type": "DATASET_FIELD",
                    "data": {
                        **col,
                        "transformationDescription": first.get("transformationDescription"),
                        "transformationType": first.get("transformationType"),
                    },
                    "inEdges": [{"origin": i, "destination": f} for i in ups[f] if i in seen],
                    "outEdges": [{"origin": f, "destination": d} for d in downs.get(f, []) if d in seen],
                }
            )
        return web.json_response({"graph": graph})


# --- the server ----------------------------------------------------------------------------------


@dataclass
class Seen:
    path: str
    query: str
    authorization: str | None


class MarquezLikeServer:
    """The page and the read API on 127.0.0.1, in a thread of its own; `token` guards every read."""

    def __init__(self, catalog: Catalog, token: str | None = None) -> None:
        self.answers = Answers(catalog)
        self.token = token
        self.seen: list[Seen] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _app(self) -> web.Application:
        @web.middleware
        async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
            if request.path.startswith("/api/"):
                self.seen.append(
                    Seen(request.path, request.query_string, request.headers.get("Authorization"))
                )
                try:
                    require_token(request, self.token)
                    return await handler(request)
                except RequestError as exc:
                    return error_response(exc)
            return await handler(request)

        async def page(request: web.Request) -> web.Response:
            return web.Response(text=(STATIC / "lineage.html").read_text(), content_type="text/html")

        async def asset(request: web.Request) -> web.FileResponse:
            wanted = (STATIC / request.match_info["path"]).resolve()
            if STATIC not in wanted.parents or wanted.suffix not in CONTENT_TYPES or not wanted.is_file():
                raise web.HTTPNotFound()
            return web.FileResponse(wanted, headers={"Content-Type": CONTENT_TYPES[wanted.suffix]})

        a = self.answers
        app = web.Application(middlewares=[guard])
        routes = [
            ("/lineage", page),
            ("/lineage/static/{path:.+}", asset),
            ("/api/v1/namespaces", a.namespaces),
            ("/api/v1/namespaces/{ns}/jobs", a.jobs),
            ("/api/v1/namespaces/{ns}/jobs/{job}", a.job),
            ("/api/v1/namespaces/{ns}/jobs/{job}/runs", a.runs),
            ("/api/v1/jobs/runs/{id}", a.run),
            ("/api/v1/namespaces/{ns}/datasets", a.datasets),
            ("/api/v1/namespaces/{ns}/datasets/{ds}", a.dataset),
            ("/api/v1/namespaces/{ns}/datasets/{ds}/versions", a.versions),
            ("/api/v1/search", a.search),
            ("/api/v1/lineage", a.lineage),
            ("/api/v1/column-lineage", a.column_lineage),
        ]
        for path, handler in routes:
            app.router.add_get(path, handler)
        return app

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def __enter__(self) -> MarquezLikeServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
