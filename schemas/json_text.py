"""Reading and writing JSON the way every entry point of this service does (no pydantic, light
to import). Reading is `schemas.strict_json.decode`: strict UTF-8 JSON within limits."""

from __future__ import annotations

import json
from typing import Any

import orjson

from schemas.strict_json import decode


def dump_json(obj: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON bytes of plain data, exactly as large as they need to be (keys sorted
    with `sort_keys`: equal values, equal bytes).

    orjson (3.12 and later) over-allocates the bytes object it returns and never shrinks it
    (a few KB of JSON can hold 32 KB, benchmarks/README.md). Anything that keeps its JSON (a
    store's values, a batch of events to send) would hold many times its size, so the
    document is copied into bytes of its own size, which costs far less than the dump. Integers beyond 64 bits, which orjson refuses, go through the
    standard library. Text that is not Unicode (a lone surrogate) cannot be JSON: ValueError.
    """
    try:
        dumped = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except TypeError:
        try:
            return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys).encode()
        except UnicodeEncodeError as exc:
            raise ValueError(f"cannot write JSON: a string holds a lone surrogate ({exc.reason})") from None
    return bytes(memoryview(dumped))


def load_json(raw: bytes | bytearray | memoryview | str) -> Any:
    """JSON to Python, strictly (`schemas.strict_json.decode`): UTF-8 only, no lone
    surrogates, no duplicate keys, no NaN, within the depth and size limits; integers exact.

    Raises `schemas.strict_json.JSONRefused` (a ValueError) with every problem at its path.
    """
    return decode(raw)
