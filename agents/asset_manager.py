"""Asset Manager OMAS out topics: each event, by type, to the connectors listening for it.

One stream reads the out topics of LINEAGE_ASSET_MANAGER_SERVERS. A valid event goes to
every listener registered for its `eventType` (see `ConnectorContext.
register_asset_manager_listener`), one connector after another, each under its own
failure policy (a connector that keeps failing gets a dead letter naming it; the others
still get the event). An event that is not a valid AssetManagerOutTopicEvent is rejected
with every error and its JSON path (dead-lettered).
"""

from __future__ import annotations

from typing import Any

from agents.connectors.runner import ConnectorHost
from runtime.failures import Rejected
from runtime.metrics import Metrics
from schemas.asset_manager import validate_asset_manager_event

STREAM = "asset-manager"


class AssetManagerEvents:
    """The handler of the Asset Manager stream."""

    def __init__(self, host: ConnectorHost, metrics: Metrics) -> None:
        self.host = host
        self.metrics = metrics

    async def handle(self, record: Any) -> None:
        raw: bytes = record.value or b""
        parsed, errors = validate_asset_manager_event(raw)
        if parsed is None:
            raise Rejected(
                "not a valid Asset Manager event: " + "; ".join(str(e) for e in errors[:5]), errors
            )
        if not await self.host.dispatch_asset_manager(parsed, raw, record):
            self.metrics.ignored_events.labels(stream=STREAM, reason="no listener").inc()
