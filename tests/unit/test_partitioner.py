"""The worker's partitioner puts every key where Kafka's default partitioner does."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from runtime.partitioner import KeyPartitioner

PARTITION_LISTS = st.lists(st.integers(0, 63), min_size=1, max_size=12, unique=True).map(sorted)


@given(keys=st.lists(st.binary(max_size=64), min_size=1, max_size=20), partitions=PARTITION_LISTS)
def test_every_key_lands_where_the_java_and_aiokafka_default_puts_it(
    keys: list[bytes], partitions: list[int]
) -> None:
    """Order per key holds only if every producer of a topic (Java, the official clients,
    this worker) picks the same partition for the same key, remembered or not."""
    memo, default = KeyPartitioner(size=8), DefaultPartitioner()
    for key in keys + keys:  # the second round comes from the memo
        assert memo(key, partitions, partitions) == default(key, partitions, partitions)


def test_a_keyless_record_goes_to_an_available_partition() -> None:
    partitioner = KeyPartitioner()
    for _ in range(50):
        assert partitioner(None, [0, 1, 2, 3], [2, 3]) in (2, 3)
        assert partitioner(None, [0, 1], []) in (0, 1)


def test_the_memo_is_bounded() -> None:
    partitioner = KeyPartitioner(size=4)
    for i in range(100):
        partitioner(f"key-{i}".encode(), [0, 1, 2], [0, 1, 2])
    assert len(partitioner._hashes) <= 4
