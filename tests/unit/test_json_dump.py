"""JSON the service keeps is held at its own size (schemas/json_text.py: dump_json)."""

from __future__ import annotations

import tracemalloc

import orjson
import pytest

from schemas.json_text import dump_json

DOCUMENT = {f"property{i:03d}": f"a value of a reference copy, number {i}" for i in range(60)}


def test_the_bytes_are_the_compact_json() -> None:
    assert dump_json(DOCUMENT) == orjson.dumps(DOCUMENT)
    assert dump_json({"n": 2**70, "s": "é"}) == '{"n":1180591620717411303424,"s":"é"}'.encode()


def test_kept_json_holds_about_its_own_size() -> None:
    """A changelog store keeps one document per instance: at orjson's own allocation (32 KB for
    3 KB, measured with orjson 3.13) a cohort of a million instances would need ten times the
    memory it should."""
    size = len(dump_json(DOCUMENT))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [dump_json(DOCUMENT) for _ in range(200)]
        held = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()
    assert size > 2500
    assert held < size * 1.25


def test_text_that_is_not_unicode_cannot_be_written() -> None:
    """A lone surrogate makes orjson refuse the document, and the standard library's fallback
    (there for big integers) would write bytes that are not UTF-8: a ValueError instead."""
    with pytest.raises(ValueError, match="lone surrogate"):
        dump_json({"n": 2**70, "s": "x\ud800"})
