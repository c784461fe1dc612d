from __future__ import annotations

import io
from pathlib import Path

import orjson

from app.send import parse_input, read_source


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


def test_lines_the_service_would_refuse_are_reported_not_sent() -> None:
    parsed = parse_input('{"a": 1, "a": 2}\n{"b": "\\ud800"}\n{"c": 3}\n')
    assert [orjson.loads(e) for e in parsed.events] == [{"c": 3}]
    assert [(number, message.split(":")[0]) for number, message in parsed.bad_lines] == [
        (1, "refused"),
        (2, "refused"),
    ]
    assert "$.a" in parsed.bad_lines[0][1] and "$.b" in parsed.bad_lines[1][1]


def test_an_array_with_a_duplicate_key_is_not_sent() -> None:
    parsed = parse_input('[{"a": 1},\n {"a": 2, "a": 3}]')
    assert parsed.events == []
    assert "$[1].a" in parsed.bad_lines[0][1]


def test_a_file_may_start_with_a_byte_order_mark(tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_bytes(b'\xef\xbb\xbf{"a": 1}\n{"a": 2}\n')
    parsed = parse_input(read_source(str(source), io.StringIO()))
    assert [orjson.loads(e) for e in parsed.events] == [{"a": 1}, {"a": 2}]
    assert parse_input(read_source("-", io.StringIO('\ufeff[{"a": 1}]'))).events == [b'{"a":1}']
