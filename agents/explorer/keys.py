"""PURE: how the read models name things in a KeyValue store: keys, times, sort keys.

A key is a short tag (`b"job/"`) followed by components. Each component is its UTF-8
bytes with NUL escaped (`\\x00` -> `\\x00\\x01`) and a `\\x00\\x00` terminator, so:

- keys sort like the tuples of strings they encode (the terminator sorts before any byte);
- `key(tag, a)` is a prefix of exactly the keys whose first component is `a`, so "every job
  of namespace N" is one prefix scan, never a scan of everything;
- any string, colons and slashes included (namespaces are URIs), is a component.

Times are UTC, fixed width, microseconds (`2026-01-01T00:00:00.000000Z`): they sort as
strings in time order. A *sort key* `{time}|{rank}|{digest}` orders the events of one
entity: later time first, then the run-state rank (a COMPLETE outranks a START sent in
the same microsecond), then the event digest, so two different events never tie and the
"latest" of a set of events is the same whatever order they were read in.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache

from schemas.json_text import dump_json
from schemas.openlineage import parse_time

_ESCAPED_NUL = b"\x00\x01"
_END = b"\x00\x00"

MIN_TIME = "0001-01-01T00:00:00.000000Z"


@lru_cache(maxsize=1 << 16)
def component(value: str) -> bytes:
    """One key component: escaped UTF-8 and the terminator (remembered: the same namespaces
    and names make most keys)."""
    return value.encode().replace(b"\x00", _ESCAPED_NUL) + _END


def key(tag: bytes, *parts: str) -> bytes:
    """`tag` followed by every part as a component."""
    return tag + b"".join([component(p) for p in parts])


def parts(raw: bytes, tag: bytes) -> list[str]:
    """The components of a key made by `key(tag, ...)`.

    Inside a component every NUL is followed by `\x01`, so the first `\x00\x00` after the
    start of a component is its terminator."""
    body = raw[len(tag) :]
    if _ESCAPED_NUL not in body:
        return [piece.decode() for piece in body.split(_END)[:-1]]
    out: list[str] = []
    at = len(tag)
    end = len(raw)
    while at < end:
        stop = raw.find(_END, at)
        if stop < 0:
            stop = end
        piece = raw[at:stop]
        if b"\x00" in piece:
            piece = piece.replace(_ESCAPED_NUL, b"\x00")
        out.append(piece.decode())
        at = stop + 2
    return out


def normal_time(value: str | datetime) -> str:
    """A time as this store keeps it: UTC, fixed width, microseconds, `Z`."""
    moment = parse_time(value) if isinstance(value, str) else value.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}.{moment.microsecond:06d}Z"
    )


def iso(stored: str | None) -> str | None:
    """A stored time as ISO 8601 the way Marquez's Jackson writes an Instant (trailing zeros of
    the fraction dropped, `Z`)."""
    if stored is None:
        return None
    head, _, fraction = stored.rstrip("Z").partition(".")
    fraction = fraction.rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


def millis_between(start: str, end: str) -> int:
    """Whole milliseconds from one stored time to another."""
    delta = parse_time(end) - parse_time(start)
    return int(delta.total_seconds() * 1000)


def digest(data: bytes) -> str:
    """A short, stable name for some bytes (32 hex digits)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def canonical(value: object) -> bytes:
    """JSON with sorted keys: equal values, equal bytes (how every stored value is written)."""
    return dump_json(value, sort_keys=True)


def sort_key(time: str, rank: int, event_digest: str) -> str:
    """The order of two contributions to one entity: time, then rank, then digest."""
    return f"{time}|{rank}|{event_digest}"


def prefix_end(prefix: bytes) -> bytes:
    """The first key after every key that starts with `prefix` (for bounded reverse walks)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return b"\xff" * (len(prefix) + 1)
    return stripped[:-1] + bytes([stripped[-1] + 1])
