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
    first = cache.take_or_parse(b"one")
    assert first == {"raw": b"one"} and parse.calls == 1
    cache.remember(b"one", first)
    assert cache.find(b"one") is first
    assert cache.take_or_parse(b"one") is first
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
            cache.take_or_parse(b"bad")
    assert parse.calls == 2 and len(cache) == 0


def test_one_cache_per_worker_and_name() -> None:
    service = fake_service()
    omrs = parsed_omrs_events(service)  # type: ignore[arg-type]
    assert parsed_omrs_events(service) is omrs  # type: ignore[arg-type]
    assert parsed_events(service) is not omrs  # type: ignore[arg-type]
    assert worker_cache(service, "omrs", parse_omrs_event) is omrs  # type: ignore[arg-type]
    assert parsed_omrs_events(fake_service()) is not omrs  # type: ignore[arg-type]


def test_openlineage_invalid_bytes_parse_to_none() -> None:
    """A connector stream that reads bytes no door validated gets None, not an exception."""
    cache = parsed_events(fake_service())  # type: ignore[arg-type]
    assert cache.take_or_parse(b"not an event") is None
    assert len(cache) == 0


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


def test_an_entry_stays_for_the_readers_it_was_remembered_for() -> None:
    cache = ParsedCache(CountingParse())
    cache.remember(b"one", {"n": 1}, readers=3)
    assert cache.take(b"one") == {"n": 1} and cache.take(b"one") == {"n": 1}
    assert cache.find(b"one") == {"n": 1}  # find does not count a reader off
    assert cache.take(b"one") == {"n": 1} and len(cache) == 0
    assert cache.take(b"one") is None
    cache.remember(b"two", {"n": 2}, readers=2)
    cache.remember(b"two", {"n": 2})  # remembered again: the new count replaces the old
    assert cache.take(b"two") == {"n": 2} and len(cache) == 0


def test_an_evicted_entry_takes_its_reader_count_with_it() -> None:
    cache = ParsedCache(CountingParse(), size=1)
    cache.remember(b"one", {"n": 1}, readers=2)
    cache.remember(b"two", {"n": 2})
    cache.remember(b"one", {"n": 1})  # one reader now, not what was left of the old entry
    assert cache.take(b"one") == {"n": 1} and len(cache) == 0


def test_tailing_is_counted_per_reader() -> None:
    cache = ParsedCache(CountingParse())
    assert not cache.is_tailed("t")
    cache.tail(["t", "u"])
    cache.tail(["t"])
    cache.untail(["t", "u"])
    assert cache.is_tailed("t") and not cache.is_tailed("u")
    cache.untail(["t"])
    assert not cache.is_tailed("t")


class Parses:
    """Counts the OMRS parses of the intake, the lineage graph and the stage."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import agents.cohort_intake
        import agents.lineage_graph
        from schemas.omrs import validate_omrs_event

        self.calls = 0

        def counted(func):  # type: ignore[no-untyped-def]
            def call(raw):  # type: ignore[no-untyped-def]
                self.calls += 1
                return func(raw)

            return call

        monkeypatch.setattr(agents.cohort_intake, "validate_omrs_event", counted(validate_omrs_event))
        monkeypatch.setattr(agents.lineage_graph, "parse_omrs_event", counted(parse_omrs_event))
        # The stage parses with the worker's cache (`take_or_parse`), made by the intake module.
        monkeypatch.setattr(agents.cohort_intake, "parse_omrs_event", counted(parse_omrs_event))


def _intake_reads(cache: ParsedCache, raw: bytes, topic: str) -> None:  # type: ignore[type-arg]
    """What `CohortIntake.handle_record` does with the cache for a valid event."""
    from agents.cohort_intake import CohortIntake

    known = cache.take(raw)
    event, errors = CohortIntake._validate(raw, known)
    assert event is not None and not errors
    tail_readers = 0 if known is not None or not cache.is_tailed(topic) else 1
    CohortIntake._remember(SimpleNamespace(parsed=cache), event, raw, route(event, raw), tail_readers)  # type: ignore[arg-type]


def _worker_tailing_the_topic(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Parses, LineageGraphService, ParsedCache]:  # type: ignore[type-arg]
    """A worker's parse counter, lineage graph and cache, the graph following the topic live."""
    parses = Parses(monkeypatch)
    service = fake_service()
    graphs = LineageGraphService(service)  # type: ignore[arg-type]
    cache = parsed_omrs_events(service)  # type: ignore[arg-type]
    cache.tail(["cohort.instances"])
    return parses, graphs, cache


@pytest.mark.parametrize(
    "order",
    [("graph", "intake", "stage"), ("intake", "graph", "stage"), ("intake", "stage", "graph")],
)
def test_the_graph_the_intake_and_the_stage_parse_each_event_once_whoever_reads_first(
    monkeypatch: pytest.MonkeyPatch, order: tuple[str, str, str]
) -> None:
    """The live lineage graph and the intake read the same cohort topic in no fixed order."""
    parses, graphs, cache = _worker_tailing_the_topic(monkeypatch)
    raw = encoded(entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity("g-1", "DataFile", 1, EGERIA)))
    graph = LineageGraph()
    readers = {
        "graph": lambda: graphs._apply(graph, raw, live=True),
        "intake": lambda: _intake_reads(cache, raw, "cohort.instances"),
        "stage": lambda: CohortStage.parse(SimpleNamespace(parsed=cache), raw),  # type: ignore[arg-type]
    }
    for reader in order:
        readers[reader]()
    assert parses.calls == 1
    assert "g-1" in graph.elements
    assert len(cache) == 0  # the last reader let it go


def test_a_split_batch_is_left_whole_for_the_graph_and_in_pieces_for_the_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parses, graphs, cache = _worker_tailing_the_topic(monkeypatch)
    a, b = entity("g-a", "DataFile", 1, EGERIA), entity("g-b", "KafkaTopic", 1, EGERIA)
    raw = encoded(batch_event(EGERIA, [a, b], [relationship("r-1", "DataFlow", 1, EGERIA, a, b)]))
    _intake_reads(cache, raw, "cohort.instances")
    graph = LineageGraph()
    graphs._apply(graph, raw, live=True)
    for record in route(parse_omrs_event(raw), raw):
        CohortStage.parse(SimpleNamespace(parsed=cache), record.value)  # type: ignore[arg-type]
    assert parses.calls == 1
    assert {"g-a", "g-b"} <= set(graph.elements) and len(cache) == 0


def test_nobody_is_counted_in_for_a_topic_no_graph_follows(monkeypatch: pytest.MonkeyPatch) -> None:
    Parses(monkeypatch)
    cache = parsed_omrs_events(fake_service())  # type: ignore[arg-type]
    raw = encoded(entity_event(EGERIA, _I.NEW_ENTITY_EVENT, entity("g-1", "DataFile", 1, EGERIA)))
    _intake_reads(cache, raw, "cohort.instances")
    CohortStage.parse(SimpleNamespace(parsed=cache), raw)  # type: ignore[arg-type]
    assert len(cache) == 0


def test_a_cache_remembers_for_its_default_readers_and_for_none_when_nobody_reads_back() -> None:
    parse = CountingParse()
    cache = ParsedCache(parse)
    cache.readers = 2  # two connector streams read each event back
    cache.remember(b"one", {"n": 1})
    assert cache.take_or_parse(b"one") == {"n": 1} and cache.take_or_parse(b"one") == {"n": 1}
    assert len(cache) == 0 and parse.calls == 0
    assert cache.take_or_parse(b"one") == {"raw": b"one"} and parse.calls == 1
    assert len(cache) == 0  # a reader that missed is the last one: nothing kept
    cache.readers = 0  # no connector stream in this worker
    cache.remember(b"two", {"n": 2})
    assert len(cache) == 0


def test_take_or_parse_hands_back_a_remembered_none_without_parsing() -> None:
    parse = CountingParse()
    cache = ParsedCache(parse)
    cache.remember(b"bad", None)  # type: ignore[arg-type]
    assert cache.take_or_parse(b"bad") is None and parse.calls == 0
    with pytest.raises(ValueError):
        cache.take_or_parse(b"bad")
