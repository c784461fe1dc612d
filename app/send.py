"""`lineage-integrator send`: produce JSON events from a file or stdin to a topic.

Input is either one JSON array of events, or JSON lines (one event per line; blank lines are
skipped). A line that is not JSON is reported with its line number; every good line is
still sent, and the command exits non-zero so scripts notice. Nothing is silently dropped.
Lines are read by the strict decoder the service uses (`schemas.strict_json`), so a line it
would refuse (duplicate keys, lone surrogates, ...) is reported instead of sent. A file may
start with a UTF-8 byte order mark (some editors write one): it is not part of the events.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from schemas.json_text import dump_json, load_json
from schemas.strict_json import JSONRefused


@dataclass
class ParsedInput:
    """Events ready to send, as bytes, and the lines that could not be read."""

    events: list[bytes] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def parse_input(text: str) -> ParsedInput:
    """Split the input into serialised events; JSON array or JSON lines."""
    stripped = text.strip()
    result = ParsedInput()
    if not stripped:
        return result
    if stripped.startswith("["):
        try:
            document = load_json(stripped)
        except JSONRefused as exc:
            result.bad_lines.append((_line_of(text, _syntax_error_at(stripped) + text.index("[")), _why(exc)))
            return result
        result.events = [dump_json(item) for item in document]
        return result
    for number, line in _numbered_lines(text):
        try:
            load_json(line)
        except JSONRefused as exc:
            result.bad_lines.append((number, _why(exc)))
            continue
        result.events.append(line.encode())
    return result


def _why(refusal: JSONRefused) -> str:
    return f"{'not JSON' if refusal.unreadable else 'refused'}: {refusal}"


def _syntax_error_at(text: str) -> int:
    """Where orjson stops reading `text` (0 when it reads it all: the refusal is for a rule)."""
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return int(exc.pos)
    return 0


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line.strip()


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, max(pos, 0)) + 1


def produce(
    bootstrap: list[str],
    topic: str,
    events: list[bytes],
    key: str | None,
    max_bytes: int,
    client_options: Mapping[str, Any] | None = None,
) -> int:
    """Send every event and wait for the broker's acknowledgement of each; return the count.

    `client_options`: kafka-python settings of the connection (TLS, SASL, deadlines).
    """
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        **(client_options or {}),
        acks="all",
        linger_ms=5,
        max_request_size=max_bytes,
        retries=5,
    )
    try:
        futures = [
            producer.send(topic, key=key.encode() if key is not None else None, value=event)
            for event in events
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()
    return len(futures)


def read_source(path: str, stdin: IO[str]) -> str:
    """The text of a file (`-`: stdin), without a UTF-8 byte order mark at its start."""
    if path == "-":
        return stdin.read().removeprefix("\ufeff")
    with open(path, encoding="utf-8-sig") as handle:
        return handle.read()


def describe(events: list[Any]) -> str:
    return f"{len(events)} event{'s' if len(events) != 1 else ''}"
