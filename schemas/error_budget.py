"""A bound on the work one validation does for an invalid event.

pydantic collects every error of a document before it returns, and each costs a few
microseconds to find and more to report: a 4 MiB event of 350,000 empty facets is 700,000
errors and seconds of CPU, all of it holding the GIL (so a thread does not keep the event
loop responsive either). Validation that stops early needs the help of the models: the
items of their large collections (facets, datasets) are validated through `budgeted`,
which, while an `ErrorBudget` is open, counts the errors each item had and, once the
budget is spent, hands the remaining items back unchecked. Those items belong to an event
that already has errors, so nothing unchecked is ever accepted. (Each wrapped item is a
call into Python; the many small items inside them stop at their first error instead.)

An item's errors are counted when the item fails, and forgotten when it succeeds: the
errors of a union member given up for another (a facet read as its typed model, then
accepted as a deleted facet) are not the event's.

Outside an open budget, `budgeted` only calls the item's own validation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError, WrapValidator

from schemas.errors import MAX_ERRORS


@dataclass(slots=True)
class ErrorBudget:
    """How many errors a validation may find before it stops checking items."""

    limit: int = MAX_ERRORS
    spent: int = 0
    skipped: int = 0
    """Items handed back unchecked once the budget was spent."""

    @property
    def exhausted(self) -> bool:
        return self.spent >= self.limit


_current: ContextVar[ErrorBudget | None] = ContextVar("error_budget", default=None)


@contextmanager
def error_budget(limit: int = MAX_ERRORS) -> Iterator[ErrorBudget]:
    """Open a budget of `limit` errors for the validations run inside the block.

    Inside another open budget (a batch of events shares one), the new one may spend only
    what is left of the outer one, never less than one error (so each event still shows
    its first problem), and what it spends is spent from the outer one.
    """
    outer = _current.get()
    if outer is not None:
        limit = min(limit, outer.limit - outer.spent)
    budget = ErrorBudget(max(1, limit))
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)
        if outer is not None:
            outer.spent += budget.spent
            outer.skipped += budget.skipped


def budgeted(value: Any, validate: Callable[[Any], Any]) -> Any:
    """Validate one item of a collection within the open budget (a pydantic wrap validator)."""
    budget = _current.get()
    if budget is None:
        return validate(value)
    if budget.spent >= budget.limit:
        budget.skipped += 1
        return value
    before = budget.spent
    try:
        result = validate(value)
    except ValidationError as exc:
        budget.spent = before + exc.error_count()
        raise
    budget.spent = before
    return result


BUDGETED = WrapValidator(budgeted)
"""`Annotated[ItemType, BUDGETED]`: an item validated within the open budget."""
