"""Asset Manager OMAS out topics: each event, by type, to the connectors listening for it.

One agent reads the out topics of LINEAGE_ASSET_MANAGER_SERVERS. A valid event goes to
every listener registered for its `eventType` (see `ConnectorContext.
register_asset_manager_listener`), one connector after another, each under its own
failure policy (a connector that keeps failing gets a dead letter naming it; the others
still get the event). An event that is not a valid AssetManagerOutTopicEvent goes to the
dead-letter topic with every error and its JSON path. Volume is low (metadata changes),
so one agent is plenty.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from agents.connectors.runner import connector_host
from agents.dead_letters import SourceRecord, send_dead_letter
from schemas.asset_manager import validate_asset_manager_event

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

STREAM = "asset-manager"


def install(service: LineageService) -> None:
    """Add the Asset Manager agent (none when LINEAGE_ASSET_MANAGER_SERVERS is empty)."""
    names = service.names.asset_manager_inbound
    if not names:
        log.info("No Asset Manager servers configured: Asset Manager events are off")
        return
    service.add_record_agent(service.topic(*names), STREAM, partial(handle_record, service))


async def handle_record(
    service: LineageService, message: Any, key: bytes | None, value: bytes | None
) -> None:
    service.metrics.events_in.labels(stream=STREAM).inc()
    raw = value if value is not None else b""
    parsed, errors = validate_asset_manager_event(raw)
    if parsed is None:
        reason = "not a valid Asset Manager event: " + "; ".join(str(e) for e in errors[:5])
        await send_dead_letter(
            service,
            stream=STREAM,
            source=SourceRecord.of(message),
            key=key,
            value=value,
            reason=reason,
            errors=errors,
        )
        return
    host = connector_host(service)
    handled = await host.dispatch_asset_manager(parsed, raw, message) if host is not None else 0
    if not handled:
        service.metrics.ignored_events.labels(stream=STREAM, reason="no listener").inc()
