"""The read model's key encoding and time intervals, against plain Python models of them:
tuples of strings (what keys must sort and split like) and sets of instants (what an interval
set must hold)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agents.explorer import intervals
from agents.explorer.keys import iso, key, normal_time, parts

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
TUPLES = st.lists(TEXT, min_size=1, max_size=4)


@given(TUPLES)
def test_a_key_splits_back_into_its_parts(values: list[str]) -> None:
    assert parts(key(b"t/", *values), b"t/") == values


@given(TUPLES, TUPLES)
def test_keys_sort_like_the_tuples_they_encode(a: list[str], b: list[str]) -> None:
    encoded = [[c.encode() for c in a], [c.encode() for c in b]]
    assert (key(b"t/", *a) < key(b"t/", *b)) == (encoded[0] < encoded[1])


@given(TUPLES, TUPLES)
def test_a_key_is_a_prefix_only_of_keys_that_extend_its_parts(a: list[str], b: list[str]) -> None:
    assert key(b"t/", *b).startswith(key(b"t/", *a)) == (b[: len(a)] == a)


def test_times_are_kept_in_utc_with_a_fixed_width_and_shown_as_marquez_shows_instants() -> None:
    assert normal_time("2026-01-01T03:00:00+02:00") == "2026-01-01T01:00:00.000000Z"
    assert normal_time("2021-11-03T10:53:52.427343") == "2021-11-03T10:53:52.427343Z"
    assert normal_time("2026-01-01T00:00:00.123456789Z") == "2026-01-01T00:00:00.123456Z"
    assert iso("2026-01-01T01:00:00.000000Z") == "2026-01-01T01:00:00Z"
    assert iso("2026-01-01T01:00:00.250000Z") == "2026-01-01T01:00:00.25Z"


INSTANTS = [f"t{i:02d}" for i in range(12)]
SPAN = st.tuples(st.integers(0, 11), st.one_of(st.none(), st.integers(0, 11)))
OPS = st.lists(st.tuples(st.booleans(), SPAN), max_size=12)


def _covered(spans: list[intervals.Interval]) -> set[str]:
    return {t for t in INSTANTS if intervals.contains(spans, t)}


@given(OPS)
def test_interval_sets_hold_exactly_the_instants_added_and_not_taken_away(
    ops: list[tuple[bool, tuple[int, int | None]]],
) -> None:
    spans: list[intervals.Interval] = []
    model: set[str] = set()
    for adding, (start, end) in ops:
        low, high = INSTANTS[start], None if end is None else INSTANTS[end]
        chosen = {t for t in INSTANTS if t >= low and (high is None or t < high)}
        if adding:
            spans, model = intervals.add(spans, low, high), model | chosen
        else:
            spans, model = intervals.subtract(spans, low, high), model - chosen
        assert _covered(spans) == model
        assert spans == intervals.normalise(spans), "kept normalised"
        assert intervals.is_open(spans) == any(e is None for _, e in spans)
