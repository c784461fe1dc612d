"""The API log store: forward every OpenLineage event to an OpenLineage HTTP API (Marquez...).

Each event's raw JSON is POSTed to `<url>/<endpoint>` (default `api/v1/lineage`, as the
official client does), optionally gzipped and with `Authorization: Bearer <api_key>`.
The connector only says what went wrong; the runner decides what to do about it:

- 2xx: delivered.
- connection refused, timeout, 408, 425, 429, 5xx: `ConnectorError` (try again later).
- any other 4xx: `PermanentConnectorError`: the API refuses this event and always will
  (dead-lettered at once, with the API's answer in the reason).

Its default failure policy is `then: retry-topic`: after two quick retries an event waits
on the connector's own retry topic (retried with backoff, forever by default), and while
the API is down new events go there directly. So an API that is down for an hour blocks no
other connector, loses no event, and gets every event once it is back (at least once:
an API that took an event but timed out answering gets it again; Marquez is idempotent
for a repeated event).
"""

from __future__ import annotations

import gzip
from typing import Any, Literal

import aiohttp
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr

from agents.connectors.base import Connector, ConnectorError, FailurePolicy, PermanentConnectorError
from schemas.openlineage import OpenLineageEvent

_RETRIABLE_STATUS = frozenset({408, 425, 429})


class ApiLogStoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    """Base URL of the OpenLineage API, e.g. http://marquez:5000."""
    endpoint: str = "api/v1/lineage"
    api_key: SecretStr | None = None
    compression: Literal["gzip"] | None = None
    timeout_s: float = Field(default=5.0, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)

    @property
    def target(self) -> str:
        return str(self.url).rstrip("/") + "/" + self.endpoint.lstrip("/")


class ApiLogStoreConnector(Connector[ApiLogStoreSettings]):
    """POSTs each event to an OpenLineage API (Egeria's APIBasedOpenLineageLogStoreConnector)."""

    settings_model = ApiLogStoreSettings
    failure_policy = FailurePolicy(retries=2, backoff_s=0.5, then="retry-topic")
    description = "Forwards each OpenLineage event to an OpenLineage HTTP API such as Marquez"

    _session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        headers = {"Content-Type": "application/json", **self.settings.headers}
        if self.settings.api_key is not None:
            headers["Authorization"] = f"Bearer {self.settings.api_key.get_secret_value()}"
        if self.settings.compression == "gzip":
            headers["Content-Encoding"] = "gzip"
        self._session = aiohttp.ClientSession(
            headers=headers, timeout=aiohttp.ClientTimeout(total=self.settings.timeout_s)
        )
        self.context.register_openlineage_listener(self.forward)
        self.context.log.info("API log store forwarding to %s", self.settings.target)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def forward(self, event: OpenLineageEvent, raw: bytes) -> None:
        if self._session is None:
            raise ConnectorError("the API log store is not started")
        body = gzip.compress(raw, compresslevel=3) if self.settings.compression == "gzip" else raw
        target = self.settings.target
        try:
            async with self._session.post(target, data=body) as response:
                if response.status < 300:
                    return
                text = (await response.text(errors="replace"))[:500]
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise ConnectorError(f"{target}: {type(exc).__name__}: {exc}") from exc
        raise _status_error(target, response.status, text)


def _status_error(target: str, status: int, text: Any) -> ConnectorError:
    message = f"{target} answered {status}: {text}"
    if status in _RETRIABLE_STATUS or status >= 500:
        return ConnectorError(message)
    return PermanentConnectorError(message)
