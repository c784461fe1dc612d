"""Liveness, readiness, metrics and status: what an orchestrator and an operator look at."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aiohttp import web
from pydantic import Field

from app.web.api_doc import Described, Operation, answer, text
from runtime.metrics import CONTENT_TYPE_LATEST, Metrics
from runtime.readiness import Readiness


def install(
    routes: web.UrlDispatcher,
    server_name: str,
    readiness: Readiness,
    metrics: Metrics,
    status: Callable[[], dict[str, Any]],
) -> None:
    """`status` gives `GET /api/v1/status`: who this replica is and what it holds."""

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "up", "server": server_name, "pid": os.getpid()})

    async def ready(request: web.Request) -> web.Response:
        report = readiness.report()
        return web.json_response(report, status=200 if report["ready"] else 503)

    async def metrics_text(request: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def status_view(request: web.Request) -> web.Response:
        return web.json_response({**status(), "pid": os.getpid(), "ready": readiness.report()})

    routes.add_get("/health", health)
    routes.add_get("/ready", ready)
    routes.add_get("/metrics", metrics_text)
    routes.add_get("/api/v1/status", status_view)


class Liveness(Described):
    """The process runs."""

    status: str = Field(examples=["up"])
    server: str
    pid: int


class ReadinessReport(Described):
    """Whether every readiness condition is met, and each condition by name."""

    ready: bool
    conditions: dict[str, bool]


class AssignedPartition(Described):
    topic: str
    partition: int


class StreamStatus(Described):
    """A stream of this replica: its consumer group, topics and assigned partitions (`topic[n]`)."""

    group: str
    topics: list[str]
    partitions: list[str]


class FollowerStatus(Described):
    """A follower (reads every partition of its topics): whether it has read them up to date
    after the start, how many records it has still to read, and the partitions whose side
    effects this replica owns."""

    topics: list[str]
    caught_up: bool
    behind: int | None = Field(
        description="Records of its topics not yet read into the state, as of the high watermarks "
        "of its last fetches; null until every partition was fetched once."
    )
    ownership_group: str | None = Field(
        description="The consumer group that hands out the partitions whose side effects this "
        "replica owns; null for a follower without side effects (the explorer's read model)."
    )
    owned: list[str]


class ReplicaStatus(Described):
    """Who this replica is and what it holds."""

    server: str
    metadata_collection_id: str
    web_port: int
    data_dir: str
    assigned_partitions: list[AssignedPartition]
    streams: dict[str, StreamStatus]
    followers: dict[str, FollowerStatus]
    pid: int
    ready: ReadinessReport


OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/health",
        "Liveness",
        tag="health",
        description="200 while the process runs.",
        answers={200: answer("The process runs.", Liveness)},
    ),
    Operation(
        "GET",
        "/ready",
        "Readiness",
        tag="health",
        description="200 once partitions are assigned and every cohort registration is recorded; "
        "503 with the unmet conditions until then.",
        answers={
            200: answer("Ready.", ReadinessReport),
            503: answer("Not ready: the conditions say which are unmet.", ReadinessReport),
        },
    ),
    Operation(
        "GET",
        "/metrics",
        "Prometheus metrics",
        tag="health",
        answers={200: text("The Prometheus text exposition format.", "text/plain")},
    ),
    Operation(
        "GET",
        "/api/v1/status",
        "This replica",
        tag="health",
        description="Server, collection id, assigned partitions, streams and followers.",
        answers={200: answer("This replica's status.", ReplicaStatus)},
    ),
]
