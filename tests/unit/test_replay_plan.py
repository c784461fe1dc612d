"""What `lineage-integrator replay` reads and in which order it sends (no broker needed).

Events are the official openlineage-python client's, serialised by its `Serde`."""

from __future__ import annotations

from pathlib import Path

from openlineage.client.serde import Serde

from app.replay import fresh_broker_message, plan_replay
from tests.support.pipeline import Pipeline


def test_replay_orders_by_event_time_and_reports_what_it_cannot_send(tmp_path: Path) -> None:
    """Planning only (no broker): JSON lines and log store files together, sorted by eventTime,
    with bad lines named by file and line."""
    events = Pipeline.build().events
    lines = tmp_path / "events.jsonl"
    lines.write_text("\n".join(Serde.to_json(e) for e in reversed(events[:4])) + "\n{oops\n\n")
    store = tmp_path / "store" / "dbt" / "job"
    store.mkdir(parents=True)
    (store / "a.openlineageevent").write_text(Serde.to_json(events[4]))
    (tmp_path / "store" / ".tmp").mkdir()
    (tmp_path / "store" / ".tmp" / "half.openlineageevent").write_text("{")
    plan = plan_replay([lines, tmp_path / "store"], max_event_bytes=4 * 1024 * 1024)
    assert plan.files == 2
    assert [e.value.decode() for e in plan.events] == [Serde.to_json(e) for e in events[:5]]
    assert {e.key for e in plan.events} == {"run:airflow/nightly"}
    [problem] = plan.problems
    assert problem.startswith(f"{lines}:5: $: invalid JSON: ") and problem.endswith("; not sent")


def test_events_above_the_intake_limit_are_skipped_with_their_size(tmp_path: Path) -> None:
    event = Serde.to_json(Pipeline.build().events[0])
    source = tmp_path / "one.openlineageevent"
    source.write_text(event)
    plan = plan_replay([source], max_event_bytes=len(event) - 1)
    assert plan.events == []
    assert plan.problems == [
        f"{source}: {len(event)} bytes, above LINEAGE_MAX_EVENT_BYTES ({len(event) - 1}); not sent"
    ]


def test_the_fresh_broker_message_says_how_to_replay() -> None:
    message = fresh_broker_message(Path("/var/lib/li/open-lineage-log"))
    assert message.endswith("lineage-integrator replay /var/lib/li/open-lineage-log")
    assert "\n" not in message
