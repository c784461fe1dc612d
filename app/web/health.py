"""Liveness, readiness, metrics and status: what an orchestrator and an operator look at."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aiohttp import web

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
