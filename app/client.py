"""`LineageIntegratorClient`: the Python client of this service's REST API.

    from app.client import LineageIntegratorClient

    client = LineageIntegratorClient("http://localhost:6066", token="s3cret", gzip=True)
    client.publish({"eventType": "START", ...})             # a dict, JSON text or bytes,
    client.publish(run_event)                               # or an openlineage-python event
    result = client.publish_batch(events)                   # BatchResult: .status, .failed_events
    client.validate_connector("file-log-store")             # what it is, whether it runs
    client.cohort_members()                                 # GET /api/v1/cohort/members
    client.lineage("dataset:postgres://db:5432:public.orders", depth=3)

Every refusal raises `LineageIntegratorError` carrying the HTTP status and the server's
error list (`[{"path": "$.run.runId", "message": "..."}]`). The client is synchronous and
uses only the standard library, so it fits in any script, scheduler task or notebook.
"""

from __future__ import annotations

import gzip as gzip_module
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schemas.event_bytes import event_bytes
from schemas.json_text import load_json

EGERIA_SERVICE_PATH = "/servers/{server}/open-metadata/integration-services/lineage-integrator/users/{user}"


class LineageIntegratorError(Exception):
    """The server refused a request (or could not be reached: `status` is None then)."""

    def __init__(self, status: int | None, errors: list[dict[str, Any]], body: Any = None) -> None:
        self.status = status
        self.errors = errors
        self.body = body
        detail = "; ".join(f"{e.get('path', '$')}: {e.get('message', '')}" for e in errors) or "no detail"
        super().__init__(f"HTTP {status}: {detail}" if status is not None else detail)


@dataclass(frozen=True)
class BatchResult:
    """The server's answer to a batch: `status` is `success` or `partial_success`."""

    status: str
    summary: dict[str, int]
    failed_events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_indexes(self) -> list[int]:
        return [int(f["index"]) for f in self.failed_events]


class LineageIntegratorClient:
    """Calls one lineage-integrator server (any replica: they share everything)."""

    def __init__(
        self,
        url: str = "http://localhost:6066",
        *,
        token: str | None = None,
        gzip: bool = False,
        timeout: float = 30.0,
        user: str = "lineage-integrator-client",
        server: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.gzip = gzip
        self.timeout = timeout
        self.user = user
        self._server = server

    # ------------------------------------------------------------------ OpenLineage

    def publish(self, event: Any) -> dict[str, Any]:
        """Send one event; returns once the server has it durably stored."""
        result: dict[str, Any] = self._request("POST", "/api/v1/lineage", body=event_bytes(event))
        return result

    def publish_batch(self, events: Iterable[Any]) -> BatchResult:
        """Send events in one request. Some may fail (see `failed_events`); when none is
        accepted, raises LineageIntegratorError with every problem at `$[index]...` paths."""
        body = b"[" + b",".join(event_bytes(e) for e in events) + b"]"
        answer = self._request("POST", "/api/v1/lineage/batch", body=body)
        return BatchResult(
            status=answer["status"], summary=answer["summary"], failed_events=answer.get("failed_events", [])
        )

    # ------------------------------------------------------------------ reports

    def validate_connector(self, connector_provider_class_name: str) -> dict[str, Any]:
        """Egeria's validate-connector: Egeria's ConnectorReportResponse plus what the connector
        is and whether it can run here (LineageIntegratorError with the answer's
        `relatedHTTPCode`, 404, when it is not registered)."""
        name = urllib.parse.quote(connector_provider_class_name, safe="")
        result: dict[str, Any] = self._request("GET", self._egeria_path(f"/validate-connector/{name}"))
        code = result.get("relatedHTTPCode", 200)
        if code != 200:
            errors = result.get("errors") or [
                {"path": "$", "message": result.get("exceptionErrorMessage", "")}
            ]
            raise LineageIntegratorError(code, errors, result)
        return result

    def connectors(self) -> dict[str, Any]:
        """Every configured connector instance, its state and its counters."""
        result: dict[str, Any] = self._request("GET", "/api/v1/connectors")
        return result

    def cohort_members(self) -> dict[str, Any]:
        """The members of each cohort as this server sees them."""
        result: dict[str, Any] = self._request("GET", "/api/v1/cohort/members")
        return result

    def lineage(self, node_id: str, depth: int = 20) -> dict[str, Any]:
        """The lineage graph around a dataset or job (Marquez-style node id)."""
        query = urllib.parse.urlencode({"nodeId": node_id, "depth": depth})
        result: dict[str, Any] = self._request("GET", f"/api/v1/lineage?{query}")
        return result

    # ------------------------------------------------------------------ plumbing

    @property
    def server(self) -> str:
        """The server name (asked of the server once, when not given)."""
        if self._server is None:
            self._server = str(self._request("GET", "/health")["server"])
        return self._server

    def _egeria_path(self, tail: str) -> str:
        return (
            EGERIA_SERVICE_PATH.format(
                server=urllib.parse.quote(self.server, safe=""), user=urllib.parse.quote(self.user, safe="")
            )
            + tail
        )

    def _request(self, method: str, path: str, body: bytes | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            if self.gzip:
                body = gzip_module.compress(body, compresslevel=3)
                headers["Content-Encoding"] = "gzip"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _decode(response.read())
        except urllib.error.HTTPError as error:
            answer = _decode(error.read())
            errors = answer.get("errors") if isinstance(answer, dict) else None
            if not isinstance(errors, list):
                errors = [{"path": "$", "message": str(answer or error.reason)}]
            raise LineageIntegratorError(error.code, errors, answer) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise LineageIntegratorError(
                None, [{"path": "$", "message": f"cannot reach {self.url}: {reason}"}]
            ) from None


def _decode(data: bytes) -> Any:
    if not data:
        return {}
    try:
        return load_json(data)
    except ValueError:
        return data.decode(errors="replace")


__all__ = ["BatchResult", "LineageIntegratorClient", "LineageIntegratorError"]
