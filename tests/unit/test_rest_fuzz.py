"""Fuzzing the REST intake views (tests/support/rest_server.py: the worker's views and server
options on a real aiohttp server) with hypothesis: bodies of random bytes, mutated events,
other encodings, surrogates, duplicate keys, deep nesting, many keys, oversized and truncated
bodies, compressed or not, and header garbage.

What must hold for every request: no 5xx; every refusal is the README's JSON error body
(`{"errors": [{"path": "$...", "message": "..."}]}`); an event is published only with a 2xx,
exactly as sent, and every string in it is Unicode text (it encodes as UTF-8 again).
Malformed HTTP that aiohttp's parser refuses before any view runs (a control character in a
header) is a 400 from the parser, checked here for "no 5xx" only.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.strict_json import MAX_DEPTH
from tests.support.events import run_event
from tests.support.raw_http import Answer, request_bytes
from tests.support.rest_server import (
    EGERIA,
    TOKEN,
    RecordingPublisher,
    RunningServer,
    intake_settings,
    running_intake,
)

MAX_EVENT = 64 * 1024
MAX_BATCH = 256 * 1024
PATHS = [
    "/api/v1/lineage",
    "/api/v1/lineage/batch",
    EGERIA + "/api/v1/lineage",
    EGERIA + "/api/v1/lineage/batch",
    EGERIA + "/publish-open-lineage-event",
]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def intake() -> Iterator[tuple[RunningServer, RecordingPublisher]]:
    with running_intake(intake_settings(max_event_bytes=MAX_EVENT, max_batch_bytes=MAX_BATCH)) as running:
        yield running


def check_answer(answer: Answer, publisher: RecordingPublisher, published_before: int, sent: bytes) -> None:
    assert answer.status < 500, (answer.status, answer.body[:300])
    if answer.status >= 400:
        assert answer.headers["content-type"].startswith("application/json"), answer.body[:300]
        errors = answer.json()["errors"]
        assert errors and all(e["path"].startswith("$") and isinstance(e["message"], str) for e in errors)
        assert len(publisher.events) == published_before
    for event in publisher.events[published_before:]:
        assert event.raw in sent or event.raw == sent
        orjson.dumps(event.event.model_dump(mode="json", by_alias=True))  # every string is text
        event.key.decode()


def post(intake: tuple[RunningServer, RecordingPublisher], path: str, body: bytes, **headers: str) -> None:
    server, publisher = intake
    before = len(publisher.events)
    answer = server.post(path, body, headers)
    check_answer(answer, publisher, before, body)


# --------------------------------------------------------------------------- bodies

_scalars = st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False) | st.text()
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def mutated_event_bytes(draw: st.DrawFn) -> bytes:
    """A valid event's JSON with one thing made wrong: a value replaced, a key repeated, a lone
    surrogate, NaN, deep nesting, many keys, another encoding, cut short, or random bytes in."""
    event = run_event(
        draw(st.text(min_size=1, max_size=10)), namespace=draw(st.text(min_size=1, max_size=10))
    )
    text = json.dumps(event, ensure_ascii=draw(st.booleans()))
    how = draw(
        st.sampled_from(
            ["replace", "repeat", "surrogate", "nan", "deep", "wide", "encode", "truncate", "splice", "as is"]
        )
    )
    if how == "replace":
        event[draw(st.sampled_from(sorted(event)))] = draw(_json)
        text = json.dumps(event)
    elif how == "repeat":
        text = text[:-1] + ', "job": ' + json.dumps(draw(_json)) + "}"
    elif how == "surrogate":
        text = text.replace(
            '"name": "', '"name": "\\ud' + draw(st.sampled_from(["800", "bff", "c00", "fff"])), 1
        )
    elif how == "nan":
        text = text[:-1] + ', "x": ' + draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400"])) + "}"
    elif how == "deep":
        depth = draw(st.integers(MAX_DEPTH - 3, MAX_DEPTH + 3))
        text = text[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"
    elif how == "wide":
        text = (
            text[:-1]
            + ', "x": {'
            + ",".join(f'"k{i}": 0' for i in range(draw(st.integers(9_990, 10_010))))
            + "}}"
        )
    elif how == "encode":
        return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32-be", "latin-1"])), "replace")
    raw = text.encode("utf-8", "surrogatepass")
    if how == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if how == "splice":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.binary(min_size=1, max_size=6)) + raw[at:]
    return raw


_bodies = st.binary(max_size=400) | mutated_event_bytes()


@FUZZ
@given(body=_bodies, path=st.sampled_from(PATHS))
def test_any_body_gets_a_json_answer_and_never_a_5xx(
    intake: tuple[RunningServer, RecordingPublisher], body: bytes, path: str
) -> None:
    if path.endswith("batch") and body[:1] != b"[":
        body = b"[" + body + b"]"
    post(intake, path, body)


@FUZZ
@given(
    body=_bodies,
    encoding=st.sampled_from(["gzip", "deflate", "gzip-cut", "deflate-raw", "garbage"]),
    path=st.sampled_from(PATHS[:2]),
)
def test_compressed_bodies_good_or_broken(
    intake: tuple[RunningServer, RecordingPublisher], body: bytes, encoding: str, path: str
) -> None:
    server, publisher = intake
    header = "gzip" if encoding.startswith("gzip") else "deflate"
    if encoding == "gzip":
        data = gzip.compress(body)
    elif encoding == "gzip-cut":
        data = gzip.compress(body)[: max(1, len(body) // 2)]
    elif encoding == "deflate":
        data = zlib.compress(body)
    elif encoding == "deflate-raw":
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data = compressor.compress(body) + compressor.flush()
    else:
        data = body
    before = len(publisher.events)
    answer = server.post(path, data, {"Content-Encoding": header})
    check_answer(answer, publisher, before, body)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(MAX_EVENT - 10, MAX_EVENT + 10), path=st.sampled_from(PATHS), gzipped=st.booleans())
def test_bodies_around_the_limits(
    intake: tuple[RunningServer, RecordingPublisher], size: int, path: str, gzipped: bool
) -> None:
    server, publisher = intake
    event = run_event("limit")
    event["padding"] = ""
    padding = size - len(orjson.dumps(event))
    event["padding"] = "x" * max(0, padding)
    body = orjson.dumps(event)
    if path.endswith("batch"):
        body = b"[" + b",".join([body] * (MAX_BATCH // MAX_EVENT + (size % 2))) + b"]"
    before = len(publisher.events)
    answer = server.post(
        path, gzip.compress(body) if gzipped else body, {"Content-Encoding": "gzip"} if gzipped else {}
    )
    check_answer(answer, publisher, before, body)
    limit = MAX_BATCH if path.endswith("batch") else MAX_EVENT
    if len(body) > limit:
        assert answer.status == 413


# --------------------------------------------------------------------------- headers

_field_value = st.binary(max_size=40).map(lambda b: bytes(c for c in b if c == 9 or 32 <= c != 127))
"""Bytes HTTP allows in a header value: visible ASCII, space, tab, and any byte above 0x7F."""


@FUZZ
@given(
    authorization=_field_value,
    content_type=_field_value,
    content_encoding=_field_value,
    extra=st.dictionaries(st.from_regex(r"\AX-[A-Za-z0-9-]{1,10}\Z"), _field_value, max_size=3),
    path=st.sampled_from(PATHS),
    valid_body=st.booleans(),
)
def test_header_garbage_gets_a_json_answer(
    intake: tuple[RunningServer, RecordingPublisher],
    authorization: bytes,
    content_type: bytes,
    content_encoding: bytes,
    extra: dict[str, bytes],
    path: str,
    valid_body: bool,
) -> None:
    server, publisher = intake
    body = orjson.dumps(run_event("headers")) if valid_body else b'{"x":'
    if path.endswith("batch"):
        body = b"[" + body + b"]"
    headers: dict[str, bytes] = {"Authorization": authorization, "Content-Type": content_type, **extra}
    if content_encoding.strip():
        headers["Content-Encoding"] = content_encoding
    before = len(publisher.events)
    answer = server.send(request_bytes("POST", path, body, headers))
    check_answer(answer, publisher, before, body)
    if authorization.strip() != f"Bearer {TOKEN}".encode():
        assert answer.status == 401


@FUZZ
@given(
    server_name=st.text(min_size=1, max_size=12).filter(lambda t: not set(t) & set("{}")),
    user=st.text(min_size=1, max_size=12).filter(lambda t: not set(t) & set("{}")),
    with_token=st.booleans(),
)
def test_egeria_path_names_are_checked_after_the_token(
    intake: tuple[RunningServer, RecordingPublisher], server_name: str, user: str, with_token: bool
) -> None:
    from urllib.parse import quote

    server, publisher = intake
    path = f"/servers/{quote(server_name, safe='')}/open-metadata/integration-services/lineage-integrator/users/{quote(user, safe='')}/api/v1/lineage"
    before = len(publisher.events)
    body = orjson.dumps(run_event("names"))
    answer = server.post(path, body, token=TOKEN if with_token else None)
    check_answer(answer, publisher, before, body)
    if not with_token:
        assert answer.status == 401


@settings(max_examples=60, deadline=None)
@given(value=st.binary(min_size=1, max_size=20))
def test_bytes_http_forbids_in_headers_never_get_a_5xx(
    intake: tuple[RunningServer, RecordingPublisher], value: bytes
) -> None:
    server, _ = intake
    raw = request_bytes("POST", "/api/v1/lineage", b"{}", {"Authorization": value.replace(b"\r\n", b"")})
    try:
        answer = server.send(raw)
    except ConnectionError:
        return  # the parser closed the connection: no answer at all, which is no 5xx either
    assert answer.status < 500


def test_the_fuzzed_server_still_publishes_a_valid_event(
    intake: tuple[RunningServer, RecordingPublisher],
) -> None:
    server, publisher = intake
    body = orjson.dumps(run_event("after-fuzzing"))
    answer = server.post("/api/v1/lineage", body)
    assert answer.status == 200
    assert publisher.events[-1].raw == body
