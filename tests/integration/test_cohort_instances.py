"""Reference copies under a crash: 10,000 instance events, a SIGKILL in the middle, nothing lost."""

from __future__ import annotations

import time
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition

from agents.cohort_intake import route
from agents.cohort_reference_copies import CopyPolicy, decide
from schemas.omrs import OMRSInstanceEventType, parse_omrs_event
from schemas.open_metadata_types import LINEAGE_TYPE_NAMES
from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, create_topic, produce
from tests.support.omrs_events import (
    Member,
    cohort_topic,
    encoded,
    entity,
    entity_event,
    internal_topic,
    lineage_history,
    server_member,
)
from tests.support.workers import WorkerProcess

_I = OMRSInstanceEventType
EVENTS = 10_000


def expected_copies(raws: list[bytes], policy: CopyPolicy, cohort: str = "testCohort") -> dict[str, Any]:
    """The state a run without any crash ends in: the records routed as the intake routes them,
    each applied by the same rules, in order."""
    state: dict[str, Any] = {}
    for raw in raws:
        for piece in route(parse_omrs_event(raw), raw):
            decision = decide(state.get(piece.key), parse_omrs_event(piece.value), piece.key, cohort, policy)
            if decision.outcome == "store" and decision.record is not None:
                state[piece.key] = decision.record
    return state


class ChangelogTail:
    """The latest value per key of a changelog topic, read by a plain consumer (no end offsets)."""

    def __init__(self, bootstrap: str, topic: str):
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_bytes=32 * 1024 * 1024,
            max_partition_fetch_bytes=32 * 1024 * 1024,
        )
        self.topic = topic
        self.assigned = False
        self.state: dict[str, Any] = {}
        self.records = 0

    def poll(self) -> dict[str, Any]:
        if not self.assigned:
            partitions = self.consumer.partitions_for_topic(self.topic)
            if not partitions:
                return self.state
            tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            self.consumer.assign(tps)
            self.consumer.seek_to_beginning(*tps)
            self.assigned = True
        for batch in self.consumer.poll(timeout_ms=500, max_records=20_000).values():
            for record in batch:
                self.records += 1
                key = record.key.decode()
                if record.value is None:
                    self.state.pop(key, None)
                else:
                    self.state[key] = orjson.loads(record.value)
        return self.state

    def wait_for(self, expected: dict[str, Any], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.poll() == expected:
                return self.state
        missing = [k for k in expected if self.state.get(k) != expected[k]]
        raise AssertionError(f"{len(missing)} of {len(expected)} copies differ, e.g. {missing[:3]}")

    def close(self) -> None:
        self.consumer.close()


def instances_handled(worker: WorkerProcess) -> float:
    try:
        text = worker.get("/metrics", timeout=2).text
    except Exception:
        return 0.0
    for line in text.splitlines():
        if line.startswith('lineage_events_in_total{stream="cohort-instances"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_ten_thousand_events_with_a_sigkill_end_exactly_as_without_and_old_versions_never_win(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    topic = cohort_topic(server_env, "instances")
    for kind in ("registration", "types", "instances"):
        create_topic(broker.bootstrap, cohort_topic(server_env, kind), partitions=4)
    egeria = Member("cocoMDS2")
    raws = [encoded(e) for e in lineage_history(egeria, EVENTS, seed=11)]
    policy = CopyPolicy(server_member(server_env).collection_id, frozenset(LINEAGE_TYPE_NAMES))
    expected = expected_copies(raws, policy)
    assert len(expected) > 3000

    # Egeria keys every event with its server: one inbound partition, per-guid order kept by re-keying.
    produce(broker.bootstrap, topic, raws, keys=[egeria.server_name.encode()] * len(raws))
    first = workers()
    deadline = time.monotonic() + 120
    while instances_handled(first) < EVENTS * 0.3:
        assert time.monotonic() < deadline, first.log_tail()
        time.sleep(0.2)
    first.kill()  # SIGKILL: no commit, no flush, no goodbye

    second = workers()
    tail = ChangelogTail(broker.bootstrap, internal_topic(server_env, "cohort.referencecopies"))
    try:
        state = tail.wait_for(expected, timeout=180)
        assert state == expected
        assert "Recovered reference copies" in second.log_text()

        # An older version delivered after a newer one never replaces it.
        guid = "0a0a0a0a-0000-4000-8000-0000000000aa"
        newer, older = entity(guid, "DataFile", 3, egeria), entity(guid, "DataFile", 2, egeria)
        late = [
            entity_event(egeria, _I.NEW_ENTITY_EVENT, entity(guid, "DataFile", 1, egeria)),
            entity_event(egeria, _I.UPDATED_ENTITY_EVENT, newer),
            entity_event(egeria, _I.UPDATED_ENTITY_EVENT, older),
        ]
        produce(broker.bootstrap, topic, [encoded(e) for e in late], keys=[b"a", b"b", b"c"])
        deadline = time.monotonic() + 60
        while tail.poll().get(guid, {}).get("version") != 3:
            assert time.monotonic() < deadline, tail.state.get(guid)
        time.sleep(3.0)
        assert tail.poll()[guid]["version"] == 3
        assert (
            tail.state[guid]["instance"]["properties"]["instanceProperties"]["description"]["primitiveValue"]
            == "version 3"
        )
    finally:
        tail.close()
