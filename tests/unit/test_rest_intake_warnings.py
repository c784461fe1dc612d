"""Accepted with a warning (issue 17): a stored event whose `eventTime` names no time zone, and a
body sent under a Content-Type that is not JSON, are answered 200 as usual with a
`Warning: 299 lineage-integrator "..."` header (RFC 7234 section 5.5) saying what was assumed.
The views and server are the worker's (tests/support/rest_server.py); only publishing records.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from app.web.lineage_intake import content_type_warning, is_json_media_type, warning_headers, zoneless_warning
from schemas.openlineage import has_time_zone, parse_event
from tests.support.events import encoded, run_event
from tests.support.rest_server import EGERIA, RecordingPublisher, RunningServer, running_intake

ZONELESS = "2021-11-03T10:53:52.427343"
ZONELESS_WARNING = '299 lineage-integrator "eventTime has no time zone: read as UTC"'


@pytest.fixture(scope="module")
def intake() -> Iterator[tuple[RunningServer, RecordingPublisher]]:
    with running_intake() as running:
        yield running


def event(job: str, event_time: str | None = None) -> bytes:
    given = run_event(job)
    if event_time is not None:
        given["eventTime"] = event_time
    return encoded(given)


@pytest.mark.parametrize(
    ("value", "zoned"),
    [
        ("2024-01-31T12:00:00Z", True),
        ("2024-01-31t12:00:00z", True),
        ("2024-01-31T12:00:00.123456789+02:00", True),
        ("2024-01-31T12:00:00-05:30", True),
        (ZONELESS, False),
        ("2024-01-31 12:00:00", False),
    ],
)
def test_the_schema_says_whether_an_event_time_names_its_zone(value: str, zoned: bool) -> None:
    assert has_time_zone(value) is zoned
    assert parse_event(event("j", value)).event_time_has_zone is zoned


def test_a_zoneless_event_time_is_stored_and_answered_with_a_warning(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    server, publisher = intake
    before = len(publisher.events)
    answer = server.post("/api/v1/lineage", event("legacy", ZONELESS))
    assert answer.status == 200, answer.body
    assert answer.headers["warning"] == ZONELESS_WARNING
    assert len(publisher.events) == before + 1
    assert orjson.loads(publisher.events[-1].raw)["eventTime"] == ZONELESS  # the bytes as sent

    on_egeria = server.post(EGERIA + "/publish-open-lineage-event", event("legacy", ZONELESS))
    assert on_egeria.status == 200 and on_egeria.headers["warning"] == ZONELESS_WARNING


def test_the_official_clients_request_gets_no_warning(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    server, _ = intake
    for content_type in ("application/json", "application/json; charset=utf-8", "application/vnd.ol+json"):
        answer = server.post("/api/v1/lineage", event("zoned"), {"Content-Type": content_type})
        assert answer.status == 200, answer.body
        assert "warning" not in answer.headers, content_type


@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        ("text/plain", "Content-Type text/plain"),
        ("application/x-www-form-urlencoded", "Content-Type application/x-www-form-urlencoded"),
        ('text/html"; q=1', "Content-Type text/html?"),
        ("", "no Content-Type"),
    ],
)
def test_a_body_under_another_content_type_is_read_as_json_with_a_warning(
    intake: tuple[RunningServer, RecordingPublisher], content_type: str, said: str
) -> None:
    server, _ = intake
    answer = server.post("/api/v1/lineage", event("curl"), {"Content-Type": content_type})
    assert answer.status == 200, answer.body
    assert answer.headers["warning"] == (
        f'299 lineage-integrator "{said}, not application/json: the body was read as JSON"'
    )


def test_a_batch_names_its_zoneless_events_and_both_warnings_are_given(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    server, _ = intake
    invalid = orjson.dumps({"eventType": "START", "eventTime": ZONELESS})
    body = b"[" + b",".join([event("a"), event("b", ZONELESS), invalid, event("d", ZONELESS)]) + b"]"
    answer = server.post("/api/v1/lineage/batch", body, {"Content-Type": "text/plain"})
    assert answer.status == 200, answer.body
    assert answer.json()["status"] == "partial_success"
    assert answer.headers["warning"] == (
        '299 lineage-integrator "Content-Type text/plain, not application/json: the body was read as JSON", '
        '299 lineage-integrator "eventTime has no time zone in events 1, 3: read as UTC"'
    )
    zoned = server.post("/api/v1/lineage/batch", b"[" + event("a") + b"]")
    assert zoned.status == 200 and "warning" not in zoned.headers


def test_a_refused_request_carries_no_warning(intake: tuple[RunningServer, RecordingPublisher]) -> None:
    server, _ = intake
    answer = server.post(
        "/api/v1/lineage", orjson.dumps({"eventTime": ZONELESS}), {"Content-Type": "text/plain"}
    )
    assert answer.status == 400
    assert "warning" not in answer.headers


def test_warning_values() -> None:
    assert is_json_media_type("Application/JSON ; charset=UTF-8")
    assert not is_json_media_type("application/jsonp") and not is_json_media_type("+json")
    assert content_type_warning("application/problem+json") is None
    assert warning_headers(None, None) == {}
    assert warning_headers("x") == {"Warning": '299 lineage-integrator "x"'}
    assert zoneless_warning([]) is None
    assert zoneless_warning(list(range(12))) == (
        "eventTime has no time zone in events 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more: read as UTC"
    )
