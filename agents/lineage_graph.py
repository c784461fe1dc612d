"""Every replica's lineage graph: the cohort instance topics, read whole, into `LineageGraph`.

Each replica reads the instance topic(s) of every cohort (the dedicated `.instances` topic
and/or the single `OMRSTopic`, as configured) from the beginning, with no consumer group,
and folds every instance event into one `agents.lineage_model.LineageGraph`: what this
server catalogued (it comes back through the topic like any member's events) and the
lineage other members share. So any replica answers a lineage query, and all of them give
the same answer once they have read the same records.

`caught_up` is set once the reader has reached, in every partition, the fetch high
watermark it saw first (never the ListOffsets end offset, which some brokers under-report).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import TopicPartition

from agents.lineage_model import LineageGraph
from runtime.clients import KafkaClients, partitions_of, stop_consumer
from schemas.errors import EventValidationError
from schemas.omrs import parse_omrs_event

log = logging.getLogger(__name__)

_POLL_MS = 300
_RECORDS = 5000


class LineageGraphReader:
    """Reads the cohort instance topics into a LineageGraph (one per worker replica)."""

    def __init__(self, clients: KafkaClients, topics: Sequence[str]) -> None:
        self.clients = clients
        self.topics = list(dict.fromkeys(topics))
        self.graph = LineageGraph()
        self.caught_up = asyncio.Event()
        self.records = 0
        self.unreadable = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def resolve_alias(self, namespace: str, name: str) -> tuple[str, str] | None:
        return self.graph.resolve_alias(namespace, name)

    async def _run(self) -> None:
        while True:
            try:
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Reading the cohort instance topics failed (%s); starting over", exc)
                await asyncio.sleep(1.0)

    async def _read(self) -> None:
        consumer = self.clients.consumer("lineage-graph")
        await consumer.start()
        try:
            tps = await partitions_of(consumer, self.topics)
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            graph = LineageGraph()
            targets: dict[TopicPartition, int] | None = None
            while True:
                batches = await consumer.getmany(*tps, timeout_ms=_POLL_MS, max_records=_RECORDS)
                for records in batches.values():
                    for record in records:
                        self._apply(graph, record.value)
                if graph is self.graph:
                    continue
                if targets is None:
                    marks = {tp: consumer.highwater(tp) for tp in tps}
                    if any(mark is None for mark in marks.values()):
                        continue
                    targets = {tp: mark for tp, mark in marks.items() if mark is not None}
                if all([await consumer.position(tp) >= mark for tp, mark in targets.items()]):
                    self.graph = graph  # a restarted read replaces the graph only once it is complete again
                    if not self.caught_up.is_set():
                        self.caught_up.set()
                        log.info("Lineage graph caught up: %d instance events", graph.applied)
        finally:
            with contextlib.suppress(Exception):
                await stop_consumer(consumer)

    def _apply(self, graph: LineageGraph, value: bytes | None) -> None:
        self.records += 1
        if not value:
            return
        try:
            event = parse_omrs_event(value)
        except EventValidationError:
            self.unreadable += 1
            return
        graph.apply(event)

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
