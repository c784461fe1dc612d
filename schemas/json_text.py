"""Reading JSON text the way every entry point of this service does (no pydantic, light to import)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def load_json(raw: bytes | str) -> Any:
    """JSON to Python: orjson, else the standard library for what orjson refuses but pydantic's
    own parser takes (big integers, `1e400`, `NaN`), so both paths agree on what is JSON.

    Raises ValueError (orjson's message) when the text is not JSON at all.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as first:
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            raise ValueError(str(first)) from None
