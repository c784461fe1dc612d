"""The OpenLineage batch answer."""

from __future__ import annotations

from app.web.lineage_intake import batch_answer
from schemas.errors import FieldError


def test_all_accepted_is_success() -> None:
    body, status = batch_answer(3, {})
    assert status == 200
    assert body == {
        "status": "success",
        "summary": {"received": 3, "successful": 3, "failed": 0, "retriable": 0, "non_retriable": 0},
        "failed_events": [],
    }


def test_some_refused_is_partial_success_with_indexes_and_reasons() -> None:
    failed = {
        2: ([FieldError("$.run.runId", "must be a UUID")], False),
        0: ([FieldError("$", "could not be stored: timeout")], True),
    }
    body, status = batch_answer(4, failed)
    assert status == 200
    assert body["status"] == "partial_success"
    assert body["summary"] == {
        "received": 4,
        "successful": 2,
        "failed": 2,
        "retriable": 1,
        "non_retriable": 1,
    }
    assert [f["index"] for f in body["failed_events"]] == [0, 2]
    assert body["failed_events"][1]["reason"] == "$.run.runId: must be a UUID"
    assert body["failed_events"][1]["errors"] == [{"path": "$.run.runId", "message": "must be a UUID"}]


def test_nothing_accepted_is_an_error_naming_each_event() -> None:
    body, status = batch_answer(
        2, {0: ([FieldError("$.eventTime", "bad")], False), 1: ([FieldError("$", "x")], False)}
    )
    assert status == 400
    assert body["status"] == "failure"
    assert [e["path"] for e in body["errors"]] == ["$[0].eventTime", "$[1]"]


def test_nothing_stored_because_of_the_broker_is_a_503() -> None:
    _, status = batch_answer(1, {0: ([FieldError("$", "could not be stored")], True)})
    assert status == 503


def test_an_empty_batch_is_a_success() -> None:
    assert batch_answer(0, {})[0]["status"] == "success"
