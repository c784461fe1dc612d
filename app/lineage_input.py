"""Cutting a JSON array of events into the bytes of each item, without parsing it.

A batch of events is validated item by item from the bytes each item was sent as; this
module finds those items.
"""

from __future__ import annotations

import json
import re

from schemas.errors import FieldError
from schemas.json_text import load_json
from schemas.strict_json import MAX_MEMBERS, TOO_DEEP, JSONRefused, text_of

_ITEM_BOUNDARY = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*\{")
_JSON_WHITESPACE = b" \t\r\n"


def json_array_items(body: bytes) -> list[bytes] | None:
    """The objects of a JSON array, each as the exact bytes sent, found without parsing.

    Why: a batch of events is validated item by item from bytes, and loading the whole array
    first builds a tree of dicts per event that lives as long as the request (so it is moved
    to the garbage collector's oldest generation and makes full collections more frequent),
    only for each item to be serialised and parsed again.

    The array is cut at each `}`, `,`, `{` (whitespace allowed) where the braces seen since
    the last cut balance. A brace inside a string can fool that count, so a piece is an item
    only if it is valid JSON on its own; the caller parses every piece anyway and must take a
    piece that is not JSON as "this array cannot be cut here" and load the array instead. No
    wrong cut goes unnoticed: a piece cut short is an unfinished object, a piece cut too long
    is an object with characters after it, and neither is JSON. None when the body is not an
    array of objects at all (left to the caller's parser, which says why).
    """
    start, end = _array_bounds(body)
    if start < 0:
        return None
    if start == end:
        return []
    if body[start] != 0x7B or body[end - 1] != 0x7D:  # "{", "}"
        return None
    items: list[bytes] = []
    depth, counted = 0, start
    for boundary in _ITEM_BOUNDARY.finditer(body, start, end):
        close = boundary.start() + 1
        depth += body.count(b"{", counted, close) - body.count(b"}", counted, close)
        counted = close
        if depth == 0:
            items.append(body[start:close])
            start = counted = boundary.end() - 1
    depth += body.count(b"{", counted, end) - body.count(b"}", counted, end)
    if depth != 0:
        return None
    items.append(body[start:end])
    return items


class NotAnArray(ValueError):
    """The body is JSON, but no array."""


_BLANKS = re.compile(r"[ \t\r\n]*")


def exact_array_items(body: bytes) -> list[bytes]:
    """The items of a JSON array, each as the exact bytes sent, cut by the standard library's
    parser: what `json_array_items` gives when it can, for any array.

    Each item is parsed once to find where it ends and dropped at once, so no tree of the
    whole array is ever built (a 32 MiB batch would make one of gigabytes). The items are
    not checked beyond their syntax (the strict decoder reads each one after). Raises
    `JSONRefused` when the body is no JSON (or an array of more than MAX_MEMBERS items),
    `NotAnArray` when it is JSON of another kind.
    """
    text = text_of(body)
    decoder = json.JSONDecoder()
    at = _BLANKS.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("[", at):
        raise NotAnArray("a batch is a JSON array of OpenLineage events")
    at = _BLANKS.match(text, at + 1).end()  # type: ignore[union-attr]
    items: list[bytes] = []
    if text.startswith("]", at):
        return _after_array(text, at, items)
    while True:
        try:
            _, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise JSONRefused([FieldError("$", f"invalid JSON: {exc}")], unreadable=True) from None
        except RecursionError:
            raise JSONRefused([FieldError(f"$[{len(items)}]", TOO_DEEP)]) from None
        items.append(text[at:end].encode("utf-8", "surrogatepass"))
        if len(items) > MAX_MEMBERS:
            raise JSONRefused(
                [FieldError("$", f"an array of more than {MAX_MEMBERS} items, above the limit")]
            )
        at = _BLANKS.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith("]", at):
            return _after_array(text, at, items)
        if not text.startswith(",", at):
            raise JSONRefused(
                [FieldError("$", f"invalid JSON: ',' or ']' expected at character {at}")], unreadable=True
            )
        at = _BLANKS.match(text, at + 1).end()  # type: ignore[union-attr]


def _after_array(text: str, close: int, items: list[bytes]) -> list[bytes]:
    end = _BLANKS.match(text, close + 1).end()  # type: ignore[union-attr]
    if end != len(text):
        raise JSONRefused(
            [FieldError("$", f"invalid JSON: text after the array at character {end}")], unreadable=True
        )
    return items


def is_json(raw: bytes) -> bool:
    """Whether `raw` is JSON on its own: how a piece of `json_array_items` is told to be an item.
    JSON the strict decoder refuses for a rule (duplicate keys, lone surrogates, ...) is still
    JSON: a refused item, not a wrong cut."""
    try:
        load_json(raw)
    except JSONRefused as exc:
        return not exc.unreadable
    return True


def _array_bounds(body: bytes) -> tuple[int, int]:
    """(start, end) of what is between the brackets of a JSON array, blanks trimmed; (-1, -1)
    when the body is not `[...]`. Indexes, not slices: the body may be megabytes."""
    start, end = _trimmed(body, 0, len(body))
    if end - start < 2 or body[start] != 0x5B or body[end - 1] != 0x5D:  # "[", "]"
        return -1, -1
    return _trimmed(body, start + 1, end - 1)


def _trimmed(body: bytes, start: int, end: int) -> tuple[int, int]:
    """`body[start:end]` without the JSON blanks at either end, as indexes."""
    while start < end and body[start] in _JSON_WHITESPACE:
        start += 1
    while end > start and body[end - 1] in _JSON_WHITESPACE:
        end -= 1
    return start, end
