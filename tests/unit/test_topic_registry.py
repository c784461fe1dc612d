"""Topics declared once, and a layout the service cannot use refused with a clear reason."""

from __future__ import annotations

import pytest

from runtime.topics import TopicLayoutError, TopicRegistry, TopicSpec, _check


def registry() -> TopicRegistry:
    r = TopicRegistry(replication_factor=3, max_message_bytes=1000)
    r.add(TopicSpec("own", 4))
    r.add(TopicSpec("own.state", 4, compacted=True, copartitioned_with="own"))
    r.add(TopicSpec("theirs", 4, owned=False))
    return r


def test_a_topic_declared_twice_must_be_the_same_topic() -> None:
    r = registry()
    r.add(TopicSpec("own", 4))
    with pytest.raises(ValueError, match="declared twice"):
        r.add(TopicSpec("own", 5))


def test_new_topics_carry_replication_compaction_and_the_record_limit() -> None:
    r = registry()
    state = r.new_topic(r["own.state"])
    assert (state.num_partitions, state.replication_factor) == (4, 3)
    assert state.topic_configs == {"cleanup.policy": "compact", "max.message.bytes": "1000"}
    assert "max.message.bytes" not in r.new_topic(r["theirs"]).topic_configs


def test_the_layout_is_accepted_as_declared_and_any_count_for_another_partys_topic() -> None:
    _check(registry(), {"own": 4, "own.state": 4, "theirs": 1})


def test_an_owned_topic_with_another_partition_count_stops_the_worker() -> None:
    with pytest.raises(TopicLayoutError, match="own has 3 partitions where this server needs 4"):
        _check(registry(), {"own": 3, "own.state": 4, "theirs": 4})


def test_copartitioned_topics_must_match_and_missing_ones_are_named() -> None:
    r = TopicRegistry()
    r.add(TopicSpec("src", 2, owned=False))
    r.add(TopicSpec("src.state", 2, copartitioned_with="src"))
    with pytest.raises(TopicLayoutError, match="must match src, which has 3"):
        _check(r, {"src": 3, "src.state": 2})
    with pytest.raises(TopicLayoutError, match=r"src\.state does not exist"):
        _check(r, {"src": 2})
