"""The JSON every door of the service reads (REST, the Kafka intake, `send`, `validate`).

Strict RFC 8259 JSON, within limits. What is refused, each as a `FieldError` at the JSON
path of the problem where it has one (`$` for the text as a whole):

- **Not UTF-8** (RFC 8259 section 8.1): UTF-16 and UTF-32 text is named as such, other bytes
  that are not UTF-8 by their offset.
- **A byte order mark** (U+FEFF) at the start: section 8.1 forbids sending one, and a
  parser that does not skip it (orjson, pydantic) refuses the bytes we would forward.
  `lineage-integrator send` and `validate` strip one from the start of a file
  (`app.send.read_source`): a file is not a networked JSON text.
- **Lone surrogates**, escaped (`"\\ud800"` without its low half) or encoded (bytes
  `ED A0 80`): they are no Unicode character, cannot be written as UTF-8 again, and a name
  holding one would fail later (a Kafka key, a file name, a forwarded body).
- **NaN, Infinity** (not JSON), and **numbers beyond a 64-bit float** (`1e400`): read, they
  are infinity, which JSON cannot write back.
- **Duplicate keys** in one object, at the path of the key (section 4: names SHOULD be
  unique): parsers disagree on which value wins, and the bytes travel on as sent, so a
  consumer could read another event than the one validated.
- **Nesting deeper than `MAX_DEPTH`** levels of arrays and objects, and **an object with
  more than `MAX_MEMBERS` keys or an array with more than `MAX_MEMBERS` items**: they bound
  the work of everything after the decoder (validation visits every member).

Accepted as they are: integers of any size, read exactly (pydantic, which validates the
decoded value, reads them exactly too); numbers too small for a float, read as 0.0 (as
pydantic reads them); `\\u0000` and every other Unicode scalar value; whitespace around
the value.

How it stays fast: orjson parses, refusing on its own what is not UTF-8, lone surrogates, a
byte order mark, NaN, Infinity and `1e400`. The limits are checked on the bytes (commas,
and the nesting of brackets outside strings), and only a value that may pass one is walked.
Duplicate keys are found by counting: every key is followed by one `:` and no other `:` is
outside a string, so the text holds as many `:` as orjson's compact serialisation of what
it read unless a key was dropped - or a string spells a colon as `\\u003a`, which the
compact form writes as `:`. The same serialisation shows an integer orjson widened to a
float (written with an exponent of at least 18). Only when a count differs, a colon is
escaped, an exponent shows, or orjson refused the text is it read again by the standard
library (after a check that it is UTF-8 text): that reader keeps integers exact (orjson
refuses the ones beyond a float's range), sees every key, and accepts what orjson
refused, so the decoder can say where each problem is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

import orjson

from schemas.errors import MAX_ERRORS, FieldError, json_path, more_errors, summary

MAX_DEPTH = 128
"""Most levels of nested arrays and objects (an OpenLineage event from Spark has about 11)."""

MAX_MEMBERS = 10_000
"""Most keys of one object and items of one array (the widest tables have 10,000 columns)."""

_WIDENED = float(2**63)
"""orjson reads integers from -2**63 to 2**64 - 1 exactly, any other as a float at least this large."""

TOO_DEEP = f"nested deeper than the limit of {MAX_DEPTH} levels of arrays and objects"

_ESCAPED_COLON = b"\\u003"
_BOM = b"\xef\xbb\xbf"
_OTHER_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\xfe\xff", "UTF-16BE"),
    (b"\xff\xfe", "UTF-16LE"),
)

REPEATED_KEY = "this key appears more than once in its object: JSON keys must be unique, parsers disagree on which value wins"


class JSONRefused(ValueError):
    """The text is not JSON the service accepts; `errors` says where and why (at most
    MAX_ERRORS, then one saying how many more). `unreadable`: the text cannot be read as
    JSON at all (not UTF-8, a byte order mark, a syntax error), as opposed to JSON that
    breaks a rule of this decoder (duplicate keys, lone surrogates, NaN, limits)."""

    def __init__(self, errors: list[FieldError], *, unreadable: bool = False) -> None:
        self.errors = errors
        self.unreadable = unreadable
        super().__init__(summary(errors) or "not JSON")


def decode(raw: bytes | bytearray | memoryview | str, *, max_errors: int = MAX_ERRORS) -> Any:
    """The value of a JSON text, or JSONRefused with the problems found (at most `max_errors`,
    then one saying how many more)."""
    data = _as_bytes(raw)
    try:
        tree = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return _read_exactly(text_of(data), str(exc), max_errors)
    if isinstance(tree, dict | list):
        escapes = b"\\" in data
        if _may_pass_a_limit(data, escapes):
            _check_limits(tree)
        if _needs_exact_reading(data, orjson.dumps(tree), escapes):
            return _read_exactly(data.decode(), "", max_errors)
    elif type(tree) is float and _widened(tree):
        return _read_exactly(data.decode(), "", max_errors)
    return tree


def _as_bytes(raw: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        try:
            return raw.encode()
        except UnicodeEncodeError as exc:
            char = ord(raw[exc.start])
            raise JSONRefused(
                [
                    FieldError(
                        "$",
                        f"the text holds a lone surrogate U+{char:04X} at character {exc.start}: {_NOT_TEXT}",
                    )
                ]
            ) from None
    return bytes(raw)


# --------------------------------------------------------------------------- limits


def _may_pass_a_limit(data: bytes, escapes: bool) -> bool:
    """False when the bytes alone show the value is within the limits: fewer commas than
    MAX_MEMBERS (every member after an array's or object's first follows one) and no more
    than MAX_DEPTH levels of brackets outside strings."""
    if len(data) > MAX_MEMBERS and data.count(b",") >= MAX_MEMBERS:
        return True
    depth = _nesting_depth(data, escapes)
    return depth is None or depth > MAX_DEPTH


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b'{}[]"')
_SQUARE = bytes.maketrans(b"{}", b"[]")
_STRING = re.compile(rb'"[^"]*"')
_BRACKETS_TO_COUNT = 1 << 16
"""Beyond this many brackets the levels are counted by walking the value instead (each round
below passes over them all: fast for the shallow and short, slow for the deep and long)."""


def _nesting_depth(data: bytes, escapes: bool) -> int | None:
    """Levels of nested arrays and objects in JSON text orjson accepted (at most MAX_DEPTH + 1),
    from its bytes: escaped backslashes and quotes dropped, every byte but brackets and
    quotes dropped, the strings (what remains between quotes) dropped, then each round takes
    the innermost pairs away. None when there are too many brackets for that to be cheap.
    `escapes`: whether the text holds a backslash."""
    if escapes:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = data.translate(_SQUARE, _NOT_BRACKETS).replace(b'""', b"")
    if b'"' in brackets:
        brackets = _STRING.sub(b"", brackets)
    if len(brackets) > _BRACKETS_TO_COUNT:
        return None
    depth = 0
    while brackets and depth <= MAX_DEPTH:
        brackets = brackets.replace(b"[]", b"")
        depth += 1
    return depth


class _OverLimit(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.where: list[int | str] = []


def _check_limits(tree: dict[str, Any] | list[Any]) -> None:
    """Walk the value: JSONRefused at the first container over a limit."""
    try:
        _walk(tree, 1)
    except _OverLimit as exc:
        raise JSONRefused([FieldError(json_path(reversed(exc.where)), exc.message)]) from None


def _walk(node: dict[str, Any] | list[Any], depth: int) -> None:
    """Check the members of `node` (a container at `depth`), and its containers that are not
    empty (an empty one has nothing to check; its depth is checked here)."""
    if len(node) > MAX_MEMBERS:
        what, unit = ("an object", "keys") if type(node) is dict else ("an array", "items")
        raise _OverLimit(f"{what} with {len(node)} {unit}, above the limit of {MAX_MEMBERS}")
    for key, value in node.items() if type(node) is dict else enumerate(node):
        if type(value) is dict or type(value) is list:
            try:
                if depth == MAX_DEPTH:
                    raise _OverLimit(TOO_DEEP)
                if value:
                    _walk(value, depth + 1)
            except _OverLimit as exc:
                exc.where.append(key)
                raise


def _widened(value: float) -> bool:
    """Whether a float orjson read may have been an integer beyond 64 bits in the text."""
    return (value >= _WIDENED or value <= -_WIDENED) and value.is_integer()


# --------------------------------------------------------------------------- duplicate keys


def _needs_exact_reading(data: bytes, compact: bytes, escapes: bool) -> bool:
    """Whether orjson's reading of `data` (written again as `compact`) may have lost something:
    a repeated key (see the module docstring) or an integer beyond 64 bits, which orjson reads
    as a float of at least 2**63 and writes with an exponent of at least 18 (`e+18`; any
    `e+` sends the text to the exact reading, a string that holds one included). `escapes`:
    whether the text holds a backslash (else no colon in it is escaped)."""
    if b"e+" in compact or data.count(b":") != compact.count(b":"):
        return True
    return escapes and _ESCAPED_COLON in data


class _Repeated(dict[str, Any]):
    """An object whose text repeated some keys (`repeated`, in order of first repetition)."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]], repeated: list[str]) -> None:
        super().__init__(pairs)
        self.repeated = repeated


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The standard library's object hook: a dict, or a `_Repeated` naming the repeated keys."""
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for key, _ in pairs:
        if key in seen:
            repeated[key] = None
        seen.add(key)
    return _Repeated(pairs, list(repeated))


# --------------------------------------------------------------------------- reading exactly

_NOT_TEXT = "not a Unicode character, so not text JSON can carry (RFC 8259 section 8.2)"


class _Constant:
    """NaN, Infinity or -Infinity where the standard library found it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _read_exactly(text: str, refusal: str, max_errors: int) -> Any:
    """`text` read by the standard library, which reads integers of any size exactly, sees
    every key, and accepts what orjson refused, so it can say where each problem is
    (`refusal`: orjson's message, for text that is no JSON at all)."""
    try:
        tree = json.loads(text, object_pairs_hook=_object, parse_constant=_Constant)
    except json.JSONDecodeError:
        raise JSONRefused([FieldError("$", f"invalid JSON: {refusal}")], unreadable=True) from None
    except RecursionError:
        raise JSONRefused([FieldError("$", TOO_DEEP)]) from None
    errors = _listed(_problems(tree, [], 1), max_errors)
    if errors:
        raise JSONRefused(errors)
    if isinstance(tree, dict | list):
        _check_limits(tree)
    return tree


def text_of(data: bytes) -> str:
    """The text of JSON bytes, for the standard library's parser; JSONRefused (unreadable)
    when they are empty, UTF-16 or UTF-32, start with a byte order mark, or are not UTF-8.
    Encoded surrogates (bytes `ED A0 80`) are let through, so that a parser can find the
    strings holding them and say where they are."""
    if not data.strip(b" \t\r\n"):
        raise JSONRefused([FieldError("$", "no JSON value: the text is empty")], unreadable=True)
    encoding = _other_encoding(data)
    if encoding is not None:
        raise JSONRefused(
            [FieldError("$", f"JSON must be UTF-8 (RFC 8259 section 8.1); this text is {encoding}")],
            unreadable=True,
        )
    if data.startswith(_BOM):
        message = (
            "the text starts with a byte order mark (U+FEFF), which RFC 8259 section 8.1 does not"
            " allow: send the JSON without it"
        )
        raise JSONRefused([FieldError("$", message)], unreadable=True)
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        first = exc
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        pass
    message = f"not UTF-8: byte 0x{data[first.start]:02X} at offset {first.start} ({first.reason})"
    raise JSONRefused([FieldError("$", message)], unreadable=True)


def _listed(problems: Iterator[FieldError], limit: int) -> list[FieldError]:
    """The first `limit` problems (at least one), then one saying how many more there were."""
    errors = list(islice(problems, max(1, limit)))
    more = sum(1 for _ in problems)
    return [*errors, more_errors(more)] if more else errors


def _other_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32, from a byte order mark or the zero bytes of the first characters
    (RFC 4627 section 3: the first two characters of JSON text are ASCII)."""
    for mark, name in _OTHER_ENCODINGS:
        if data.startswith(mark):
            return f"{name} (byte order mark {mark.hex(' ').upper()})"
    head = data[:4]
    if len(head) == 4:
        zeros = (head[0] == 0, head[1] == 0, head[2] == 0, head[3] == 0)
        by_zeros = {
            (True, True, True, False): "UTF-32BE",
            (False, True, True, True): "UTF-32LE",
            (True, False, True, False): "UTF-16BE",
            (False, True, False, True): "UTF-16LE",
        }
        if zeros in by_zeros:
            return by_zeros[zeros]
    if len(data) >= 2 and (data[0] == 0) != (data[1] == 0):
        return "UTF-16BE" if data[0] == 0 else "UTF-16LE"
    return None


def _lone_surrogate(text: str) -> str | None:
    """The first lone surrogate of `text` as `\\udXXX`, None when it has none."""
    if text.isascii():
        return None
    try:
        text.encode()
    except UnicodeEncodeError as exc:
        return f"\\u{ord(text[exc.start]):04x}"
    return None


def _problems(node: Any, path: list[int | str], depth: int) -> Iterator[FieldError]:
    """Everything JSON text must not hold, in document order, at its path."""
    if isinstance(node, dict):
        if depth > MAX_DEPTH:
            yield FieldError(json_path(path), TOO_DEEP)
            return
        if isinstance(node, _Repeated):
            for key in node.repeated:
                yield FieldError(json_path([*path, key]), REPEATED_KEY)
        for key, value in node.items():
            surrogate = _lone_surrogate(key)
            if surrogate is not None:
                yield FieldError(
                    json_path([*path, key]), f"the key holds a lone surrogate {surrogate}: {_NOT_TEXT}"
                )
            yield from _problems(value, [*path, key], depth + 1)
    elif isinstance(node, list):
        if depth > MAX_DEPTH:
            yield FieldError(json_path(path), TOO_DEEP)
            return
        for index, value in enumerate(node):
            yield from _problems(value, [*path, index], depth + 1)
    elif isinstance(node, str):
        surrogate = _lone_surrogate(node)
        if surrogate is not None:
            yield FieldError(json_path(path), f"the string holds a lone surrogate {surrogate}: {_NOT_TEXT}")
    elif isinstance(node, _Constant):
        yield FieldError(json_path(path), f"{node.name} is not JSON (RFC 8259 section 6)")
    elif isinstance(node, float) and math.isinf(node):
        yield FieldError(json_path(path), "the number is beyond the range of a 64-bit float")


__all__ = ["MAX_DEPTH", "MAX_MEMBERS", "REPEATED_KEY", "TOO_DEEP", "JSONRefused", "decode", "text_of"]
