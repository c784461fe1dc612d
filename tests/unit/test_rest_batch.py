"""A batch: its items checked (`check_batch`) and the OpenLineage batch answer."""

from __future__ import annotations

import json
import uuid
from typing import Any

import orjson
import pytest

from app.web.lineage_intake import batch_answer, check_batch
from app.web.responses import RequestError
from schemas.errors import MAX_ERRORS, FieldError
from tests.support.events import run_event

MAX = 4 * 1024 * 1024


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
    assert body["failed_events"] == [
        {"index": 0, "reason": "not stored, retry: see errors at $[0]", "retriable": True},
        {"index": 2, "reason": "refused: 1 problem, listed in errors at $[2]", "retriable": False},
    ]
    assert body["errors"] == [
        {"path": "$[0]", "message": "could not be stored: timeout"},
        {"path": "$[2].run.runId", "message": "must be a UUID"},
    ]


def test_nothing_accepted_is_an_error_naming_each_event() -> None:
    body, status = batch_answer(
        2, {0: ([FieldError("$.eventTime", "bad")], False), 1: ([FieldError("$", "x")], False)}
    )
    assert status == 400
    assert body["status"] == "failure"
    assert [e["path"] for e in body["errors"]] == ["$[0].eventTime", "$[1]"]


def test_errors_of_a_batch_are_bounded_and_listed_once() -> None:
    failed = {
        i: ([FieldError("$.eventTime", "bad"), FieldError("$.producer", "missing")], False) for i in range(80)
    }
    body, status = batch_answer(100, failed)
    assert status == 200
    assert len(body["errors"]) == MAX_ERRORS + 1
    assert body["errors"][-1]["message"].startswith("60 more errors")
    assert len({(e["path"], e["message"]) for e in body["errors"]}) == len(body["errors"])
    assert all("errors" not in f for f in body["failed_events"])


def test_nothing_stored_because_of_the_broker_is_a_503() -> None:
    _, status = batch_answer(1, {0: ([FieldError("$", "could not be stored")], True)})
    assert status == 503


def test_an_empty_batch_is_a_success() -> None:
    assert batch_answer(0, {})[0]["status"] == "success"


# --------------------------------------------------------------------------- check_batch


def _event(job: str, **extra: Any) -> dict[str, Any]:
    return run_event(job, run_id=str(uuid.uuid4()), **extra)


def test_items_are_validated_and_kept_as_the_bytes_sent() -> None:
    events = [_event("a"), _event("b")]
    pretty = b"[\n  " + b" ,\n  ".join(json.dumps(e, indent=1).encode() for e in events) + b"\n]\n"
    batch = check_batch(pretty, MAX)
    assert (batch.received, batch.failed) == (2, {})
    assert [batch.accepted[i].raw for i in (0, 1)] == [json.dumps(e, indent=1).encode() for e in events]
    assert batch.accepted[1].key == b"run:tests/b"


def test_refused_items_have_their_errors_at_their_index() -> None:
    bad = _event("bad")
    bad["eventTime"] = "yesterday"
    bad["run"]["runId"] = "42"
    batch = check_batch(orjson.dumps([_event("a"), bad, _event("c")]), MAX)
    assert sorted(batch.accepted) == [0, 2]
    errors, retriable = batch.failed[1]
    assert {e.path for e in errors} == {"$.eventTime", "$.run.runId"}
    assert retriable is False


def test_an_array_the_cut_cannot_split_is_loaded_with_the_same_answers() -> None:
    # Braces and separators inside strings: the items are read from the loaded array.
    tricky = _event("sql", tag='x},{"y":[1]},{')
    other = _event("other", note="}")
    bad = _event("bad", note="{")
    bad["eventTime"] = "yesterday"
    batch = check_batch(orjson.dumps([tricky, other, bad]), MAX)
    assert sorted(batch.accepted) == [0, 1]
    assert orjson.loads(batch.accepted[0].raw) == tricky
    assert batch.accepted[0].raw == orjson.dumps(tricky)
    assert [e.path for e in batch.failed[2][0]] == ["$.eventTime"]


def test_items_that_are_not_objects() -> None:
    batch = check_batch(b"[" + orjson.dumps(_event("a")) + b', 1, "x", [], null]', MAX)
    assert sorted(batch.accepted) == [0]
    assert batch.received == 5
    assert {i: [str(e) for e in errors] for i, (errors, _) in batch.failed.items()} == {
        i: ["$: an OpenLineage event must be a JSON object"] for i in (1, 2, 3, 4)
    }


def test_an_item_above_the_event_limit_is_refused_alone() -> None:
    small, large = _event("small"), _event("large", padding="x" * 2000)
    batch = check_batch(orjson.dumps([small, large]), 1500)
    assert sorted(batch.accepted) == [0]
    assert "above the limit of 1500 bytes" in batch.failed[1][0][0].message


def test_bodies_that_are_no_json_array() -> None:
    event = orjson.dumps(_event("a"))
    for body in (b"", b"[", b"[" + event + b",{", b"[" + event + b", {not json}, " + event + b"]"):
        with pytest.raises(RequestError) as refused:
            check_batch(body, MAX, "text/plain")
        assert refused.value.status == 415, body
        assert "not JSON (Content-Type text/plain)" in refused.value.errors[0].message
    with pytest.raises(RequestError) as not_array:
        check_batch(event, MAX)
    assert not_array.value.status == 400
    assert "JSON array" in not_array.value.errors[0].message
    assert check_batch(b" [ ] ", MAX).received == 0
