"""The engine of `lineage-integrator validate`: read a file of events, check each one.

Decisions, and why:

- **Input forms.** A file holds one JSON event, a JSON array of events, or JSON lines. The
  whole text is tried as JSON first; when that fails and some line holds a JSON object by
  itself, the file is read as JSON lines, where a line that is not JSON is an error for
  that event only (the others are still checked). Otherwise the file is one broken
  document: a single error at index 0. Blank lines are skipped and do not count.
- **Indexes** (`validate_document`) are 0-based positions in the list of events (array
  items, or non-blank lines). `check_document`, what the command line prints, numbers the
  way `send` does: `line N` (from 1, blank lines counted) in JSON lines, `event N` (from 1)
  in an array or a single document.
- **Size.** `check_document` refuses an event above the intake's limit
  (LINEAGE_MAX_EVENT_BYTES), measured on the bytes `send` would write: the line as
  written, an array item in compact JSON, a single document as the file holds it.
- **Kind.** Given by `--kind`, else detected per event from the keys that only that format
  has (`detect_kind`), so a mixed file works too; an event of no known kind is an error.
- **OMRS** is checked by `schemas.omrs.validate_omrs_event`, imported when first needed so
  this module does not depend on it being importable; it reads JSON bytes, so the event is
  serialised again for it (an OMRS event that parses but breaks a rule still reports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from schemas.asset_manager import AssetManagerEventType, validate_asset_manager_event
from schemas.errors import FieldError
from schemas.json_text import dump_json, load_json
from schemas.openlineage import validate_event
from schemas.strict_json import JSONRefused

Kind: TypeAlias = Literal["omrs", "openlineage", "asset-manager"]
KINDS: tuple[Kind, ...] = ("omrs", "openlineage", "asset-manager")

_ASSET_MANAGER_EVENT_TYPES = frozenset(t.value for t in AssetManagerEventType)


class UnreadableEvent:
    """Stands in, in `load_events`' result, for an event whose text is not JSON, or is JSON
    the strict decoder refuses (`refused_json`: a duplicate key, a lone surrogate, ...)."""

    __slots__ = ("message", "refused_json")

    def __init__(self, message: str, refused_json: bool = False) -> None:
        self.message = message
        self.refused_json = refused_json

    def __repr__(self) -> str:
        return f"UnreadableEvent({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnreadableEvent) and other.message == self.message

    __hash__ = None  # type: ignore[assignment]


def _loads(text: str) -> Any:
    """The strict decoder every door uses (`schemas.strict_json`): what it refuses (duplicate
    keys, lone surrogates, NaN, ...) the service would refuse too; integers are exact."""
    return load_json(text)


def _line_event(line: str) -> Any:
    try:
        return _loads(line)
    except JSONRefused as exc:
        return _unreadable(exc)


def _unreadable(refusal: JSONRefused) -> UnreadableEvent:
    if refusal.unreadable:
        return UnreadableEvent(f"not JSON: {refusal}")
    return UnreadableEvent(f"refused: {refusal}", refused_json=True)


def load_events(text: str) -> list[Any]:
    """The events of a document: one JSON value, a JSON array, or JSON lines.

    A JSON-lines entry that is not JSON comes back as an `UnreadableEvent` at its index.
    """
    if not text.strip():
        return []
    try:
        whole = _loads(text)
    except JSONRefused as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        events = [_line_event(line) for line in lines]
        if len(lines) > 1 and any(_json_line(event) for event in events):
            return events
        return [_unreadable(exc)]
    return list(whole) if isinstance(whole, list) else [whole]


def _json_line(event: Any) -> bool:
    """Whether a line read alone is a JSON object (or JSON refused for a rule): a sign that
    the file is JSON lines."""
    return isinstance(event, dict) or (isinstance(event, UnreadableEvent) and event.refused_json)


def detect_kind(obj: Any) -> Kind | None:
    """Which format an event is in, from the keys only that format has; None if none fits."""
    if not isinstance(obj, dict):
        return None
    if obj.get("class") == "OMRSEventV1" or "eventCategory" in obj or "protocolVersionId" in obj:
        return "omrs"
    event_type = obj.get("eventType")
    if (
        "eventVersionId" in obj
        or "elementHeader" in obj
        or (isinstance(event_type, str) and event_type in _ASSET_MANAGER_EVENT_TYPES)
    ):
        return "asset-manager"
    if ("eventTime" in obj and "producer" in obj) or "run" in obj or "job" in obj or "dataset" in obj:
        return "openlineage"
    return None


def _check_omrs(obj: Any) -> list[FieldError]:
    from schemas.omrs import validate_omrs_event  # lazily: written separately, may be absent

    _, errors = validate_omrs_event(dump_json(obj))
    return list(errors)


def _check_openlineage(obj: Any) -> list[FieldError]:
    return validate_event(obj)[1]


def _check_asset_manager(obj: Any) -> list[FieldError]:
    return validate_asset_manager_event(obj)[1]


_CHECKS: dict[Kind, Callable[[Any], list[FieldError]]] = {
    "omrs": _check_omrs,
    "openlineage": _check_openlineage,
    "asset-manager": _check_asset_manager,
}


def validate_object(obj: Any, kind: Kind | None = None) -> list[FieldError]:
    """Errors of one loaded event (empty when valid), of the given or detected kind."""
    if isinstance(obj, UnreadableEvent):
        return [FieldError("$", obj.message)]
    chosen = kind or detect_kind(obj)
    if chosen is None:
        what = "a JSON object" if isinstance(obj, dict) else type(obj).__name__
        return [FieldError("$", f"{what} that is no known kind of event (omrs, openlineage, asset-manager)")]
    if chosen not in _CHECKS:
        raise ValueError(f"unknown kind {chosen!r}: expected one of {', '.join(KINDS)}")
    return _CHECKS[chosen](obj)


def validate_document(text: str, kind: Kind | None = None) -> list[tuple[int, FieldError]]:
    """Every error of every event in a document, as (event index, error); empty when all
    are valid. `kind` forces the format; else each event's is detected."""
    if kind is not None and kind not in _CHECKS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    return [
        (index, error) for index, obj in enumerate(load_events(text)) for error in validate_object(obj, kind)
    ]


@dataclass(frozen=True)
class Finding:
    """One problem of one event: where it is (`line 3`, `event 2`) and what is wrong."""

    where: str
    error: FieldError


def check_document(text: str, kind: Kind | None = None, max_bytes: int | None = None) -> list[Finding]:
    """Every problem of every event in a document, numbered as `send` numbers them; an event
    above `max_bytes` is reported as too large instead of being checked further."""
    if kind is not None and kind not in _CHECKS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    findings: list[Finding] = []
    for where, obj, size in _numbered_events(text):
        if max_bytes is not None and size > max_bytes:
            message = (
                f"the event is {size} bytes, above the intake's limit of {max_bytes} "
                "(LINEAGE_MAX_EVENT_BYTES): REST refuses it with 413, the Kafka intake dead-letters it"
            )
            findings.append(Finding(where, FieldError("$", message)))
            continue
        findings.extend(Finding(where, error) for error in validate_object(obj, kind))
    return findings


def _numbered_events(text: str) -> Iterator[tuple[str, Any, int]]:
    """(where, event, size in bytes) for each event, in the forms `load_events` reads."""
    if not text.strip():
        return
    try:
        whole = _loads(text)
    except JSONRefused as exc:
        numbered = [
            (number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()
        ]
        events = [_line_event(line) for _, line in numbered]
        if len(numbered) > 1 and any(_json_line(event) for event in events):
            for (number, line), event in zip(numbered, events, strict=True):
                yield f"line {number}", event, len(line.encode("utf-8"))
            return
        yield "event 1", _unreadable(exc), len(text.encode("utf-8"))
        return
    if isinstance(whole, list):
        for number, item in enumerate(whole, 1):
            yield f"event {number}", item, len(dump_json(item))
        return
    yield "event 1", whole, len(text.strip().encode("utf-8"))


__all__ = [
    "KINDS",
    "Finding",
    "Kind",
    "UnreadableEvent",
    "check_document",
    "detect_kind",
    "load_events",
    "validate_document",
    "validate_object",
]
