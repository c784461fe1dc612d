"""The API log store against a real HTTP server: what counts as delivered, retriable, permanent."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from agents.connectors.api_log_store import ApiLogStoreConnector, ApiLogStoreSettings
from agents.connectors.base import ConnectorError, PermanentConnectorError
from app.broker import free_port
from schemas.openlineage import parse_event
from tests.support.events import encoded, run_event


class FakeContext(SimpleNamespace):
    def register_openlineage_listener(self, listener: Any) -> None:
        self.listeners.append(listener)


def store_for(url: str, **settings: Any) -> ApiLogStoreConnector:
    context = FakeContext(
        settings=ApiLogStoreSettings.model_validate({"url": url, **settings}),
        listeners=[],
        log=SimpleNamespace(info=lambda *a: None),
    )
    return ApiLogStoreConnector(context)  # type: ignore[arg-type]


async def _exchange(
    status: int, **settings: Any
) -> tuple[list[tuple[dict[str, str], bytes]], BaseException | None]:
    seen: list[tuple[dict[str, str], bytes]] = []

    async def lineage(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.read()))
        return web.Response(status=status, text="answer")

    app = web.Application()
    app.router.add_post("/api/v1/lineage", lineage)
    async with TestServer(app, host="127.0.0.1") as server:
        store = store_for(str(server.make_url("/")), **settings)
        await store.start()
        raw = encoded(run_event("j"))
        try:
            await store.forward(parse_event(raw), raw)
            error = None
        except ConnectorError as exc:
            error = exc
        finally:
            await store.stop()
    return seen, error


def test_2xx_is_delivered_with_key_and_gzip() -> None:
    seen, error = asyncio.run(_exchange(201, api_key="k", compression="gzip"))
    assert error is None
    [(headers, body)] = seen
    assert headers["Authorization"] == "Bearer k"
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Encoding"] == "gzip"
    assert body.startswith(b"{")  # the server undid the gzip


@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_server_trouble_is_retriable(status: int) -> None:
    _, error = asyncio.run(_exchange(status))
    assert type(error) is ConnectorError
    assert str(status) in str(error)


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_refused_event_is_permanent(status: int) -> None:
    _, error = asyncio.run(_exchange(status))
    assert isinstance(error, PermanentConnectorError)


def test_an_api_that_is_down_is_retriable() -> None:
    async def go() -> None:
        store = store_for(f"http://127.0.0.1:{free_port()}", timeout_s=2)
        await store.start()
        raw = encoded(run_event("j"))
        try:
            with pytest.raises(ConnectorError) as error:
                await store.forward(parse_event(raw), raw)
            assert not isinstance(error.value, PermanentConnectorError)
        finally:
            await store.stop()

    asyncio.run(go())


def test_settings_need_a_url() -> None:
    with pytest.raises(ValueError, match="url"):
        ApiLogStoreSettings.model_validate({})
    assert (
        ApiLogStoreSettings.model_validate({"url": "http://m:5000/"}).target == "http://m:5000/api/v1/lineage"
    )
