"""Which partition a keyed record goes to: Kafka's default, with each key's hash remembered.

Order per key depends on every producer of a topic agreeing on this, so it is exactly what
the Java client and aiokafka's `DefaultPartitioner` do: murmur2 of the key bytes, made
positive, modulo the topic's partition count (a record without a key goes to a random
available partition). aiokafka computes murmur2 in pure Python, and keys repeat (an
OpenLineage job's runs, an instance's guid), so each key's hash is computed once
(benchmarks/README.md has what that saves).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from aiokafka.partitioner import murmur2

MAX_REMEMBERED_KEYS = 65_536
"""Hashes kept (a few MB at most); when full, the memo starts over rather than track age."""


class KeyPartitioner:
    """An aiokafka `partitioner`: Kafka's default, memoized."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = MAX_REMEMBERED_KEYS) -> None:
        self._hashes: dict[bytes, int] = {}
        self._size = size

    def __call__(self, key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
        if key is None:
            return random.choice(available or all_partitions)
        positive = self._hashes.get(key)
        if positive is None:
            positive = murmur2(key) & 0x7FFFFFFF
            if len(self._hashes) >= self._size:
                self._hashes.clear()
            self._hashes[key] = positive
        return all_partitions[positive % len(all_partitions)]
