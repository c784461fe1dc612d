"""The connector framework and the built-in connectors.

What a connector author needs is importable from here:

    from agents.connectors import Connector, ConnectorContext, PermanentConnectorError
"""

from agents.connectors.base import (
    AssetManagerListener,
    Connector,
    ConnectorError,
    ConnectorNotRunning,
    FailurePolicy,
    NoSettings,
    OpenLineageListener,
    PermanentConnectorError,
)
from agents.connectors.context import ConnectorContext

__all__ = [
    "AssetManagerListener",
    "Connector",
    "ConnectorContext",
    "ConnectorError",
    "ConnectorNotRunning",
    "FailurePolicy",
    "NoSettings",
    "OpenLineageListener",
    "PermanentConnectorError",
]
