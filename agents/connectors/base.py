"""The connector base class: what a lineage integration connector is, as in Egeria.

A connector is a class with a lifecycle (`start`, `refresh`, `stop`) and a context
(`self.context`, see `context.py`) through which it registers listeners and publishes
events. Like Egeria's `LineageIntegratorConnector`, it registers its listeners in
`start()`:

    class PrintRuns(Connector[PrintRunsSettings]):
        settings_model = PrintRunsSettings

        async def start(self) -> None:
            self.context.register_openlineage_listener(self.on_event)

        async def on_event(self, event: OpenLineageEvent, raw: bytes) -> None:
            print(self.settings.prefix, event.run_id, event.event_type)

Each configured connector reads the internal topic in a stream of its own (its own
consumer group, see `runner.py`), so a connector that is slow or raises never holds the
others back. What a listener raises decides what happens to the event:
`PermanentConnectorError` sends it to the dead-letter topic at once; anything else is
retried as the connector's failure policy says. Listeners must be idempotent: after a
crash or a rebalance an event may come again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from schemas.asset_manager import AssetManagerOutTopicEvent
from schemas.openlineage import OpenLineageEvent

if TYPE_CHECKING:
    from agents.connectors.context import ConnectorContext


class ConnectorError(Exception):
    """A connector could not handle an event now; trying again later may work."""


class PermanentConnectorError(ConnectorError):
    """Trying again will not help (the target refused the event): dead-letter it at once."""


class ConnectorNotRunning(ConnectorError):
    """The connector has not started (or failed to start); its events wait or are retried."""


OpenLineageListener = Callable[[OpenLineageEvent, bytes], Awaitable[None] | None]
"""Receives each OpenLineage event, parsed (read-only: it is shared) and as raw JSON bytes."""

AssetManagerListener = Callable[[AssetManagerOutTopicEvent, bytes], Awaitable[None] | None]
"""Receives each Asset Manager out-topic event of the types it registered for."""


class NoSettings(BaseModel):
    """Settings of a connector that takes none: any key given is an error (a typo, surely)."""

    model_config = ConfigDict(extra="forbid")


class FailurePolicy(BaseModel):
    """What the runner does when a listener raises (per connector, `failure:` in LINEAGE_CONNECTORS).

    The event is tried again `retries` times in line, waiting `backoff_s`, doubling up to
    `backoff_max_s`; after such a failure, later events get one try each until one works
    (a connector failing on every event must not fall behind by its backoff on each). Then,
    with `then: dead-letter`, it goes to the dead-letter topic with the connector's name in
    its headers. With `then: retry-topic` it goes to the
    connector's own retry topic, where a stream of its own keeps retrying it (backing off up
    to `retry_backoff_max_s`, forever unless `retry_max_attempts`), and for `circuit_open_s`
    the connector's next events go straight there too, in order, so a target that is down
    costs the connector no time on the internal topic and every other connector none.
    """

    model_config = ConfigDict(extra="forbid")

    retries: int = Field(default=2, ge=0, le=100)
    backoff_s: float = Field(default=0.2, ge=0)
    backoff_max_s: float = Field(default=5.0, ge=0)
    then: Literal["dead-letter", "retry-topic"] = "dead-letter"
    circuit_open_s: float = Field(default=30.0, ge=0)
    retry_backoff_max_s: float = Field(default=60.0, gt=0)
    retry_max_attempts: int | None = Field(default=None, ge=1)


S = TypeVar("S", bound=BaseModel)


class Connector(Generic[S]):
    """Base of every connector. Subclasses set `settings_model` and override the lifecycle.

    Class attributes:
    - `settings_model`: pydantic model of the connector's `settings:` (validated at startup,
      so a bad setting stops the worker with a message naming it).
    - `consumes_openlineage`: False for a connector that never registers an OpenLineage
      listener (no stream is run for it on the internal topic).
    - `failure_policy`: the default policy; `failure:` in LINEAGE_CONNECTORS overrides fields.
    - `description`: one line for `validate-connector` and `GET /api/v1/connectors`.
    """

    settings_model: ClassVar[type[BaseModel]] = NoSettings
    consumes_openlineage: ClassVar[bool] = True
    failure_policy: ClassVar[FailurePolicy] = FailurePolicy()
    description: ClassVar[str] = ""

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        self.settings: S = cast(S, context.settings)

    async def start(self) -> None:
        """Register listeners and open what the connector needs. Called once, before any event."""

    async def refresh(self) -> None:
        """Catch up with the third party (Egeria's refresh): after start, then every
        `refresh_interval_s` when that is set for the connector."""

    async def flush(self) -> None:
        """Finish whatever the listeners left in progress; called before the offsets of the
        events they were given are committed (Kafka Connect's `SinkTask.flush`).

        A listener may hand its work to a background writer and return at once; `flush`
        then waits for that work. Raising here means the events since the last flush were
        not all handled: they are all delivered again (listeners are idempotent).
        """

    async def stop(self) -> None:
        """Release what `start` opened. Called when the worker stops."""

    def kafka_sources(self) -> list[str]:
        """Kafka topics whose records the runner validates and publishes on this connector's
        behalf (the event receiver's topics). Read once, before the worker starts."""
        return []

    @classmethod
    def listens_to(cls) -> dict[str, Any]:
        """What the connector's class declares it listens to (for reports)."""
        return {"openLineage": cls.consumes_openlineage}
