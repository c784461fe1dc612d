"""Handling an event once when the cohort delivers it twice (BOTH_SINGLE_AND_DEDICATED_TOPICS).

With both topic structures a member publishes each event to the single topic and to the
dedicated one, and we consume both. The intake stamps each routed record with a digest of
the event (and the routing key); both copies land on the same partition of the stage-two
topic, so the agent owning it sees both. It handles the first and marks its digest seen
*after* handling (a crash in between means handling again, which is harmless; marking
first could lose the event). The marks live in a changelog store co-partitioned with the
stream, so a rebalance or a restart keeps them; old marks are pruned by age and count.

Handlers are idempotent anyway (versions, set semantics): this layer suppresses the
effects that are not, such as answering a refresh request or counting an error twice.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from agents.cohort_store import ChangelogStore
from agents.cohort_topics import CohortInternalTopics

if TYPE_CHECKING:
    from app.service import LineageService

WINDOW_S = 3600.0
"""How long a digest is remembered; the two copies of an event arrive within seconds."""

MAX_PER_PARTITION = 100_000


class SeenEvents:
    """Digests already handled, per partition of one stream topic."""

    def __init__(self, service: LineageService, stream_topic: str, partitions: int):
        self.store = ChangelogStore(
            service,
            name=f"seen events of {stream_topic}",
            source_topic=stream_topic,
            changelog=CohortInternalTopics.seen(stream_topic),
            partitions=partitions,
        )

    async def seen(self, partition: int, digest: str) -> bool:
        return digest in await self.store.partition(partition)

    async def mark(self, partition: int, digest: str) -> None:
        data = await self.store.partition(partition)
        now = time.time()
        await self.store.put(partition, digest, now)
        while data:
            oldest_key, oldest_at = next(iter(data.items()))
            if len(data) <= MAX_PER_PARTITION and now - float(oldest_at) < WINDOW_S:
                break
            await self.store.delete(partition, oldest_key)
