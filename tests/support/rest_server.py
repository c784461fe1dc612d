"""The REST intake views on a real aiohttp server, with a publisher that records instead of Kafka.

The views, the middleware and the server options are the ones the worker runs
(`app.web.responses.application_options`); only the publish step, a plain async callable,
is the test's. The server runs in a thread of its own, so tests (and hypothesis) talk to it
over real sockets with plain blocking calls, byte for byte (header bytes that no HTTP client
library would send included).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from agents.openlineage_publish import AcceptedEvent, PublishFailed
from app.web.lineage_intake import IntakeConfig, LineageIntakeViews, add_routes
from app.web.responses import application_options
from tests.support.raw_http import Answer, read_answer, request_bytes

TOKEN = "s3cret"
SERVER = "li-test"
EGERIA = f"/servers/{SERVER}/open-metadata/integration-services/lineage-integrator/users/erin"


def intake_settings(**changes: Any) -> IntakeConfig:
    values: dict[str, Any] = {
        "server_name": SERVER,
        "api_token": TOKEN,
        "max_event_bytes": 4 * 1024 * 1024,
        "max_batch_bytes": 32 * 1024 * 1024,
    }
    values.update(changes)
    return IntakeConfig(**values)


@dataclass
class RecordingPublisher:
    """Publishes by remembering; `refuse` makes every publish fail as an unreachable broker would."""

    events: list[AcceptedEvent] = field(default_factory=list)
    users: list[str | None] = field(default_factory=list)
    refuse: bool = False

    async def __call__(self, events: Sequence[AcceptedEvent], user: str | None) -> list[PublishFailed | None]:
        if self.refuse:
            return [PublishFailed("the broker did not acknowledge the event within 30s")] * len(events)
        self.events.extend(events)
        self.users.extend([user] * len(events))
        return [None] * len(events)


def intake_app(settings: IntakeConfig, publisher: RecordingPublisher) -> web.Application:
    """The worker's REST intake, plus `GET /health` answering at once (to see the loop is free)."""
    app = web.Application(**application_options())
    add_routes(app.router, LineageIntakeViews(settings, publisher))

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "up"})

    app.router.add_get("/health", health)
    return app


class RunningServer:
    """An aiohttp server in a thread of its own; requests go over real TCP connections."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="rest-server")
        self._runner: web.AppRunner | None = None

    def start(self) -> RunningServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)
        self.loop.close()

    def connect(self, timeout: float = 30.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def send(self, raw: bytes, timeout: float = 60.0) -> Answer:
        """Send raw request bytes on a new connection; the answer (Connection: close expected)."""
        with self.connect(timeout) as conn:
            conn.sendall(raw)
            return read_answer(conn)

    def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None, *, token: str | None = TOKEN
    ) -> Answer:
        given = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            given.setdefault("Authorization", f"Bearer {token}")
        return self.send(request_bytes("POST", path, body, given))

    def get(self, path: str) -> Answer:
        return self.send(request_bytes("GET", path, b"", {}))


@contextmanager
def running_intake(
    settings: IntakeConfig | None = None,
) -> Iterator[tuple[RunningServer, RecordingPublisher]]:
    publisher = RecordingPublisher()
    server = RunningServer(intake_app(settings or intake_settings(), publisher)).start()
    try:
        yield server, publisher
    finally:
        server.stop()
