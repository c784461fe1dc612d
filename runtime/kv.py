"""The key-value interface every state store offers its handlers, and an in-memory one for tests.

Keys and values are bytes; keys sort bytewise, so a store can be read in key order and by
prefix (`scan`). The RocksDB-backed stores of `runtime.state` implement this interface; pure
logic (the lineage read models, the cohort rules) is written against it and unit-tested
with `MemoryKeyValue`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any, Protocol

import orjson

from schemas.json_text import dump_json


class KeyValue(Protocol):
    """Read and write one store (one partition of it, or a whole replicated store)."""

    def get(self, key: bytes) -> bytes | None:
        """The value of `key`, None when absent."""
        ...

    def put(self, key: bytes, value: bytes) -> None:
        """Set `key` to `value`."""
        ...

    def delete(self, key: bytes) -> None:
        """Remove `key` (nothing happens when it is absent)."""
        ...

    def scan(
        self, prefix: bytes, *, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value) whose key starts with `prefix`, in key order (descending with
        `reverse`). `start` begins the walk at that key (inclusive) instead of the prefix's end."""
        ...


class MemoryKeyValue:
    """`KeyValue` in memory: a dict and a sorted key list (for unit tests and small tools)."""

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._keys: list[bytes] = []

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def put(self, key: bytes, value: bytes) -> None:
        if key not in self._data:
            bisect.insort(self._keys, key)
        self._data[key] = value

    def delete(self, key: bytes) -> None:
        if self._data.pop(key, None) is not None:
            del self._keys[bisect.bisect_left(self._keys, key)]

    def scan(
        self, prefix: bytes, *, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        keys = self._keys
        if not reverse:
            i = bisect.bisect_left(keys, start if start is not None and start > prefix else prefix)
            while i < len(keys) and keys[i].startswith(prefix):
                yield keys[i], self._data[keys[i]]
                i += 1
            return
        if start is not None:
            i = bisect.bisect_right(keys, start) - 1
            while i >= 0 and keys[i] > prefix and not keys[i].startswith(prefix):
                i -= 1  # `start` lies beyond the prefix's keys: begin at the last of them
        else:
            i = bisect.bisect_left(keys, _after_prefix(prefix)) - 1 if prefix else len(keys) - 1
        while i >= 0 and keys[i].startswith(prefix):
            yield keys[i], self._data[keys[i]]
            i -= 1


def _after_prefix(prefix: bytes) -> bytes:
    """The first key after every key that starts with `prefix` (prefix not all 0xff)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return b"\xff" * (len(prefix) + 1)
    return stripped[:-1] + bytes([stripped[-1] + 1])


def get_json(kv: KeyValue, key: bytes) -> Any:
    """The JSON value of `key`, decoded; None when absent."""
    raw = kv.get(key)
    return None if raw is None else orjson.loads(raw)


def put_json(kv: KeyValue, key: bytes, value: Any) -> None:
    kv.put(key, dump_json(value))


def scan_json(kv: KeyValue, prefix: bytes, *, reverse: bool = False) -> Iterator[tuple[bytes, Any]]:
    for key, raw in kv.scan(prefix, reverse=reverse):
        yield key, orjson.loads(raw)


class Prefixed:
    """One store's own key space inside a shared one: every key gets `prefix` in front, so
    several read models can live in one database without seeing each other's keys."""

    def __init__(self, kv: KeyValue, prefix: bytes) -> None:
        self.kv = kv
        self.prefix = prefix

    def get(self, key: bytes) -> bytes | None:
        return self.kv.get(self.prefix + key)

    def put(self, key: bytes, value: bytes) -> None:
        self.kv.put(self.prefix + key, value)

    def delete(self, key: bytes) -> None:
        self.kv.delete(self.prefix + key)

    def scan(
        self, prefix: bytes, *, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        cut = len(self.prefix)
        begin = self.prefix + start if start is not None else None
        for key, value in self.kv.scan(self.prefix + prefix, start=begin, reverse=reverse):
            yield key[cut:], value
