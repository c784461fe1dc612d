"""HTTP errors aiohttp answers itself, answered with the service's error body (`app.web.responses.rest_middleware`).

The README promises JSON errors (`{"errors": [{"path", "message"}]}`) on every route; without
the middleware aiohttp answers an unknown path, a wrong method and a handler's failure in
plain text. The statuses and the `Allow` header are aiohttp's own (RFC 9110: a 405 lists the
methods the resource takes), checked through a real server on a local port.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app.web.responses import application_options


async def refuse(request: web.Request) -> web.Response:
    raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="x"'})


async def fail(request: web.Request) -> web.Response:
    raise RuntimeError("a bug")


async def created(request: web.Request) -> web.Response:
    return web.Response(status=201, text="made")


async def moved(request: web.Request) -> web.Response:
    raise web.HTTPFound("/made")


def call(method: str, path: str) -> tuple[int, dict[str, str], Any]:
    async def run() -> tuple[int, dict[str, str], Any]:
        app = web.Application(**application_options())
        app.router.add_get("/made", created)
        app.router.add_get("/refused", refuse)
        app.router.add_post("/failing", fail)
        app.router.add_get("/moved", moved)
        async with TestClient(TestServer(app)) as client:
            response = await client.request(method, path, allow_redirects=False)
            is_json = response.content_type == "application/json"
            body = await response.json() if is_json else await response.text()
            return response.status, dict(response.headers), body

    return asyncio.run(run())


def test_an_unknown_path_is_a_json_404_that_points_at_the_api_page() -> None:
    status, headers, body = call("GET", "/nothing/here")
    assert status == 404 and headers["Content-Type"] == "application/json; charset=utf-8"
    assert body["errors"][0]["path"] == "$"
    assert "/nothing/here" in body["errors"][0]["message"] and "/openapi.json" in body["errors"][0]["message"]


def test_a_wrong_method_is_a_json_405_with_the_allowed_methods() -> None:
    status, headers, body = call("DELETE", "/made")
    assert status == 405
    assert set(headers["Allow"].split(",")) == {"GET", "HEAD"}
    assert body["errors"][0]["message"].startswith("DELETE is not a method of '/made'")


def test_an_http_error_a_handler_raises_keeps_its_status_and_headers() -> None:
    status, headers, body = call("GET", "/refused")
    assert status == 401 and headers["WWW-Authenticate"] == 'Bearer realm="x"'
    assert body == {"errors": [{"path": "$", "message": "Unauthorized"}]}


def test_a_handler_failure_is_a_json_500_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="app.web.responses"):
        status, _, body = call("POST", "/failing")
    assert status == 500 and body["errors"][0]["path"] == "$"
    assert "a bug" not in body["errors"][0]["message"]  # the reason is in the log, not the answer
    logged = [r for r in caplog.records if r.name == "app.web.responses"]
    assert len(logged) == 1 and logged[0].exc_info is not None


def test_answers_and_redirects_pass_through() -> None:
    assert call("GET", "/made")[0::2] == (201, "made")
    status, headers, _ = call("GET", "/moved")
    assert status == 302 and headers["Location"] == "/made"
