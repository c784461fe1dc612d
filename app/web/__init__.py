"""REST views: thin aiohttp handlers on Faust's own web server, one module per concern.

Handlers are added to the aiohttp application Faust serves, so REST and agents share one
process, one event loop and one producer; they call the same code the agents use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from app.service import LineageService


def router(service: LineageService) -> web.UrlDispatcher:
    """The aiohttp router of the Faust web server of this service."""
    return service.app.web.web_app.router  # type: ignore[attr-defined]


def install_views(service: LineageService) -> None:
    from app.web import cohort, connectors, health, lineage_intake, lineage_query

    health.install(service)
    lineage_intake.install(service)
    connectors.install(service)
    cohort.install(service)
    lineage_query.install(service)
