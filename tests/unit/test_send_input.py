from __future__ import annotations

import orjson

from app.send import parse_input


def test_json_lines_skip_blank_lines() -> None:
    parsed = parse_input('{"a": 1}\n\n{"a": 2}\n')
    assert [orjson.loads(e) for e in parsed.events] == [{"a": 1}, {"a": 2}]
    assert parsed.bad_lines == []


def test_bad_lines_are_numbered_and_later_lines_kept() -> None:
    parsed = parse_input('{"a": 1}\nnot json\n{"a": 3}\n{"a": \n')
    assert [orjson.loads(e) for e in parsed.events] == [{"a": 1}, {"a": 3}]
    assert [number for number, _ in parsed.bad_lines] == [2, 4]


def test_json_array() -> None:
    parsed = parse_input('[{"a": 1},\n {"a": 2}]')
    assert [orjson.loads(e) for e in parsed.events] == [{"a": 1}, {"a": 2}]


def test_broken_array_reports_the_line() -> None:
    parsed = parse_input('[{"a": 1},\n {"a": ]')
    assert parsed.events == []
    assert parsed.bad_lines[0][0] == 2


def test_empty_input() -> None:
    assert parse_input("  \n").events == []
