"""No record stalls a partition (issue 18): each poison record on the OpenLineage topic, then a
valid event with the same key, on the same partition, which must reach the connectors within
10 seconds (the file log store, a default connector, has written it); the poison is
dead-lettered (by reference when it is too large to carry).
"""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from runtime.dead_letters import HEADER_KIND, HEADER_REASON, HEADER_SOURCE_TOPIC
from tests.conftest import WorkerFactory
from tests.support.events import encoded, run_event
from tests.support.kafka import Broker, produce, read_to_end
from tests.support.poison_records import KEY, POISON, TOO_LARGE
from tests.support.workers import wait_until


def internal_topic(env: dict[str, str]) -> str:
    return (
        f"{env['LINEAGE_TOPIC_ROOT']}.server.{env['LINEAGE_SERVER_NAME']}.omis.lineageintegrator.openlineage"
    )


def dead_letter_topic(env: dict[str, str]) -> str:
    return (
        f"{env['LINEAGE_TOPIC_ROOT']}.server.{env['LINEAGE_SERVER_NAME']}.omis.lineageintegrator.deadletter"
    )


@pytest.mark.parametrize("kind", sorted(POISON))
def test_a_poison_record_does_not_hold_back_the_next_event_on_its_partition(
    kind: str, broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    worker = workers()
    worker.wait_ready()
    source = server_env["LINEAGE_OPENLINEAGE_TOPICS"]
    valid = run_event("after-the-poison", namespace="poison")
    started = time.monotonic()
    produce(broker.bootstrap, source, [POISON[kind], encoded(valid)], keys=[KEY, KEY])

    # The worker runs the default connectors (no LINEAGE_CONNECTORS): the file log store writes
    # each event to <LINEAGE_DATA_DIR>/open-lineage-log/<namespace>/<job>/<runId>-<time>-<type>.openlineageevent.
    log = worker.data_dir / "open-lineage-log" / "poison" / "after-the-poison"

    def delivered() -> list[Path]:
        return sorted(log.glob(f"{valid['run']['runId']}-*-START.openlineageevent"))

    [written] = wait_until(
        delivered, timeout=10, interval=0.2, message=f"the event after {kind} was held back"
    )
    assert time.monotonic() - started < 10
    assert orjson.loads(written.read_bytes()) == valid
    assert any(
        r.value and orjson.loads(r.value)["run"]["runId"] == valid["run"]["runId"]
        for r in read_to_end(broker.bootstrap, internal_topic(server_env))
    )

    letters = [r for r in read_to_end(broker.bootstrap, dead_letter_topic(server_env)) if r.headers]
    assert len(letters) == 1
    [letter] = letters
    assert letter.headers[HEADER_SOURCE_TOPIC] == source.encode()
    assert letter.headers[HEADER_REASON]
    if kind == "larger than any topic accepts":
        assert letter.headers[HEADER_KIND] == b"reference"
        reference = orjson.loads(letter.value or b"")
        assert reference["size"] == len(TOO_LARGE)
        assert reference["prefix"].startswith('{"eventType":"START"')
    else:
        assert letter.value == POISON[kind]
