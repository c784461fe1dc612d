"""The REST intake views on a real aiohttp server (tests/support/rest_server.py): each finding of
issue 18 that REST can meet, as a request, with what the answer and the log must be.

Publishing is a recording callable (the views take it as a plain async callable); everything
before it - token, server name, body reading, strict decoding, validation, the answer - is
the code the worker runs, over real sockets. Events from the official openlineage-python
client are the outside truth of what a valid event is.
"""

from __future__ import annotations

import gc
import gzip
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from app.web import responses
from app.web.responses import KEEPALIVE_TIMEOUT_S, server_options
from schemas.errors import MAX_ERRORS
from tests.support.events import encoded, run_event
from tests.support.raw_http import request_bytes, rss_bytes
from tests.support.rest_server import (
    EGERIA,
    SERVER,
    TOKEN,
    RecordingPublisher,
    RunningServer,
    intake_app,
    intake_settings,
    running_intake,
)

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def intake() -> Iterator[tuple[RunningServer, RecordingPublisher]]:
    with running_intake() as running:
        yield running


def errors_of(answer: Any) -> list[tuple[str, str]]:
    return [(e["path"], e["message"]) for e in answer.json()["errors"]]


def official_event(job: str) -> bytes:
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.serde import Serde

    event = RunEvent(
        eventType=RunState.START,
        eventTime="2026-01-01T00:00:00Z",
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace="rest-unit", name=job),
        producer="https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/python",
    )
    return Serde.to_json(event).encode()


def test_an_official_client_event_is_published_as_sent(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    server, publisher = intake
    body = official_event("valid")
    answer = server.post("/api/v1/lineage", body)
    assert answer.status == 200, answer.body
    assert answer.json() == {"status": "success", "key": "run:rest-unit/valid"}
    assert publisher.events[-1].raw == body


# --------------------------------------------------------------------------- finding 2


def test_an_escaped_lone_surrogate_in_a_job_name_is_a_400_at_its_path(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    """Issue 18, finding 2: this body got a 500 (UnicodeEncodeError in kafka_key)."""
    server, publisher = intake
    published = len(publisher.events)
    body = encoded(run_event("x")).replace(b'"name":"x"', b'"name":"x\\ud800y"')
    answer = server.post("/api/v1/lineage", body)
    assert answer.status == 400
    [(path, message)] = errors_of(answer)
    assert path == "$.job.name" and "lone surrogate" in message
    assert len(publisher.events) == published
    next_one = server.post("/api/v1/lineage", official_event("after-surrogate"))
    assert next_one.status == 200


def test_an_event_time_outside_the_calendar_in_utc_is_a_400_at_its_path(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    """A valid RFC 3339 time whose instant in UTC is before year 1: this body got a 500
    (OverflowError while reading the time)."""
    server, publisher = intake
    published = len(publisher.events)
    event = run_event("calendar")
    event["eventTime"] = "0001-01-01T00:00:00+23:59"
    for path, body in (
        ("/api/v1/lineage", encoded(event)),
        ("/api/v1/lineage/batch", b"[" + encoded(event) + b"]"),
    ):
        answer = server.post(path, body)
        assert answer.status == 400, answer.body
        assert [p for p, _ in errors_of(answer)] in (["$.eventTime"], ["$[0].eventTime"])
    assert len(publisher.events) == published


def test_a_lone_surrogate_in_a_dataset_name_is_refused_before_it_is_stored(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    """Issue 18, finding 2: in a dataset name it was accepted, and the cataloguer failed on it."""
    server, _ = intake
    event = run_event("ds", inputs=[{"namespace": "n", "name": "PLACEHOLDER"}])
    answer = server.post("/api/v1/lineage", encoded(event).replace(b"PLACEHOLDER", b"t\\udfffx"))
    assert answer.status == 400
    assert errors_of(answer)[0][0] == "$.inputs[0].name"


def test_a_batch_with_a_lone_surrogate_item_publishes_the_others(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    """Issue 18, finding 2: one such item made the whole batch a 500."""
    server, publisher = intake
    good = [encoded(run_event("batch-good")), encoded(run_event("batch-good-2"))]
    bad = encoded(run_event("x")).replace(b'"name":"x"', b'"name":"\\udc00"')
    published = len(publisher.events)
    answer = server.post("/api/v1/lineage/batch", b"[" + b",".join([good[0], bad, good[1]]) + b"]")
    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["status"] == "partial_success"
    assert [f["index"] for f in body["failed_events"]] == [1]
    assert [e["path"] for e in body["errors"]] == ["$[1].job.name"]
    assert [e.raw for e in publisher.events[published:]] == good


# --------------------------------------------------------------------------- finding 5


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_bodies_are_refused(
    intake: tuple[RunningServer, RecordingPublisher], codec: str
) -> None:
    """Issue 18, finding 5: they were accepted and forwarded as they were."""
    server, publisher = intake
    published = len(publisher.events)
    text = orjson.dumps(run_event("utf16")).decode()
    answer = server.post("/api/v1/lineage", text.encode(codec))
    assert answer.status == 415
    assert "must be UTF-8" in errors_of(answer)[0][1]
    batch = server.post("/api/v1/lineage/batch", f"[{text}]".encode(codec))
    assert batch.status == 415
    assert len(publisher.events) == published


def test_duplicate_keys_are_refused_at_their_path(intake: tuple[RunningServer, RecordingPublisher]) -> None:
    """Issue 18, finding 5: the last value was validated, both were forwarded."""
    server, publisher = intake
    published = len(publisher.events)
    body = encoded(run_event("dup")).replace(b'"name":"dup"', b'"name":"dup","name":"other"')
    answer = server.post("/api/v1/lineage", body)
    assert answer.status == 400
    assert [path for path, _ in errors_of(answer)] == ["$.job.name"]
    batch = server.post("/api/v1/lineage/batch", b"[" + body + b"]")
    assert batch.status == 400 and [e["path"] for e in batch.json()["errors"]] == ["$[0].job.name"]
    assert len(publisher.events) == published


# --------------------------------------------------------------------------- finding 4


def test_an_authorization_header_that_is_not_utf8_is_a_401(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    """Issue 18, finding 4: `Bearer s3cr\\xe9t` got a 500 with a traceback."""
    server, _ = intake
    for value in (
        b"Bearer s3cr\xe9t",
        b"Bearer \xff\xfe",
        b"\xe9\xe9 x",
        b"Bearer " + TOKEN.encode() + b"\xe9",
    ):
        raw = request_bytes("POST", "/api/v1/lineage", encoded(run_event("auth")), {"Authorization": value})
        answer = server.send(raw)
        assert answer.status == 401, value
        assert answer.json()["errors"][0]["path"] == "$"


# --------------------------------------------------------------------------- finding 6


def test_the_server_name_is_checked_after_the_token(intake: tuple[RunningServer, RecordingPublisher]) -> None:
    """Issue 18, finding 6: a wrong server name answered 404 naming this server, before the token."""
    server, _ = intake
    other = EGERIA.replace(SERVER, "someone-else") + "/api/v1/lineage"
    body = encoded(run_event("egeria"))
    unauthenticated = server.post(other, body, token=None)
    assert unauthenticated.status == 401
    assert SERVER not in unauthenticated.body.decode()
    wrong_token = server.post(other, body, token="nope")
    assert wrong_token.status == 401
    authenticated = server.post(other, body)
    assert authenticated.status == 404
    assert SERVER not in authenticated.body.decode()
    assert authenticated.json()["relatedHTTPCode"] == 404
    assert server.post(EGERIA + "/api/v1/lineage", body).status == 200


def test_unknown_routes_and_wrong_methods_answer_json(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    server, _ = intake
    missing = server.get("/api/v1/nothing-here")
    assert missing.status == 404 and missing.headers["content-type"].startswith("application/json")
    assert missing.json()["errors"][0]["path"] == "$"
    wrong = server.get("/api/v1/lineage")
    assert wrong.status == 405 and wrong.headers["allow"] == "POST"
    assert "GET" in wrong.json()["errors"][0]["message"]


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br", "x-custom"])
def test_unsupported_content_encodings_are_a_415(
    intake: tuple[RunningServer, RecordingPublisher], encoding: str
) -> None:
    server, _ = intake
    answer = server.post("/api/v1/lineage", b"\x1b\x00compressed?", {"Content-Encoding": encoding})
    assert answer.status == 415
    assert encoding in answer.json()["errors"][0]["message"]


def test_a_gzip_body_is_read_and_a_bomb_refused_early(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    server, publisher = intake
    body = official_event("gzipped")
    assert server.post("/api/v1/lineage", gzip.compress(body), {"Content-Encoding": "gzip"}).status == 200
    assert publisher.events[-1].raw == body
    bomb = gzip.compress(b" " * (200 * MiB))
    assert server.post("/api/v1/lineage", bomb, {"Content-Encoding": "gzip"}).status == 413


def wait_for(predicate: Any, timeout: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def idle(server: RunningServer) -> bool:
    """No connection open on the server: every request it got is finished, logs included."""
    runner = server._runner
    return runner is not None and runner.server is not None and not runner.server.connections


def test_a_corrupt_gzip_body_is_a_400_and_one_warning(
    intake: tuple[RunningServer, RecordingPublisher], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 18, finding 6: aiohttp logged "Unhandled exception" with a traceback."""
    server, _ = intake
    caplog.set_level(logging.INFO)
    for corrupt in (b"this is not gzip", gzip.compress(official_event("cut"))[:-12]):
        caplog.clear()
        answer = server.post("/api/v1/lineage", corrupt, {"Content-Encoding": "gzip"})
        assert answer.status == 400
        assert "gzip" in answer.json()["errors"][0]["message"]
        wait_for(lambda: idle(server), what="the request to finish")
        loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [(r.name, r.levelname) for r in loud] == [("app.web.responses", "WARNING")]
        assert all(r.exc_info is None for r in caplog.records)


def test_a_client_leaving_mid_body_is_one_info_line(
    intake: tuple[RunningServer, RecordingPublisher], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 18, finding 6: `read_body` logged an ERROR traceback (ConnectionResetError)."""
    server, publisher = intake
    caplog.set_level(logging.INFO)
    published = len(publisher.events)
    head = request_bytes("POST", "/api/v1/lineage", b"", {"Authorization": f"Bearer {TOKEN}"})
    head = head.replace(b"Content-Length: 0", b"Content-Length: 5000")
    with server.connect() as conn:
        conn.sendall(head + b'{"eventType":')
        wait_for(
            lambda: (
                any("closed the connection" in r.getMessage() for r in caplog.records) or not idle(server)
            ),
            what="the request to start",
        )
    wait_for(lambda: any("closed the connection" in r.getMessage() for r in caplog.records), what="the line")
    wait_for(lambda: idle(server), what="the request to finish")
    ours = [r for r in caplog.records if r.name == "app.web.responses"]
    assert [r.levelname for r in ours] == ["INFO"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    assert len(publisher.events) == published


def test_server_options_set_the_timeouts() -> None:
    options = server_options()
    assert options["keepalive_timeout"] == KEEPALIVE_TIMEOUT_S < 3630  # aiohttp's default
    assert options["auto_decompress"] is False


def test_a_body_that_does_not_arrive_in_time_is_a_408(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(responses, "BODY_READ_TIMEOUT_S", 0.5)
    with running_intake() as (server, _):
        head = request_bytes("POST", "/api/v1/lineage", b"", {"Authorization": f"Bearer {TOKEN}"})
        with server.connect() as conn:
            conn.sendall(head.replace(b"Content-Length: 0", b"Content-Length: 100") + b"{")
            answer = read_with(conn)
        assert answer.status == 408
        assert "did not arrive" in answer.json()["errors"][0]["message"]


def read_with(conn: socket.socket) -> Any:
    from tests.support.raw_http import read_answer

    return read_answer(conn)


def test_an_idle_connection_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(responses, "KEEPALIVE_TIMEOUT_S", 0.5)
    with running_intake() as (server, _), server.connect(timeout=20) as conn:
        started = time.monotonic()
        assert conn.recv(1) == b""  # the server closed it
        assert time.monotonic() - started < 15


def test_a_broker_that_does_not_acknowledge_is_a_503() -> None:
    with running_intake() as (server, publisher):
        publisher.refuse = True
        answer = server.post("/api/v1/lineage", official_event("no-broker"))
        assert answer.status == 503 and answer.headers["retry-after"] == "5"
        batch = server.post("/api/v1/lineage/batch", b"[" + official_event("no-broker") + b"]")
        assert batch.status == 503 and batch.json()["failed_events"][0]["retriable"] is True


# --------------------------------------------------------------------------- finding 3


def empty_facets_event(datasets: int, facets: int) -> bytes:
    """~4 MiB of empty facets (each a missing `_producer`), spread so no object passes the
    decoder's key limit: the validation itself must bound its work."""
    inputs = [
        {"namespace": "n", "name": f"d{d}", "facets": {f"f{i}": {} for i in range(facets)}}
        for d in range(datasets)
    ]
    return encoded(run_event("big", inputs=inputs))


def test_a_large_invalid_event_is_answered_fast_with_bounded_errors(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    """Issue 18, finding 3: 6.5 s with the loop blocked, and a 62 MB answer listing each error
    three times."""
    server, _ = intake
    body = empty_facets_event(40, 9_000)
    assert 3.5 * MiB < len(body) < 4 * MiB
    gaps = loop_gaps_while(server, lambda: server.post("/api/v1/lineage", body))
    answer = gaps.result
    assert answer.status == 400
    errors = errors_of(answer)
    assert len(errors) <= MAX_ERRORS + 1 and len(set(errors)) == len(errors)
    assert errors[-1][1].startswith("validation stopped")
    assert len(answer.body) < 64 * 1024
    assert max(gaps.latencies) < 1.0, gaps.latencies


def test_a_large_invalid_batch_is_bounded_too(intake: tuple[RunningServer, RecordingPublisher]) -> None:
    """Issue 18, finding 3: a 2 x 4 MiB batch took 11.9 s and 1.55 GB."""
    server, _ = intake
    item = empty_facets_event(40, 9_000)
    gaps = loop_gaps_while(
        server, lambda: server.post("/api/v1/lineage/batch", b"[" + item + b"," + item + b"]")
    )
    answer = gaps.result
    assert answer.status == 400
    body = answer.json()
    assert body["summary"]["failed"] == 2
    assert len(body["errors"]) <= MAX_ERRORS + 1
    assert len(answer.body) < 64 * 1024
    assert max(gaps.latencies) < 1.0, gaps.latencies


def test_each_error_is_listed_once(intake: tuple[RunningServer, RecordingPublisher]) -> None:
    server, _ = intake
    event = run_event("once")
    event["eventTime"] = "yesterday"
    text = encoded(event)
    for path, body in (("/api/v1/lineage", text), ("/api/v1/lineage/batch", b"[" + text + b"]")):
        answer = server.post(path, body)
        assert answer.status == 400
        assert answer.body.count(b"must be an ISO 8601 date-time") == 1, answer.body
    egeria = server.post(EGERIA + "/api/v1/lineage/batch", b"[" + text + b"]")
    assert egeria.body.count(b"must be an ISO 8601 date-time") == 1


class Gaps:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.result: Any = None


def loop_gaps_while(server: RunningServer, request: Any) -> Gaps:
    """Run `request` in a thread while asking `/health` again and again: how long each took."""
    gaps = Gaps()
    done = threading.Event()

    def run() -> None:
        try:
            gaps.result = request()
        finally:
            done.set()

    worker = threading.Thread(target=run)
    worker.start()
    while not done.is_set():
        started = time.monotonic()
        assert server.get("/health").status == 200
        gaps.latencies.append(time.monotonic() - started)
    worker.join()
    return gaps


def test_memory_returns_after_large_refusals() -> None:
    """Issue 18, finding 3: after a large refusal the worker stayed at 832 MB."""
    bodies = [empty_facets_event(40, 9_000), encoded({"x": [{"a": [{}] * 9_000}] * 40})]
    with running_intake() as (server, _):
        server.post("/api/v1/lineage", bodies[0])  # first use: thread pool, caches
        gc.collect()
        baseline = rss_bytes()
        for _ in range(3):
            for body in bodies:
                assert server.post("/api/v1/lineage", body).status == 400
                assert server.post("/api/v1/lineage/batch", b"[" + body + b"," + body + b"]").status == 400
        gc.collect()
        assert rss_bytes() - baseline < 100 * MiB


def test_views_work_without_a_token_configured() -> None:
    with running_intake(intake_settings(api_token=None)) as (server, _):
        assert server.post("/api/v1/lineage", official_event("open"), token=None).status == 200


def test_the_app_is_the_one_the_worker_serves() -> None:
    app = intake_app(intake_settings(), RecordingPublisher())
    assert responses.rest_middleware in app.middlewares
