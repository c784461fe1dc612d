"""A changelog store holds each value as its JSON bytes (agents/cohort_store.py: JsonValues)."""

from __future__ import annotations

import orjson

from agents.cohort_store import JsonValues


def _values(**items: object) -> JsonValues:
    values = JsonValues()
    for key, value in items.items():
        values.set_raw(key, orjson.dumps(value))
    return values


def test_reads_give_the_value_written() -> None:
    values = _values(a={"guid": "a", "version": 3, "instance": {"properties": [1, 2]}}, b=2.5)
    assert values["a"] == {"guid": "a", "version": 3, "instance": {"properties": [1, 2]}}
    assert values.get("b") == 2.5
    assert values.get("missing") is None
    assert values.get("missing", {}) == {}
    assert "a" in values and "missing" not in values
    assert len(values) == 2
    assert dict(values.items()) == {
        "a": {"guid": "a", "version": 3, "instance": {"properties": [1, 2]}},
        "b": 2.5,
    }


def test_a_value_read_and_changed_does_not_change_the_store() -> None:
    """Agents build their next record from the current one; only `put` may change the store."""
    values = _values(a={"version": 1})
    record = values["a"]
    record["version"] = 2
    assert values["a"] == {"version": 1}


def test_keys_run_oldest_write_first() -> None:
    """The seen-events store prunes from the oldest write: a rewrite makes a key the newest."""
    values = _values(a=1, b=2, c=3)
    values.set_raw("a", orjson.dumps(4))
    assert list(values) == ["b", "c", "a"]
    assert next(iter(values.items())) == ("b", 2)


def test_a_changelog_record_sets_its_key_and_a_tombstone_deletes_it() -> None:
    values = JsonValues()
    values.apply(b"a", b'{"version":1}')
    values.apply(b"b", b"2")
    values.apply(b"a", b'{"version":2}')
    values.apply(b"b", None)
    values.apply(None, b"3")  # a record without a key names nothing
    assert dict(values.items()) == {"a": {"version": 2}}
