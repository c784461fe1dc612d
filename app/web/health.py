"""Liveness, readiness, metrics and status: what an orchestrator and an operator look at."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aiohttp import web

from app.metrics import CONTENT_TYPE_LATEST
from app.web import router

if TYPE_CHECKING:
    from app.service import LineageService


def install(service: LineageService) -> None:
    routes = router(service)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "up", "server": service.settings.server_name, "pid": os.getpid()})

    async def ready(request: web.Request) -> web.Response:
        report = service.readiness.report()
        return web.json_response(report, status=200 if service.readiness.ready else 503)

    async def metrics(request: web.Request) -> web.Response:
        body = service.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def status(request: web.Request) -> web.Response:
        return web.json_response(status_report(service))

    routes.add_get("/health", health)
    routes.add_get("/ready", ready)
    routes.add_get("/metrics", metrics)
    routes.add_get("/api/v1/status", status)


def status_report(service: LineageService) -> dict[str, object]:
    """Who this replica is and which partitions it holds (for operators and tests)."""
    return {
        "server": service.settings.server_name,
        "metadataCollectionId": service.settings.collection_id,
        "pid": os.getpid(),
        "webPort": service.settings.web_port,
        "ready": service.readiness.report(),
        "assignedPartitions": [
            {"topic": tp.topic, "partition": tp.partition} for tp in service.assigned_partitions()
        ],
        "streams": {
            stream.stream_name: {"group": stream.group_id, "topics": stream.topics}
            for stream in service.streams
        },
    }
