"""Reference copies under a crash: 5,000 instance events, a SIGKILL in the middle, nothing lost.

The expectation is not computed by the rules under test: it is what the publishing member
holds once it has published everything, as the event generator tracked it
(`LineageHistory`). Egeria's rule, that a reference copy follows its home's newest version,
makes that the state every member must end at, whatever duplicates and stale re-sends came
in between. The copies are read back through Egeria's repository services REST API.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from schemas.omrs import OMRSInstanceEventType
from tests.conftest import WorkerFactory
from tests.support.kafka import Broker, create_topic, produce
from tests.support.omrs_events import Member, cohort_topic, encoded, entity, entity_event, lineage_history
from tests.support.repository import Repository
from tests.support.workers import WorkerProcess, wait_until

_I = OMRSInstanceEventType
EVENTS = 5_000


def events_handled(worker: WorkerProcess) -> float:
    try:
        text = worker.get("/metrics", timeout=2).text
    except requests.RequestException:
        return 0.0
    for line in text.splitlines():
        if line.startswith('lineage_events_in_total{stream="cohort"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def description(instance: dict[str, Any]) -> Any:
    props = (instance.get("properties") or {}).get("instanceProperties") or {}
    return (props.get("description") or {}).get("primitiveValue")


def test_five_thousand_events_with_a_sigkill_end_as_the_member_holds_them_and_old_versions_never_win(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str]
) -> None:
    topic = cohort_topic(server_env, "instances")
    for kind in ("registration", "types", "instances"):
        create_topic(broker.bootstrap, cohort_topic(server_env, kind), partitions=4)
    egeria = Member("cocoMDS2")
    history = lineage_history(egeria, EVENTS, seed=11)
    assert len(history.entities) > 1500 and len(history.relationships) > 800 and len(history.removed) > 100

    # Egeria keys every event with its server: all of one member's events on one partition.
    produce(
        broker.bootstrap,
        topic,
        [encoded(e) for e in history.events],
        keys=[b"cocoMDS2"] * len(history.events),
    )
    first = workers()
    deadline = time.monotonic() + 180
    while events_handled(first) < len(history.events) * 0.3:
        assert time.monotonic() < deadline, first.log_tail()
        time.sleep(0.2)
    first.kill()  # SIGKILL: no commit, no flush, no goodbye

    again = workers(data_dir=first.data_dir)  # the same replica, back with its state as the crash left it
    again.wait_ready(timeout=240)
    repo = Repository(again, server_env["LINEAGE_SERVER_NAME"])
    sentinel = entity("0b0b0b0b-0000-4000-8000-0000000000bb", "DataFile", 1, egeria)
    produce(
        broker.bootstrap,
        topic,
        [encoded(entity_event(egeria, _I.NEW_ENTITY_EVENT, sentinel))],
        keys=[b"cocoMDS2"],
    )
    wait_until(lambda: repo.entity(sentinel.guid or ""), timeout=240, message="the sentinel never arrived")

    wrong: list[str] = []
    for guid, detail in history.entities.items():
        held = repo.entity(guid)
        if (
            held is None
            or held["version"] != detail.version
            or description(held)
            != (
                detail.properties.instance_properties["description"].primitive_value  # type: ignore[union-attr]
                if detail.properties
                and detail.properties.instance_properties
                and "description" in detail.properties.instance_properties
                else None
            )
        ):
            wrong.append(f"entity {guid}: {held and held['version']} != {detail.version}")
    for guid, rel in history.relationships.items():
        held_rel = repo.relationship(guid)
        if held_rel is None or held_rel["version"] != rel.version:
            wrong.append(f"relationship {guid}: {held_rel and held_rel['version']} != {rel.version}")
    for guid in history.removed:
        if repo.entity(guid) is not None:
            wrong.append(f"entity {guid} was purged or re-identified away, yet is held")
    assert not wrong, f"{len(wrong)} instances differ from what the member holds, e.g. {wrong[:5]}"

    # An older version delivered after a newer one never replaces it.
    guid = "0a0a0a0a-0000-4000-8000-0000000000aa"
    late = [
        entity_event(egeria, _I.NEW_ENTITY_EVENT, entity(guid, "DataFile", 1, egeria)),
        entity_event(egeria, _I.UPDATED_ENTITY_EVENT, entity(guid, "DataFile", 3, egeria)),
        entity_event(egeria, _I.UPDATED_ENTITY_EVENT, entity(guid, "DataFile", 2, egeria)),
    ]
    last = entity("0c0c0c0c-0000-4000-8000-0000000000cc", "DataFile", 1, egeria)
    late.append(entity_event(egeria, _I.NEW_ENTITY_EVENT, last))
    produce(broker.bootstrap, topic, [encoded(e) for e in late], keys=[b"cocoMDS2"] * len(late))
    wait_until(lambda: repo.entity(last.guid or ""), timeout=60)
    assert (repo.entity(guid) or {}).get("version") == 3
