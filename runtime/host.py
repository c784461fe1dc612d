"""The runtime of one worker: its topics, producer, streams and followers, started and stopped together.

Start-up, in order: the topics are created and checked (`runtime.topics.ensure_topics`,
before any client touches them), the producer starts, then every stream and follower
starts at once, so their consumer groups are joined concurrently rather than one after
another. Stopping reverses it. Each stream and follower adds its readiness conditions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from mode import Service

from runtime.clients import KafkaClients, check_access
from runtime.failures import retrying
from runtime.follower import Follower
from runtime.producer import Producer
from runtime.readiness import Readiness
from runtime.state import StateDir
from runtime.stream import Stream
from runtime.topics import TopicRegistry, ensure_topics

log = logging.getLogger(__name__)

BROKER_WAIT_S = 60.0
"""How long start-up waits for an unreachable broker before the worker gives up."""


class Component(Protocol):
    """Anything the runtime starts and stops with the worker (a connector host, a cache)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Closable(Protocol):
    """A state store: closed once everything that writes it has stopped."""

    def close(self) -> None: ...


class Runtime(Service):
    """Everything of one worker that talks to Kafka (a mode Service the Faust app starts)."""

    logger = logging.getLogger("mode.runtime")  # mode's start/stop lines, quiet unless debugging

    def __init__(
        self,
        *,
        clients: KafkaClients,
        topics: TopicRegistry,
        producer: Producer,
        readiness: Readiness,
        streams: Sequence[Stream] = (),
        followers: Sequence[Follower] = (),
        components: Sequence[Component] = (),
        stores: Sequence[Closable] = (),
        state_dir: StateDir | None = None,
        **kwargs: Any,
    ) -> None:
        self.clients = clients
        self.topics = topics
        self.producer = producer
        self.readiness = readiness
        self.streams = list(streams)
        self.followers = list(followers)
        self.components = list(components)
        self.stores = list(stores)
        self.state_dir = state_dir
        self.partition_counts: dict[str, int] = {}
        for stream in self.streams:
            readiness.add_event(f"stream:{stream.name}", stream.joined)
        for follower in self.followers:
            readiness.add_event(f"read:{follower.name}", follower.caught_up)
            if follower.ownership_group is not None:
                readiness.add_event(f"owners:{follower.name}", follower.joined)
        super().__init__(**kwargs)

    async def prepare(self) -> None:
        """Create and check the topics (`TopicLayoutError` when they cannot be used;
        `BrokerAccessRefused` at once when a broker refuses the credentials or certificate; the
        last broker error when none answers within BROKER_WAIT_S). Runs once: the worker does it
        before anything else starts, so a bad layout stops it before it joins any group."""
        if not self.partition_counts:
            self.partition_counts = await self._ensure_topics()

    async def on_start(self) -> None:
        await self.prepare()
        await self.producer.start()
        for component in self.components:
            await component.start()
        parts: list[Component] = [*self.followers, *self.streams]
        await asyncio.gather(*(part.start() for part in parts))

    async def on_stop(self) -> None:
        self.readiness.stopping()
        parts: list[Component] = [*self.streams, *self.followers]
        await asyncio.gather(*(part.stop() for part in parts), return_exceptions=True)
        for component in reversed(self.components):
            try:
                await component.stop()
            except Exception:
                log.exception("Stopping %r failed", component)
        await self.producer.stop()
        for store in self.stores:
            store.close()
        if self.state_dir is not None:
            self.state_dir.release()

    async def _ensure_topics(self) -> dict[str, int]:
        async for attempt in retrying(timeout_s=BROKER_WAIT_S, wait_max_s=5.0):
            with attempt:
                await check_access(self.clients.connection)
                admin = self.clients.admin()
                await admin.start()
                try:
                    return await ensure_topics(admin, self.topics)
                finally:
                    await admin.close()
        raise AssertionError("unreachable: retrying raises when it gives up")

    def assignment(self) -> set[Any]:
        """Every partition this replica's streams hold, and the partitions its followers own."""
        held: set[Any] = set()
        for stream in self.streams:
            held |= stream.assignment
        for follower in self.followers:
            held |= follower.owned
        return held

    def status(self) -> dict[str, Any]:
        return {
            "streams": {stream.name: stream.status() for stream in self.streams},
            "followers": {follower.name: follower.status() for follower in self.followers},
        }
