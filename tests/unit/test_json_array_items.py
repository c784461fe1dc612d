"""`json_array_items` and `exact_array_items`: a batch body cut into its items' own bytes
without loading the array.

The promise is narrow: either None (load the array instead), or pieces that are exactly the
items as sent whenever every piece is JSON on its own. A wrong cut must never yield pieces
that all parse, which the property test checks with braces and separators inside strings.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.lineage_input import NotAnArray, exact_array_items, is_json, json_array_items
from schemas.json_text import load_json
from schemas.strict_json import MAX_MEMBERS, JSONRefused


def test_compact_and_pretty_arrays_give_each_item_as_sent() -> None:
    items = [b'{"a":1}', b'{"b":[{"c":1},{"d":{"e":[]}}]}', b"{}"]
    assert json_array_items(b"[" + b",".join(items) + b"]") == items
    pretty = b'\n [\n  {"a": 1} ,\n\t{"b": [{"c": 1}, {"d": 2}]}\r\n ]\n'
    assert json_array_items(pretty) == [b'{"a": 1}', b'{"b": [{"c": 1}, {"d": 2}]}']


def test_empty_arrays() -> None:
    assert json_array_items(b"[]") == []
    assert json_array_items(b" [ \n ] ") == []


def test_what_is_not_an_array_of_objects_is_left_to_the_parser() -> None:
    for body in (b"", b"[", b"]", b"{}", b'{"a":[{"b":1}]}', b"[1,2]", b'[{"a":1}, 2]', b'[{"a":1},]'):
        assert json_array_items(body) is None, body
    assert json_array_items(b'[{"a":1}]]') is None
    assert json_array_items(b"\xef\xbb\xbf[{}]") is None  # a byte order mark is not JSON


def test_a_brace_in_a_string_never_gives_pieces_that_all_parse() -> None:
    fooled = json_array_items(b'[{"sql":"x},{y"},{"b":1}]')
    assert fooled is not None
    assert not all(is_json(piece) for piece in fooled)
    assert json_array_items(b'[{"a":"}"},{"b":1}]') is None  # unbalanced: no cut at all


_TRICKY_TEXT = st.text(alphabet=st.sampled_from(list('{}[],: "\\ab\n')), max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | _TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY_TEXT, inner, max_size=3),
    max_leaves=12,
)
_OBJECTS = st.lists(st.dictionaries(_TRICKY_TEXT, _JSON, max_size=4), max_size=5)


@settings(max_examples=400, deadline=None)
@given(items=_OBJECTS, indent=st.sampled_from([None, 1, 2]), spaced=st.booleans())
def test_pieces_that_all_parse_are_exactly_the_items(
    items: list[dict[str, Any]], indent: int | None, spaced: bool
) -> None:
    separators = (", ", ": ") if spaced else (",", ":")
    body = json.dumps(items, indent=indent, separators=separators).encode()
    pieces = json_array_items(body)
    if pieces is None or not all(is_json(piece) for piece in pieces):
        return  # the caller loads the array instead
    assert [load_json(piece) for piece in pieces] == items
    assert all(piece in body for piece in pieces)


_PLAIN = st.recursive(
    st.integers(-1000, 1000) | st.text(alphabet="xyz ,:"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="abc"), inner, max_size=3),
    max_leaves=12,
)


@given(items=st.lists(st.dictionaries(st.text(alphabet="abc"), _PLAIN, max_size=4), max_size=5))
def test_without_braces_in_strings_every_array_of_objects_is_cut(items: list[dict[str, Any]]) -> None:
    body = orjson.dumps(items)
    assert json_array_items(body) == [orjson.dumps(item) for item in items]


# --------------------------------------------------------------------------- exact_array_items

_ANY_ITEMS = st.lists(_JSON, max_size=6)


@settings(max_examples=400, deadline=None)
@given(items=_ANY_ITEMS, indent=st.sampled_from([None, 1, 2]), spaced=st.booleans(), ascii_only=st.booleans())
def test_the_exact_cut_gives_each_item_as_sent(
    items: list[Any], indent: int | None, spaced: bool, ascii_only: bool
) -> None:
    """What the standard library writes (any item, braces in strings included) is cut into
    the items' own bytes, whatever the spacing."""
    separators = (", ", ": ") if spaced else (",", ":")
    body = json.dumps(items, indent=indent, separators=separators, ensure_ascii=ascii_only).encode()
    pieces = exact_array_items(body)
    assert [json.loads(piece) for piece in pieces] == items
    assert all(piece in body for piece in pieces)


def test_the_exact_cut_refuses_what_is_no_array() -> None:
    for body in (b"", b"[", b'[{"a":1},{', b"[1,,2]", b"[1] x", b"\xef\xbb\xbf[1]", "[1]".encode("utf-16")):
        with pytest.raises(JSONRefused) as refused:
            exact_array_items(body)
        assert refused.value.unreadable, body
    with pytest.raises(NotAnArray):
        exact_array_items(b'{"a": [1]}')
    with pytest.raises(JSONRefused) as too_many:
        exact_array_items(b"[" + b",".join([b"0"] * (MAX_MEMBERS + 1)) + b"]")
    assert not too_many.value.unreadable


def test_the_exact_cut_leaves_strict_checks_to_the_decoder() -> None:
    """Items the strict decoder refuses are still items: each is refused on its own."""
    body = b'[{"a":1,"a":2}, {"s":"\\ud800"}, {"n":NaN}, {"ok":"\xed\xa0\x80"}]'
    pieces = exact_array_items(body)
    assert pieces == [b'{"a":1,"a":2}', b'{"s":"\\ud800"}', b'{"n":NaN}', b'{"ok":"\xed\xa0\x80"}']
    for piece in pieces:
        with pytest.raises(JSONRefused):
            load_json(piece)
