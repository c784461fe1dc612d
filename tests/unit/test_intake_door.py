"""The check every OpenLineage record goes through at the Kafka intake and the event receiver
(`agents.openlineage_publish.check_event`: what is refused is dead-lettered with these
errors as its reason), fed the poison records of issue 18.

Each of these failed before the strict decoder and the error budget: the lone surrogate
raised UnicodeEncodeError out of `check_event` (a record the intake could neither publish nor
dead-letter), UTF-16 and duplicate keys were accepted, and 4 MiB of empty facets gave
hundreds of thousands of errors for the dead letter's headers.
"""

from __future__ import annotations

import time

import orjson

from agents.openlineage_publish import check_event
from schemas.errors import MAX_ERRORS
from tests.support.events import encoded, run_event

MAX = 4 * 1024 * 1024


def test_a_lone_surrogate_is_refused_with_its_path_not_raised() -> None:
    raw = encoded(run_event("x")).replace(b'"name":"x"', b'"name":"x\\ud800y"')
    accepted, errors = check_event(raw, MAX)
    assert accepted is None
    assert [e.path for e in errors] == ["$.job.name"]


def test_utf16_and_duplicate_keys_are_refused() -> None:
    text = orjson.dumps(run_event("x")).decode()
    for raw in (text.encode("utf-16"), text.encode("utf-32-le")):
        accepted, errors = check_event(raw, MAX)
        assert accepted is None and "must be UTF-8" in errors[0].message
    duplicate = encoded(run_event("x")).replace(b'"name":"x"', b'"name":"x","name":"y"')
    accepted, errors = check_event(duplicate, MAX)
    assert accepted is None and [e.path for e in errors] == ["$.job.name"]


def test_a_large_invalid_record_has_a_bounded_reason() -> None:
    inputs = [
        {"namespace": "n", "name": f"d{d}", "facets": {f"f{i}": {} for i in range(9_000)}} for d in range(40)
    ]
    raw = encoded(run_event("big", inputs=inputs))
    started = time.monotonic()
    accepted, errors = check_event(raw, MAX)
    elapsed = time.monotonic() - started
    assert accepted is None
    assert len(errors) <= MAX_ERRORS + 1
    assert len(set(errors)) == len(errors)
    assert elapsed < 5.0


def test_every_accepted_key_and_string_is_unicode_text() -> None:
    raw = encoded(run_event("naïve ✓ 𝄞", namespace="名前"))
    accepted, errors = check_event(raw, MAX)
    assert accepted is not None and errors == []
    assert accepted.key.decode() == "run:名前/naïve ✓ 𝄞"
