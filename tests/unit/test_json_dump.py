"""JSON the service keeps is held at its own size (schemas/json_text.py: dump_json)."""

from __future__ import annotations

import sys
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


def test_sorted_keys_give_equal_bytes_for_equal_values() -> None:
    shuffled = dict(reversed(list(DOCUMENT.items())))
    assert dump_json(shuffled, sort_keys=True) == dump_json(DOCUMENT, sort_keys=True)
    assert dump_json(shuffled, sort_keys=True) == orjson.dumps(DOCUMENT, option=orjson.OPT_SORT_KEYS)
    assert dump_json({"b": 2**70, "a": 1}, sort_keys=True) == b'{"a":1,"b":1180591620717411303424}'


def test_the_stores_keep_their_values_at_their_own_size() -> None:
    """Every store value the handlers write goes through dump_json: the explorer's canonical
    JSON, the reference copies and `put_json` (a cohort soak held ~4-8 KB per small value
    when these used orjson's bytes as they came)."""
    from agents.explorer.keys import canonical
    from agents.reference_copy_store import ReferenceCopyStore
    from runtime.kv import MemoryKeyValue, put_json

    kv = MemoryKeyValue()
    put_json(kv, b"k", DOCUMENT)
    ReferenceCopyStore(kv).put({"kind": "entity", "guid": "g-1", **DOCUMENT})
    values = [kv.get(b"k"), canonical(DOCUMENT), *(v for _, v in kv.scan(b""))]
    for value in values:
        assert value is not None
        assert sys.getsizeof(value) < len(value) + 64
