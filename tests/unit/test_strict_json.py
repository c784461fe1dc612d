"""The strict JSON decoder every door uses (schemas/strict_json.py).

Outside truth: the JSONTestSuite corpus (nst/JSONTestSuite, test_parsing/ at commit
1ef36fa01286573e846ac449e8683f8833c5b26a, MIT; tests/fixtures/json_test_suite.json.gz holds
its files unchanged), RFC 8259, and two other parsers read as references: the standard
library's `json` (what is accepted must read the same) and pydantic-core's `from_json`
(what pydantic would read; integers exact). The property-based tests fuzz the decoder with
random bytes, other encodings, surrogates, duplicate keys, deep nesting, many keys and
truncated texts: it answers a value or JSONRefused, nothing else.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pydantic_core
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schemas.errors import MAX_ERRORS
from schemas.json_text import load_json
from schemas.strict_json import MAX_DEPTH, MAX_MEMBERS, REPEATED_KEY, JSONRefused, decode

SUITE = Path(__file__).resolve().parent.parent / "fixtures" / "json_test_suite.json.gz"


@cache
def suite() -> dict[str, bytes]:
    document = json.loads(gzip.decompress(SUITE.read_bytes()))
    assert document["commit"] == "1ef36fa01286573e846ac449e8683f8833c5b26a"
    return {name: base64.b64decode(data) for name, data in document["files"].items()}


def outcome(raw: bytes) -> tuple[bool, Any]:
    """(accepted, value or the refusal); any other exception fails the test."""
    try:
        return True, decode(raw)
    except JSONRefused as exc:
        refusal = exc
    assert refusal.errors and all(e.path.startswith("$") and e.message for e in refusal.errors)
    return False, refusal


# --------------------------------------------------------------------------- JSONTestSuite

REFUSED_THOUGH_VALID = {
    "y_object_duplicated_key.json": "$.a",
    "y_object_duplicated_key_and_value.json": "$.a",
}
"""RFC 8259 lets names repeat (SHOULD be unique); this decoder refuses them at their path."""

ACCEPTED_IMPLEMENTATION_DEFINED = {
    "i_number_double_huge_neg_exp.json": [0.0],
    "i_number_real_underflow.json": [0.0],
    "i_number_too_big_neg_int.json": [-123123123123123123123123123123],
    "i_number_too_big_pos_int.json": [100000000000000000000],
    "i_number_very_big_negative_int.json": [-237462374673276894279832749832423479823246327846],
}
"""The i_ files this decoder accepts: integers of any size exact, underflow to zero. Every
other i_ file (overflowing numbers, lone surrogates, other encodings, bytes that are not
UTF-8, a byte order mark, 500 nested arrays) is refused."""


def suite_files(prefix: str) -> list[str]:
    return sorted(name for name in suite() if name.startswith(prefix))


@pytest.mark.parametrize("name", suite_files("y_"))
def test_what_json_test_suite_requires_is_read_as_the_standard_library_reads_it(name: str) -> None:
    accepted, value = outcome(suite()[name])
    if name in REFUSED_THOUGH_VALID:
        assert not accepted
        assert [(e.path, e.message) for e in value.errors] == [(REFUSED_THOUGH_VALID[name], REPEATED_KEY)]
        return
    assert accepted, value
    assert value == json.loads(suite()[name])


@pytest.mark.parametrize("name", suite_files("n_"))
def test_what_json_test_suite_forbids_is_refused(name: str) -> None:
    accepted, value = outcome(suite()[name])
    assert not accepted, value


@pytest.mark.parametrize("name", suite_files("i_"))
def test_implementation_defined_cases_are_decided(name: str) -> None:
    accepted, value = outcome(suite()[name])
    if name in ACCEPTED_IMPLEMENTATION_DEFINED:
        assert accepted and value == ACCEPTED_IMPLEMENTATION_DEFINED[name]
    else:
        assert not accepted, value


@pytest.mark.parametrize("name", suite_files(""))
def test_what_is_accepted_pydantic_reads_the_same(name: str) -> None:
    """pydantic validates the decoder's value; its own JSON parser must not read the bytes
    otherwise, where they travel on as sent (big integers exact in both)."""
    accepted, value = outcome(suite()[name])
    if accepted:
        assert pydantic_core.from_json(suite()[name]) == value


def test_numbers_beyond_a_float_are_refused_where_pydantic_reads_infinity() -> None:
    for text in (b'{"a":1e400}', b'{"a":-1e400}', b'{"a":1' + b"0" * 400 + b".0}"):
        assert math.isinf(pydantic_core.from_json(text)["a"])
        accepted, refusal = outcome(text)
        assert not accepted
        assert [(e.path, e.message) for e in refusal.errors] == [
            ("$.a", "the number is beyond the range of a 64-bit float")
        ]
    assert decode(b'{"n":' + b"9" * 400 + b"}")["n"] == int("9" * 400)


# --------------------------------------------------------------------------- the findings


def test_an_escaped_lone_surrogate_is_refused_at_its_path() -> None:
    """Issue 18, finding 2: `"name":"x\\ud800y"` passed the fallback parser, then failed in
    `kafka_key(...).encode()` (500 on REST, a stalled partition on Kafka)."""
    accepted, refusal = outcome(b'{"job":{"namespace":"ns","name":"x\\ud800y"}}')
    assert not accepted and not refusal.unreadable
    [error] = refusal.errors
    assert error.path == "$.job.name"
    assert "lone surrogate \\ud800" in error.message


def test_encoded_surrogates_and_surrogate_keys_are_refused_at_their_paths() -> None:
    assert outcome(b'{"a":["ok","x\xed\xa0\x80"]}')[1].errors[0].path == "$.a[1]"
    assert outcome(b'{"k\\udc00":1}')[1].errors[0].path == "$['k\\udc00']"


@pytest.mark.parametrize(
    ("codec", "name"),
    [
        ("utf-16-le", "UTF-16LE"),
        ("utf-16-be", "UTF-16BE"),
        ("utf-32-le", "UTF-32LE"),
        ("utf-32-be", "UTF-32BE"),
        ("utf-16", "UTF-16"),
        ("utf-32", "UTF-32"),
    ],
)
def test_utf16_and_utf32_are_refused_by_name(codec: str, name: str) -> None:
    """Issue 18, finding 5: UTF-16/UTF-32 JSON was accepted and forwarded as is."""
    accepted, refusal = outcome('{"eventType":"START"}'.encode(codec))
    assert not accepted and refusal.unreadable
    assert "must be UTF-8" in refusal.errors[0].message and name in refusal.errors[0].message


def test_duplicate_keys_are_refused_with_their_paths() -> None:
    """Issue 18, finding 5: the last value won while the bytes with both were forwarded."""
    text = b'{"run":{"runId":"a","facets":{}},"job":{"name":"x","namespace":"n","name":"y"},"run":{}}'
    accepted, refusal = outcome(text)
    assert not accepted
    assert [e.path for e in refusal.errors] == ["$.run", "$.job.name"]
    assert all(e.message == REPEATED_KEY for e in refusal.errors)


def test_a_colon_spelled_as_an_escape_hides_no_duplicate() -> None:
    assert decode(b'{"a":"\\u003a"}') == {"a": ":"}
    assert outcome(b'{"a":"\\u003A","a":"b"}')[1].errors[0].path == "$.a"


def test_a_byte_order_mark_is_refused() -> None:
    accepted, refusal = outcome(b'\xef\xbb\xbf{"a":1}')
    assert not accepted and refusal.unreadable and "byte order mark" in refusal.errors[0].message


def test_nan_and_infinity_are_refused_at_their_paths() -> None:
    accepted, refusal = outcome(b'{"a":[1,NaN],"b":{"c":-Infinity}}')
    assert not accepted
    assert [e.path for e in refusal.errors] == ["$.a[1]", "$.b.c"]


def test_limits() -> None:
    assert decode(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    deep = b'{"a":' * MAX_DEPTH + b"[]" + b"}" * MAX_DEPTH
    accepted, refusal = outcome(deep)
    assert not accepted and refusal.errors[0].path == "$" + ".a" * MAX_DEPTH
    wide = {f"k{i}": i for i in range(MAX_MEMBERS)}
    assert decode(orjson.dumps({"x": wide})) == {"x": wide}
    accepted, refusal = outcome(orjson.dumps({"x": {**wide, "one more": 0}}))
    assert not accepted and refusal.errors[0].path == "$.x" and str(MAX_MEMBERS) in refusal.errors[0].message
    accepted, refusal = outcome(orjson.dumps({"x": [0] * (MAX_MEMBERS + 1)}))
    assert not accepted and refusal.errors[0].path == "$.x"


def test_errors_are_bounded_and_say_how_many_more() -> None:
    pairs = ",".join(f'"k{i}":1,"k{i}":2' for i in range(MAX_ERRORS + 50))
    accepted, refusal = outcome(("{" + pairs + "}").encode())
    assert not accepted
    assert len(refusal.errors) == MAX_ERRORS + 1
    assert refusal.errors[-1].message.startswith("50 more errors")


def test_integers_of_any_size_are_exact() -> None:
    for number in (2**63, -(2**63) - 1, 2**64, 10**40, -(10**40)):
        assert decode(orjson.dumps({"n": 0}).replace(b"0", str(number).encode())) == {"n": number}
    assert decode(b"[18446744073709551615,-9223372036854775808]") == [2**64 - 1, -(2**63)]


def test_load_json_is_the_strict_decoder() -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        load_json(b'{"a":"\\ud800"}')


# --------------------------------------------------------------------------- fuzzing

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)
_blank = st.sampled_from(["", " ", "\n", "\t", "\r\n  "])


def _dumped(value: Any, ascii_only: bool, indent: int | None) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only, indent=indent, allow_nan=False).encode()


@settings(max_examples=300, deadline=None)
@given(_json, st.booleans(), st.sampled_from([None, 0, 2]), _blank, _blank)
def test_json_from_the_standard_library_reads_back_equal(
    value: Any, ascii_only: bool, indent: int | None, before: str, after: str
) -> None:
    text = before.encode() + _dumped(value, ascii_only, indent) + after.encode()
    assume(not _has_lone_surrogate(value))
    assert decode(text) == json.loads(text)


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    return False


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_a_value_or_a_refusal(raw: bytes) -> None:
    accepted, value = outcome(raw)
    if accepted:
        assert value == json.loads(raw)
        orjson.dumps(value)  # every string encodes as UTF-8 again


@settings(max_examples=300, deadline=None)
@given(_json, st.data())
def test_truncated_texts_are_refused_or_read_as_what_they_are(value: Any, data: st.DataObject) -> None:
    assume(not _has_lone_surrogate(value))
    text = _dumped(value, False, None)
    cut = text[: data.draw(st.integers(0, max(0, len(text) - 1)))]
    accepted, result = outcome(cut)
    if accepted:
        assert result == json.loads(cut)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3), _json
)
def test_escaped_lone_surrogates_are_refused_at_their_path(surrogates: str, value: Any) -> None:
    """`json.dumps` escapes each surrogate as `\\udXXX`: a high one followed by a low one is a
    pair (one character, accepted), any other is lone (refused at the string's path)."""
    assume(not _has_lone_surrogate(value))
    name = "x" + surrogates + "y"
    try:
        name.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        lone = False
    except UnicodeDecodeError:
        lone = True
    accepted, refusal = outcome(json.dumps({"before": value, "name": name}).encode())
    assert accepted != lone
    if lone:
        assert [e.path for e in refusal.errors] == ["$.name"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=5), _json, min_size=1, max_size=5), st.data())
def test_a_repeated_key_is_refused_at_its_path(obj: dict[str, Any], data: st.DataObject) -> None:
    assume(not _has_lone_surrogate(obj))
    key = data.draw(st.sampled_from(sorted(obj)))
    body = json.dumps(obj)[1:-1]
    text = ("{" + body + "," + json.dumps(key) + ":" + json.dumps(data.draw(_json)) + "}").encode()
    assume(not _has_lone_surrogate(json.loads(text)))
    accepted, refusal = outcome(b'{"outer":[' + text + b"]}")
    assert not accepted
    assert "$.outer[0]" + _suffix(key) in [e.path for e in refusal.errors]


def _suffix(key: str) -> str:
    return f".{key}" if key.isidentifier() else f"[{key!r}]"


@settings(max_examples=100, deadline=None)
@given(_json, st.sampled_from(["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16", "utf-32"]))
def test_other_encodings_are_refused(value: Any, codec: str) -> None:
    assume(not _has_lone_surrogate(value))
    text = json.dumps(value, ensure_ascii=False).encode(codec)
    accepted, refusal = outcome(text)
    assert not accepted and refusal.unreadable


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 2 * MAX_DEPTH), st.sampled_from(["[", '{"k":']))
def test_nesting_is_accepted_up_to_the_limit(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = (opener * depth + "0" + closer * depth).encode()
    accepted, _ = outcome(text)
    assert accepted == (depth <= MAX_DEPTH)


@settings(max_examples=20, deadline=None)
@given(st.integers(MAX_MEMBERS - 3, MAX_MEMBERS + 3), st.booleans())
def test_members_are_accepted_up_to_the_limit(count: int, as_object: bool) -> None:
    value: Any = {f"k{i}": None for i in range(count)} if as_object else [None] * count
    accepted, _ = outcome(orjson.dumps(value))
    assert accepted == (count <= MAX_MEMBERS)


@settings(max_examples=100, deadline=None)
@given(_json, st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e999"]))
def test_non_finite_numbers_are_refused_at_their_path(value: Any, constant: str) -> None:
    assume(not _has_lone_surrogate(value))
    text = '{"v":' + json.dumps(value) + ',"bad":[' + constant + "]}"
    accepted, refusal = outcome(text.encode())
    assert not accepted
    assert "$.bad[0]" in [e.path for e in refusal.errors]


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


_tricky = st.text(alphabet=st.sampled_from(list('[]{}"\\:, a\n')), max_size=6)
_tricky_json = st.recursive(
    st.none() | st.integers() | _tricky,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_tricky, inner, max_size=3),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(_tricky_json, st.integers(0, MAX_DEPTH + 2), st.booleans())
def test_depth_is_counted_outside_strings(value: Any, wrap: int, ascii_only: bool) -> None:
    """Brackets, quotes and backslashes inside strings do not count as nesting."""
    for _ in range(wrap):
        value = [value]
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    accepted, result = outcome(text)
    assert accepted == (_depth(value) <= MAX_DEPTH)
    if accepted:
        assert result == value
