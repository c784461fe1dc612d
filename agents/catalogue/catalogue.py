"""The catalogue: contributions merged per instance guid, and what changed shared with the cohort.

Two steps, so that every instance has exactly one writer whatever job touched it:

1. a connector (the cataloguer, on the internal topic, partitioned by job) writes with the
   cataloguing API (`agents.catalogue.api`), whose contributions go to the *catalogue
   topic* `<root>.server.<server>.omis.lineageintegrator.catalogue`, keyed by instance guid
   (`CatalogueSender`);
2. the catalogue stream (on that topic, partitioned by guid) merges each contribution into
   the instance's state (`state.merge`); when what a member would see changed
   (`state.settle`) it sends one OMRS instance event with this server as home and the next
   version, and records the new state (`CatalogueMerger`).

The state of partition p lives in a RocksDB store backed by partition p of the compacted
changelog `...catalogue.state` (`runtime.state.PartitionedStore`), so a replica that takes a
partition over continues the versions where the last one stopped. The checkpoint sequence
stores the OMRS events and the changelog before the offsets are committed: after a crash
in between, the same version is sent again with the same content, which members take as
a duplicate; nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from agents.catalogue.contribution import Contribution
from agents.catalogue.instances import Home, change_event
from agents.catalogue.state import InstanceState, merge, settle
from agents.cohort_publisher import CohortPublisher
from runtime.metrics import Metrics
from runtime.producer import Producer
from runtime.state import PartitionedStore
from schemas.json_text import dump_json
from schemas.omrs import now_ms

STREAM = "catalogue"


def catalogue_topic_name(prefix: str) -> str:
    """`prefix` is `<root>.server.<server>.omis.lineageintegrator`."""
    return f"{prefix}.catalogue"


def catalogue_state_topic_name(prefix: str) -> str:
    return f"{catalogue_topic_name(prefix)}.state"


class CatalogueSender:
    """Step 1: contributions onto the catalogue topic, keyed by instance guid."""

    def __init__(self, producer: Producer, topic: str, metrics: Metrics) -> None:
        self.producer = producer
        self.topic = topic
        self.metrics = metrics

    async def send(self, contributions: Sequence[Contribution]) -> None:
        """Queue contributions (the sending stream's checkpoint checks they were stored)."""
        for c in contributions:
            await self.producer.send(self.topic, dump_json(c.to_json()), key=c.guid.encode())
        self.metrics.events_out.labels(role="catalogue").inc(len(contributions))


class CatalogueMerger:
    """Step 2: the catalogue stream's handler."""

    def __init__(self, home: Home, store: PartitionedStore, publisher: CohortPublisher) -> None:
        self.home = home
        self.store = store
        self.publisher = publisher
        self.published = 0

    async def handle(self, record: Any) -> None:
        if record.value is None:
            return
        contribution = Contribution.from_json(orjson.loads(record.value))
        state_of = self.store.partition(record.partition)
        key = contribution.guid.encode()
        held_raw = state_of.get(key)
        held = InstanceState.from_json(orjson.loads(held_raw)) if held_raw is not None else None
        state, touched = merge(held, contribution)
        if not touched:
            return
        change = settle(state, now_ms())
        if change is not None:
            await self.publisher.send_instance_events([change_event(self.home, change)])
            self.published += 1
        state_of.put(key, dump_json(state.to_json()))
