"""The stream runtime against the real broker: what a failure does to a batch, and state on disk.

Each test runs streams in this process (tests/support/runtime.py) and proves its point by a
sentinel record sent last on the same partition: once the sentinel's output is there,
everything before it was handled, so "nothing else happened" is observed, not waited for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from runtime.dead_letters import (
    HEADER_KIND,
    HEADER_REASON,
    HEADER_SOURCE_OFFSET,
    HEADER_SOURCE_TOPIC,
    HEADER_STREAM,
)
from runtime.failures import POISON_ATTEMPTS, Rejected, TransientError
from runtime.state import PartitionedStore
from tests.support.kafka import Broker, produce
from tests.support.runtime import RuntimeKit, read_all

SENTINEL = b"sentinel"


def headers(record: Any) -> dict[str, bytes]:
    return dict(record.headers or ())


def values(records: list[Any]) -> list[bytes]:
    return [r.value for r in records]


def until_sentinel(records: list[Any]) -> list[bytes]:
    found = values(records)
    return found[: found.index(SENTINEL) + 1]


def forwarding(kit: RuntimeKit, output: str, fail: Any) -> Any:
    """A handler that forwards each record's value to `output`, after `fail(value)` (which may raise)."""

    async def handle(record: Any) -> None:
        fail(record.value)
        await kit.producer.send(output, record.value, key=record.key)

    return handle


def test_a_handler_that_raises_once_loses_nothing(broker: Broker) -> None:
    """The catalogue's old failure mode: a batch whose handling raised was acknowledged anyway."""
    kit = RuntimeKit(broker)
    source, output = kit.topic("in", 1), kit.topic("out", 1)
    raised: list[bytes] = []

    def fail_once(value: bytes) -> None:
        if value == b"2" and not raised:
            raised.append(value)
            raise RuntimeError("the target went away for a moment")

    stream = kit.streams.stream("once", [source], forwarding(kit, output, fail_once))
    sent = [b"0", b"1", b"2", b"3", b"4", SENTINEL]

    async def run() -> list[Any]:
        async with kit.running(stream):
            produce(broker.bootstrap, source, sent, keys=[b"k"] * len(sent))
            records = await read_all(broker.bootstrap, output, expect=len(sent))
            while SENTINEL not in values(records):
                records = await read_all(broker.bootstrap, output, expect=len(records) + 1)
            return records

    out = until_sentinel(asyncio.run(run()))
    assert raised == [b"2"]
    assert set(out) == set(sent)  # nothing lost
    last = {v: i for i, v in enumerate(out)}
    assert sorted(sent, key=last.__getitem__) == sent  # order per key kept (a redone batch repeats)
    assert kit.metrics.dead_letters.labels(stream="once")._value.get() == 0


def test_a_poison_record_is_dead_lettered_and_the_partition_moves_on(broker: Broker) -> None:
    kit = RuntimeKit(broker)
    source, output = kit.topic("in", 1), kit.topic("out", 1)

    def poison(value: bytes) -> None:
        if value == b"bad":
            raise ValueError("this record always breaks the handler")

    stream = kit.streams.stream("poison", [source], forwarding(kit, output, poison))

    async def run() -> tuple[list[Any], list[Any], float]:
        async with kit.running(stream):
            started = time.monotonic()
            produce(broker.bootstrap, source, [b"good-1", b"bad", b"good-2", SENTINEL], keys=[b"k"] * 4)
            records = await read_all(broker.bootstrap, output, expect=3)
            while SENTINEL not in values(records):
                records = await read_all(broker.bootstrap, output, expect=len(records) + 1)
            took = time.monotonic() - started
            dead = await read_all(broker.bootstrap, kit.dead_letter_topic, expect=1)
            return records, dead, took

    out, dead, took = asyncio.run(run())
    assert set(until_sentinel(out)) == {b"good-1", b"good-2", SENTINEL}
    assert took < 10  # issue 18: the next valid record on the partition within 10 s
    [letter] = dead
    assert letter.value == b"bad"
    h = headers(letter)
    assert h[HEADER_SOURCE_TOPIC] == source.encode() and h[HEADER_SOURCE_OFFSET] == b"1"
    assert h[HEADER_STREAM] == b"poison"
    assert f"failed {POISON_ATTEMPTS} times".encode() in h[HEADER_REASON]
    assert b"always breaks the handler" in h[HEADER_REASON]


def test_a_rejected_record_is_dead_lettered_once_without_retries(broker: Broker) -> None:
    kit = RuntimeKit(broker)
    source, output = kit.topic("in", 1), kit.topic("out", 1)
    seen: list[bytes] = []

    def reject(value: bytes) -> None:
        seen.append(value)
        if value == b"invalid":
            raise Rejected("not a valid event: $.run: Field required")

    stream = kit.streams.stream("reject", [source], forwarding(kit, output, reject))

    async def run() -> list[Any]:
        async with kit.running(stream):
            produce(broker.bootstrap, source, [b"invalid", SENTINEL], keys=[b"k"] * 2)
            await read_all(broker.bootstrap, output, expect=1)
            return await read_all(broker.bootstrap, kit.dead_letter_topic, expect=1)

    [letter] = asyncio.run(run())
    assert seen.count(b"invalid") == 1
    assert headers(letter)[HEADER_REASON] == b"not a valid event: $.run: Field required"


def test_a_record_too_large_for_the_dead_letter_topic_goes_by_reference(broker: Broker) -> None:
    """Issue 18, finding 1: a record above the record limit stopped its partition for good."""
    kit = RuntimeKit(broker, max_event_bytes=64 * 1024)
    source, output = kit.topic("in", 1), kit.topic("out", 1)
    huge = b"{" + b" " * (300 * 1024) + b"}"

    def too_large(value: bytes) -> None:
        if len(value) > kit.max_event_bytes:
            raise Rejected(f"the event is {len(value)} bytes, above the limit of {kit.max_event_bytes} bytes")

    stream = kit.streams.stream("large", [source], forwarding(kit, output, too_large))

    async def run() -> tuple[list[Any], list[Any]]:
        async with kit.running(stream):
            produce(broker.bootstrap, source, [huge, SENTINEL], keys=[b"k"] * 2)
            out = await read_all(broker.bootstrap, output, expect=1, within_s=10)
            return out, await read_all(broker.bootstrap, kit.dead_letter_topic, expect=1)

    out, [letter] = asyncio.run(run())
    assert values(out) == [SENTINEL]
    assert headers(letter)[HEADER_KIND] == b"reference"
    reference = orjson.loads(letter.value)
    assert reference["source"] == {"topic": source, "partition": 0, "offset": 0}
    assert reference["size"] == len(huge)
    assert reference["prefix"].startswith("{   ") and len(reference["prefix"]) == 1024
    assert "above the limit" in reference["reason"]


def test_an_output_the_producer_refuses_counts_against_its_record(broker: Broker) -> None:
    """A handler's output above the producer's record limit: the record is retried, then
    dead-lettered (whole, it is small itself), and the stream moves on."""
    kit = RuntimeKit(broker, max_event_bytes=64 * 1024)
    source, output = kit.topic("in", 1), kit.topic("out", 1)

    async def inflate(record: Any) -> None:
        value = record.value * (200 * 1024) if record.value == b"x" else record.value
        await kit.producer.send(output, value, key=record.key)

    stream = kit.streams.stream("inflate", [source], inflate)

    async def run() -> tuple[list[Any], list[Any]]:
        async with kit.running(stream):
            produce(broker.bootstrap, source, [b"x", SENTINEL], keys=[b"k"] * 2)
            out = await read_all(broker.bootstrap, output, expect=1)
            return out, await read_all(broker.bootstrap, kit.dead_letter_topic, expect=1)

    out, [letter] = asyncio.run(run())
    assert values(out) == [SENTINEL]
    assert letter.value == b"x"
    assert b"MessageSizeTooLarge" in headers(letter)[HEADER_REASON]


def test_a_transient_failure_is_retried_without_limit_and_never_skipped(broker: Broker) -> None:
    kit = RuntimeKit(broker)
    source, output = kit.topic("in", 1), kit.topic("out", 1)
    failures = {"count": 0}

    def broker_down_for_a_while(value: bytes) -> None:
        if value == b"x" and failures["count"] < POISON_ATTEMPTS + 2:
            failures["count"] += 1
            raise TransientError("the target timed out")

    stream = kit.streams.stream("transient", [source], forwarding(kit, output, broker_down_for_a_while))

    async def run() -> list[Any]:
        async with kit.running(stream):
            produce(broker.bootstrap, source, [b"x", SENTINEL], keys=[b"k"] * 2)
            return await read_all(broker.bootstrap, output, expect=2, within_s=60)

    out = asyncio.run(run())
    assert until_sentinel(out) == [b"x", SENTINEL]
    assert failures["count"] == POISON_ATTEMPTS + 2
    assert kit.metrics.dead_letters.labels(stream="transient")._value.get() == 0


def test_stopping_cuts_a_backoff_short_and_commits_nothing_for_the_batch(broker: Broker) -> None:
    """A stream losing its partitions (or stopping) does not sit out a back-off first, and the
    next owner gets the records it never finished."""
    kit = RuntimeKit(broker)
    source, output = kit.topic("in", 1), kit.topic("out", 1)
    failures = {"count": 0}
    failed_often = asyncio.Event()

    def always_down(value: bytes) -> None:
        failures["count"] += 1
        if failures["count"] >= 4:
            failed_often.set()
        raise TransientError("down")

    first = kit.streams.stream("owner", [source], forwarding(kit, output, always_down))
    second = kit.streams.stream("owner", [source], forwarding(kit, output, lambda value: None))

    async def run() -> tuple[float, list[Any]]:
        async with kit.running(first):
            produce(broker.bootstrap, source, [b"x", SENTINEL], keys=[b"k"] * 2)
            await asyncio.wait_for(failed_often.wait(), 60)
            started = time.monotonic()
            await first.stop()
            stopped_in = time.monotonic() - started
        async with kit.running(second):
            return stopped_in, await read_all(broker.bootstrap, output, expect=2)

    stopped_in, out = asyncio.run(run())
    assert stopped_in < 3
    assert until_sentinel(out) == [b"x", SENTINEL]


def test_a_store_partition_is_rebuilt_from_its_changelog_and_from_scratch_when_ahead(
    broker: Broker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kit = RuntimeKit(broker)
    source, output = kit.topic("in", 1), kit.topic("out", 1)
    changelog = kit.topic("in.state", 1)

    async def write_through_a_stream() -> None:
        store = PartitionedStore("counts", tmp_path / "a", source, changelog, kit.clients)

        async def count(record: Any) -> None:
            tx = store.partition(record.partition)
            counted = str(int(tx.get(record.key) or b"0") + 1).encode()
            tx.put(record.key, counted)
            await kit.producer.send(output, counted, key=record.key)

        stream = kit.streams.stream("counts", [source], count, stores=[store])
        async with kit.running(stream):
            produce(broker.bootstrap, source, [b"v"] * 30, keys=[b"a", b"b", b"c"] * 10)
            await read_all(broker.bootstrap, output, expect=30)  # all counted, checkpoint included
        store.close()

    async def recover(root: Path, topic: str) -> dict[bytes, bytes | None]:
        store = PartitionedStore("counts", root, source, topic, kit.clients)
        store.assign([0])
        await asyncio.wait_for(store.wait_ready(0), 30)
        found = {key: store.partition(0).get(key) for key in (b"a", b"b", b"c", b"d")}
        store.close()
        return found

    asyncio.run(write_through_a_stream())
    assert asyncio.run(recover(tmp_path / "empty", changelog)) == {
        b"a": b"10",
        b"b": b"10",
        b"c": b"10",
        b"d": None,
    }
    newer_broker = kit.topic("fresh.state", 1)
    produce(broker.bootstrap, newer_broker, [b"1"], keys=[b"d"])
    with caplog.at_level(logging.WARNING, logger="runtime.state"):
        rebuilt = asyncio.run(recover(tmp_path / "a", newer_broker))
    assert rebuilt == {b"a": None, b"b": None, b"c": None, b"d": b"1"}
    assert "past the end" in caplog.text and "rebuilding it from the changelog" in caplog.text
