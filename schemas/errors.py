"""Validation errors addressed by JSON path, the one error shape every entry point reports.

REST answers `{"errors": [{"path": "$.run.runId", "message": "..."}]}`, the CLI prints
`event 3: $.run.runId: ...` and dead letters carry the same text in a header, so all of
them are built from `FieldError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with an event: where it is (a JSON path rooted at `$`) and what it is."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class EventValidationError(ValueError):
    """Raised when an event breaks its schema; carries every error found, not only the first."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors) or "invalid event")

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
