"""Asset Manager out-topic events reach the connectors listening for them: engine action
status changes become OpenLineage run events that every other connector receives."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson

from runtime.dead_letters import HEADER_REASON
from tests.conftest import WorkerFactory
from tests.support.connectors import connector_env, write_connectors_file
from tests.support.kafka import Broker, consume, create_topic, produce
from tests.support.workers import wait_until


def engine_action_event(
    guid: str, status: str, previous: str | None, time_ms: int, **props: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventVersionId": 1,
        "eventType": "ELEMENT_UPDATED",
        "eventTime": time_ms,
        "elementHeader": {
            "class": "ElementHeader",
            "guid": guid,
            "type": {"typeName": "EngineAction", "superTypeNames": ["Referenceable"]},
        },
        "elementProperties": {
            "actionStatus": status,
            "processName": "cleanse",
            "governanceActionTypeName": "validate-step",
            **props,
        },
    }
    if previous is not None:
        event["previousElementProperties"] = {"actionStatus": previous}
    return event


def test_engine_action_status_changes_become_openlineage_run_events(
    broker: Broker, workers: WorkerFactory, server_env: dict[str, str], tmp_path: Path
) -> None:
    root, server = server_env["LINEAGE_TOPIC_ROOT"], "ams1"
    out_topic = f"{root}.server.{server}.omas.assetmanager.outTopic"
    create_topic(broker.bootstrap, out_topic)
    store = tmp_path / "store"
    connectors = write_connectors_file(
        tmp_path / "connectors.yaml",
        [
            {"name": "file-log-store", "settings": {"directory": str(store)}},
            {"name": "governance-action-publisher"},
        ],
    )
    worker = workers({**connector_env(connectors), "LINEAGE_ASSET_MANAGER_SERVERS": server})
    worker.wait_ready()

    guid = str(uuid.uuid4())
    start_ms = 1_700_000_000_000
    events = [
        engine_action_event(guid, "In Progress", "Approved", start_ms, startTime=start_ms),
        engine_action_event(guid, "In Progress", "In Progress", start_ms + 10),  # no change: nothing
        engine_action_event(
            guid,
            "Actioned",
            "In Progress",
            start_ms + 5000,
            startTime=start_ms,
            completionTime=start_ms + 5000,
            completionGuards=["validated"],
        ),
        {"eventType": "NOT_AN_EVENT_TYPE"},
    ]
    produce(broker.bootstrap, out_topic, [orjson.dumps(e) for e in events])

    folder = store / "cleanse" / "validate-step"
    files = wait_until(
        lambda: len(list(folder.glob(f"{guid}-*"))) >= 2 and sorted(folder.glob(f"{guid}-*")), timeout=60
    )
    assert sorted(f.name.rsplit("-", 1)[1] for f in files) == [
        "COMPLETE.openlineageevent",
        "START.openlineageevent",
    ]
    complete = orjson.loads(
        next(f for f in files if f.name.endswith("COMPLETE.openlineageevent")).read_bytes()
    )
    assert complete["run"]["runId"] == guid
    assert complete["outputs"] == [{"namespace": "cleanse", "name": "validated"}]
    assert complete["run"]["facets"]["nominalTime"]["nominalEndTime"].startswith("2023-11-14T22:13:25")

    dead_letters = f"{root}.server.{server_env['LINEAGE_SERVER_NAME']}.omis.lineageintegrator.deadletter"
    [letter] = consume(broker.bootstrap, dead_letters, expect=1, timeout=60)
    assert "$.eventType" in letter.headers[HEADER_REASON].decode()
    report = worker.get("/api/v1/connectors").json()["connectors"]
    publisher = next(c for c in report if c["name"] == "governance-action-publisher")
    assert publisher["listensTo"]["assetManager"] == ["ELEMENT_UPDATED", "NEW_ELEMENT_CREATED"]
    assert len(list(folder.glob(f"{guid}-*"))) == 2
