"""Every replica's lineage graph: the cohort instance topics, read whole, into `LineageGraph`.

Each replica runs its own group-less consumer over the instance topic(s) of every cohort
(the dedicated `.instances` topic and/or the single `OMRSTopic`, as configured), from the
beginning, and folds every instance event into one `agents.lineage_model.LineageGraph`:
what this server catalogued (it comes back through the topic like any member's events)
and the lineage other members share. So any replica answers a lineage query, and all of
them give the same answer once they have read the same records.

`caught_up` is set once the consumer has reached the fetch high watermark of every
partition (never the ListOffsets end offset, which the embedded broker under-reports).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from aiokafka import TopicPartition

from agents.cohort_intake import parsed_omrs_events
from agents.cohort_store import new_consumer
from agents.lineage_model import LineageGraph
from schemas.errors import EventValidationError
from schemas.omrs import parse_omrs_event

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

EXTENSION_KEY = "lineage_graph"
_POLL_MS = 300
_REPLAY_RECORDS = 5000
_LIVE_RECORDS = 500
"""Live, the tail reads in smaller steps, meant to keep it closer to the intake so that the
parses each leaves the other are still in the worker's cache (measured on the embedded
broker: no difference in throughput from 5000)."""


def instance_topics(service: LineageService) -> list[str]:
    """The cohort topics that carry instance events, for every cohort this server is in."""
    names: list[str] = []
    for cohort in service.names.cohorts:
        for name in cohort.outbound("instances"):
            if name not in names:
                names.append(name)
    return names


class LineageGraphService:
    """Tails the cohort instance topics into a LineageGraph (one per worker replica)."""

    def __init__(self, service: LineageService) -> None:
        self.service = service
        self.graph = LineageGraph()
        self.topics = instance_topics(service)
        self.caught_up = asyncio.Event()
        self.records = 0
        self.unreadable = 0
        self.parsed = parsed_omrs_events(service)

    def install(self) -> None:
        self.service.app.task(self._run)

    async def _run(self) -> None:
        while True:
            try:
                await self._tail()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Reading the cohort instance topics failed (%s); starting over", exc)
                await asyncio.sleep(1.0)

    async def _declare(self) -> None:
        for name in self.topics:
            with contextlib.suppress(Exception):
                await self.service.topic(
                    name, partitions=self.service.settings.topic_partitions, declare=True
                ).maybe_declare()

    async def _tail(self) -> None:
        await self._declare()
        consumer = new_consumer(self.service)
        await consumer.start()
        tailing = False
        try:
            tps = await self._partitions(consumer)
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            graph = LineageGraph()
            while True:
                live = graph is self.graph and self.caught_up.is_set()
                if live and not tailing:
                    self.parsed.tail(self.topics)  # the intake counts us in from now on
                    tailing = True
                batches = await consumer.getmany(
                    *tps, timeout_ms=_POLL_MS, max_records=_LIVE_RECORDS if live else _REPLAY_RECORDS
                )
                for records in batches.values():
                    for record in records:
                        self._apply(graph, record.value, live)
                behind = graph is not self.graph or not self.caught_up.is_set()
                if behind and await self._at_high_watermark(consumer, tps):
                    # A restarted tail swaps its graph in only once it is complete again.
                    self.graph = graph
                    if not self.caught_up.is_set():
                        self.caught_up.set()
                        log.info("Lineage graph caught up: %d instance events", graph.applied)
        finally:
            if tailing:
                self.parsed.untail(self.topics)
            with contextlib.suppress(Exception):
                await consumer.stop()

    def _apply(self, graph: LineageGraph, value: bytes | None, live: bool = False) -> None:
        """Fold one record in, parsed once per worker: the cohort intake reads the same bytes.

        Whichever of the two reads a record first parses it and counts the other in
        (`ParsedCache`). A `live` tail (caught up, so reading what the intake reads now) is
        counted in by the intake, so it takes its entry, and remembers its own parse for the
        intake; a replay from the beginning only looks (it would push out what the stages need).
        """
        self.records += 1
        if not value:
            return
        event = self.parsed.take(value) if live else self.parsed.find(value)
        if event is None:
            try:
                event = parse_omrs_event(value)
            except EventValidationError:
                self.unreadable += 1
                return
            if live:
                self.parsed.remember(value, event)
        graph.apply(event)

    async def _partitions(self, consumer: Any) -> list[TopicPartition]:
        while True:
            cluster = await consumer._client.fetch_all_metadata()
            tps = [
                TopicPartition(name, p)
                for name in self.topics
                for p in sorted(cluster.partitions_for_topic(name) or ())
            ]
            if tps and all(cluster.partitions_for_topic(name) for name in self.topics):
                return tps
            await asyncio.sleep(0.5)

    @staticmethod
    async def _at_high_watermark(consumer: Any, tps: list[TopicPartition]) -> bool:
        for tp in tps:
            highwater = consumer.highwater(tp)
            if highwater is None or await consumer.position(tp) < highwater:
                return False
        return True

    def status(self) -> dict[str, Any]:
        return {
            "caughtUp": self.caught_up.is_set(),
            "topics": self.topics,
            "records": self.records,
            "instanceEvents": self.graph.applied,
            "unreadable": self.unreadable,
            "elements": len(self.graph.elements),
            "relationships": len(self.graph.links),
        }


def install(service: LineageService) -> LineageGraphService:
    """This worker's lineage graph (created and started with the worker once)."""
    found = service.extensions.get(EXTENSION_KEY)
    if isinstance(found, LineageGraphService):
        return found
    graph = LineageGraphService(service)
    graph.install()
    service.extensions[EXTENSION_KEY] = graph
    return graph
