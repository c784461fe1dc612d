"""PURE: sets of half-open time intervals `[start, end)`, the validity of a lineage edge.

Times are the store's fixed-width strings (they compare as times); `end` None means "still
valid". A set is kept normalised (sorted, disjoint, touching intervals merged), so two equal
sets are equal lists and serialise to equal bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

Interval = tuple[str, str | None]


def _before(a: str | None, b: str | None) -> bool:
    """a < b where None is after every time."""
    if a is None:
        return False
    return b is None or a < b


def _later(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    return max(a, b)


def normalise(intervals: Sequence[Interval]) -> list[Interval]:
    """Sorted, empty ones dropped, overlapping or touching ones merged."""
    live = sorted(
        ((s, e) for s, e in intervals if _before(s, e)), key=lambda i: (i[0], i[1] is None, i[1] or "")
    )
    out: list[Interval] = []
    for start, end in live:
        if out and not _before(out[-1][1], start):
            out[-1] = (out[-1][0], _later(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def add(intervals: Sequence[Interval], start: str, end: str | None) -> list[Interval]:
    """The union of a set and `[start, end)`."""
    return normalise([*intervals, (start, end)])


def subtract(intervals: Sequence[Interval], start: str, end: str | None) -> list[Interval]:
    """The set without `[start, end)`."""
    out: list[Interval] = []
    for s, e in intervals:
        if not _before(s, end) or not _before(start, e):
            out.append((s, e))  # no overlap
            continue
        if s < start:
            out.append((s, start))
        if end is not None and _before(end, e):
            out.append((end, e))
    return normalise(out)


def contains(intervals: Sequence[Interval], moment: str) -> bool:
    """Whether `moment` lies in the set."""
    return any(s <= moment and _before(moment, e) for s, e in intervals)


def is_open(intervals: Sequence[Interval]) -> bool:
    """Whether the set reaches into the future without end (the edge holds now)."""
    return bool(intervals) and intervals[-1][1] is None
