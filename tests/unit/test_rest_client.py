"""The Python client's input forms and its errors (the calls themselves are integration tests)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from app.broker import free_port
from app.client import LineageIntegratorClient, LineageIntegratorError
from schemas.event_bytes import NotAnEvent, event_bytes
from schemas.json_text import dump_json
from schemas.openlineage import parse_event
from tests.support.events import run_event


def test_every_form_of_an_event_gives_its_json() -> None:
    event = run_event("j")
    assert orjson.loads(event_bytes(event)) == event
    assert event_bytes(orjson.dumps(event)) == orjson.dumps(event)
    assert event_bytes(orjson.dumps(event).decode()) == orjson.dumps(event)
    assert orjson.loads(event_bytes(parse_event(event))) == event
    with pytest.raises(NotAnEvent):
        event_bytes(42)


def test_official_client_events_use_the_official_serialisation() -> None:
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState

    run_id = str(uuid.uuid4())
    official = RunEvent(
        eventType=RunState.START,
        eventTime=datetime.now(UTC).isoformat(),
        run=Run(runId=run_id),
        job=Job(namespace="ns", name="j"),
        producer="https://example.com/p",
    )
    parsed = parse_event(event_bytes(official))
    assert parsed.run_id == run_id
    assert parsed.schemaURL is not None


def test_big_integers_survive() -> None:
    assert dump_json({"n": 2**70}) == b'{"n":1180591620717411303424}'


def test_error_carries_the_server_errors() -> None:
    error = LineageIntegratorError(400, [{"path": "$.run.runId", "message": "must be a UUID"}], {})
    assert error.status == 400
    assert str(error) == "HTTP 400: $.run.runId: must be a UUID"


def test_an_unreachable_server_is_a_clear_error() -> None:
    client = LineageIntegratorClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(LineageIntegratorError) as error:
        client.publish(run_event("j"))
    assert error.value.status is None
    assert "cannot reach" in str(error.value)
