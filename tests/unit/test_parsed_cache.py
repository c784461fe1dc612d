"""The worker's parsed-event cache: bounded, a hit is the same object, a miss parses, readers share it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agents.cohort_intake import parsed_omrs_events, route
from agents.cohort_stage import CohortStage
from agents.lineage_graph import LineageGraphService
from agents.lineage_model import LineageGraph
from agents.openlineage_publish import parsed_events
from agents.parsed_cache import ParsedCache, worker_cache
from schemas.errors import EventValidationError
from schemas.omrs import OMRSInstanceEventType, dump_omrs_event, parse_omrs_event
from tests.support.omrs_events import Member, batch_event, encoded, entity, entity_event, relationship

_I = OMRSInstanceEventType
EGERIA = Member("cocoMDS1", "11111111-1111-4111-8111-111111111111")


class CountingParse:
    """A parse function that says how often it ran."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, raw: bytes) -> dict[str, bytes]:
        self.calls += 1
        if raw == b"bad":
            raise ValueError("not an event")
        return {"raw": raw}


def fake_service() -> SimpleNamespace:
    return SimpleNamespace(extensions={}, names=SimpleNamespace(cohorts=[]))


def test_a_miss_parses_and_a_hit_is_the_same_object_without_parsing() -> None:
    parse = CountingParse()
    cache = ParsedCache(parse)
    first = cache.get(b"one")
    assert first == {"raw": b"one"} and parse.calls == 1
    assert cache.get(b"one") is first
    assert cache.find(b"one") is first
    assert parse.calls == 1


def test_find_and_take_never_parse_and_take_forgets() -> None:
    parse = CountingParse()
    cache = ParsedCache(parse)
    assert cache.find(b"one") is None and cache.take(b"one") is None
    cache.remember(b"one", {"raw": b"kept"})
    assert cache.take(b"one") == {"raw": b"kept"}
    assert cache.find(b"one") is None and len(cache) == 0
    assert parse.calls == 0


def test_the_cache_is_bounded_oldest_out_first() -> None:
    cache = ParsedCache(CountingParse(), size=3)
    for i in range(5):
        cache.remember(bytes([i]), {"n": i})
    assert len(cache) == 3
    assert cache.find(bytes([0])) is None and cache.find(bytes([1])) is None
    assert cache.find(bytes([4])) == {"n": 4}


def test_a_failed_parse_propagates_and_is_not_remembered() -> None:
    parse = CountingParse()
    cache = ParsedCache(parse)
    for _ in range(2):
        with pytest.raises(ValueError):
            cache.get(b"bad")
    assert parse.calls == 2 and len(cache) == 0


def test_one_cache_per_worker_and_name() -> None:
    service = fake_service()
    omrs = parsed_omrs_events(service)  # type: ignore[arg-type]
    assert parsed_omrs_events(service) is omrs  # type: ignore[arg-type]
    assert parsed_events(service) is not omrs  # type: ignore[arg-type]
    assert worker_cache(service, "omrs", parse_omrs_event) is omrs  # type: ignore[arg-type]
    assert parsed_omrs_events(fake_service()) is not omrs  # type: ignore[arg-type]


def test_openlineage_invalid_bytes_are_remembered_as_none() -> None:
    cache = parsed_events(fake_service())  # type: ignore[arg-type]
    assert cache.get(b"not an event") is None
    assert len(cache) == 1 and cache.get(b"not an event") is None


def test_routed_records_carry_exactly_what_their_bytes_parse_to() -> None:
    """What the intake hands the stage instead of the bytes must be what the stage would parse."""
    a, b = entity("g-a", "DataFile", 1, EGERIA), entity("g-b", "KafkaTopic", 1, EGERIA)
    for event in (
        batch_event(EGERIA, [a, b], [relationship("r-1", "DataFlow", 1, EGERIA, a, b)]),
        entity_event(EGERIA, _I.NEW_ENTITY_EVENT, a),
    ):
        raw = encoded(event)
        for record in route(parse_omrs_event(raw), raw):
            assert record.event is not None
            assert dump_omrs_event(record.event) == record.value
            assert record.event == parse_omrs_event(record.value)


def test_the_stage_takes_what_the_intake_remembered_else_parses() -> None:
    cache = parsed_omrs_events(fake_service())  # type: ignore[arg-type]
    stage = SimpleNamespace(parsed=cache)
    raw = encoded(entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity("g-1", "DataFile", 1, EGERIA)))
    routed = parse_omrs_event(raw)
    cache.remember(raw, routed)
    assert CohortStage.parse(stage, raw) is routed  # type: ignore[arg-type]
    assert len(cache) == 0
    again = CohortStage.parse(stage, raw)  # type: ignore[arg-type]
    assert again == routed and again is not routed
    with pytest.raises(EventValidationError):
        CohortStage.parse(stage, b"{}")  # type: ignore[arg-type]


def test_the_lineage_graph_shares_parses_with_the_intake_only_when_live() -> None:
    service = fake_service()
    graphs = LineageGraphService(service)  # type: ignore[arg-type]
    cache = parsed_omrs_events(service)  # type: ignore[arg-type]
    raws = [
        encoded(entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity(f"g-{i}", "DataFile", 1, EGERIA)))
        for i in range(3)
    ]
    known = parse_omrs_event(raws[0])
    cache.remember(raws[0], known)
    graph = LineageGraph()
    graphs._apply(graph, raws[0])
    graphs._apply(graph, raws[1])  # replaying: parsed, not remembered
    assert cache.find(raws[1]) is None
    graphs._apply(graph, raws[2], live=True)  # live: the intake will read these bytes next
    assert cache.find(raws[2]) is not None
    graphs._apply(graph, b"not json", live=True)
    assert set(graph.elements) == {"g-0", "g-1", "g-2"} and graphs.unreadable == 1
    assert cache.find(raws[0]) is known
