"""A real OpenLineage HTTP API for tests: records what is POSTed, can be down for a while.

Stands in for Marquez in API log store tests: it listens on a fixed port so it can be
stopped ("the API is down") and started again on the same address.
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


class LineageSink:
    def __init__(self, port: int, *, token: str | None = None) -> None:
        self.port = port
        self.token = token
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LineageSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if sink.token and self.headers.get("Authorization") != f"Bearer {sink.token}":
                    self.send_response(401)
                    self.end_headers()
                    return
                with sink._lock:
                    sink.received.append(orjson.loads(body))
                    sink.headers.append(dict(self.headers))
                self.send_response(201)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def run_ids(self) -> list[str]:
        with self._lock:
            return [event["run"]["runId"] for event in self.received if "run" in event]
