"""Validation errors addressed by JSON path, the one error shape every entry point reports.

REST answers `{"errors": [{"path": "$.run.runId", "message": "..."}]}`, the CLI prints
`event 3: $.run.runId: ...` and dead letters carry the same text in a header, so all of
them are built from `FieldError`.

An answer lists at most `MAX_ERRORS` errors. When there were more, `bounded` keeps the
first `MAX_ERRORS` and adds one last error at `$` saying how many more there were (or,
when validation stopped early to bound its work, that it stopped): a body of megabytes
cannot make an answer of megabytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

MAX_ERRORS = 100
"""Most errors one answer lists (REST body, dead-letter header, CLI output per event)."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with an event: where it is (a JSON path rooted at `$`) and what it is."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def more_errors(count: int) -> FieldError:
    """The last error of a list cut at MAX_ERRORS: how many more there were."""
    return FieldError(
        "$", f"{count} more error{'s' if count != 1 else ''} not listed (the first {MAX_ERRORS} are)"
    )


def stopped_early(unchecked: int) -> FieldError:
    """The last error of a list whose validation stopped early, its error budget spent."""
    parts = f"{unchecked} more part{'s' if unchecked != 1 else ''}"
    return FieldError(
        "$", f"validation stopped after finding this many errors: {parts} of the event not checked"
    )


def bounded(errors: Sequence[FieldError], *, unchecked: int = 0) -> list[FieldError]:
    """At most MAX_ERRORS errors, then one saying what was left out.

    `unchecked`: how many parts validation skipped once it had found MAX_ERRORS errors
    (their errors, if any, are not known, so they are not counted as errors).
    """
    kept = list(errors[:MAX_ERRORS])
    if unchecked:
        kept.append(stopped_early(unchecked))
    elif len(errors) > MAX_ERRORS:
        kept.append(more_errors(len(errors) - MAX_ERRORS))
    return kept


def summary(errors: Sequence[FieldError], shown: int = 5) -> str:
    """One line naming the first `shown` errors (log lines, exception messages)."""
    text = "; ".join(str(e) for e in errors[:shown])
    if len(errors) > shown:
        text += f"; and {len(errors) - shown} more"
    return text


class EventValidationError(ValueError):
    """Raised when an event breaks its schema; carries its errors (at most MAX_ERRORS, and one
    saying how many more), not only the first."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        super().__init__(summary(self.errors) or "invalid event")

    def as_dicts(self) -> list[dict[str, str]]:
        return [e.as_dict() for e in self.errors]


def json_path(loc: Iterable[int | str]) -> str:
    """Turn a pydantic error location into a JSON path: ('run', 'runId') -> '$.run.runId'."""
    path = "$"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}"
        else:
            path += f"[{part!r}]"
    return path


def from_pydantic(
    error: ValidationError, *, skip_loc_parts: frozenset[str] = frozenset()
) -> list[FieldError]:
    """Every error of a pydantic ValidationError as a FieldError.

    `skip_loc_parts` drops location parts pydantic adds for unions and discriminators
    (for example a tagged-union tag such as 'EntityDetail'), which are not JSON keys.
    """
    return [
        FieldError(
            path=json_path(p for p in err["loc"] if not (isinstance(p, str) and p in skip_loc_parts)),
            message=err["msg"],
        )
        for err in error.errors(include_url=False)
    ]
