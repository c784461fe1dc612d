"""`lineage-integrator replay PATH...`: send stored OpenLineage events through the intake again.

What it reads: a file log store directory (every `*.openlineageevent` below it, as the
`file-log-store` connector lays them out, one event per file), JSON-lines files (one event
per line), or single event files; any mix, several paths at once.

The door: the Kafka OpenLineage topic (the first of LINEAGE_OPENLINEAGE_TOPICS, or
`--topic`), keyed as the official client keys (`run:{ns}/{job}` of the root job), with the
LINEAGE_KAFKA_* security settings. Not REST: the topic needs no worker running (the
intake takes the events when one starts), keeps each event's bytes exactly as stored, and
is validated and dead-lettered by the worker exactly as producers' events are.

Idempotent: events keep their bytes, so the file log store rewrites the files it already
has, the cataloguer's GUIDs are deterministic, and a replayed event publishes nothing new
to the cohort. Events are sent in `eventTime` order (stable for equal times), so the runs
of one job arrive in the order they happened. Each event is checked before anything is
sent: one that is not a valid OpenLineage event, or is above LINEAGE_MAX_EVENT_BYTES, is
reported with its file and line and skipped; the others are still sent. The events are
held in memory while they are sorted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from runtime.kafka_config import KafkaConnection
from schemas.openlineage import kafka_key, parse_time, validate_event

LOG_STORE_SUFFIX = ".openlineageevent"
SKIPPED_DIRECTORIES = frozenset({".tmp"})


@dataclass(frozen=True)
class StoredEvent:
    """One event to send again: where it came from, its bytes, its key and its time."""

    where: str
    value: bytes
    key: str
    time: datetime


@dataclass
class ReplayPlan:
    """The events to send, in sending order, and what could not be read."""

    events: list[StoredEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: int = 0


def event_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file to read: files as given, directories walked for `*.openlineageevent`
    (in path order; the file log store's temporary folder is skipped)."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob(f"*{LOG_STORE_SUFFIX}")):
                if not SKIPPED_DIRECTORIES & set(found.relative_to(path).parts) and found.is_file():
                    yield found
        else:
            yield path


def plan_replay(paths: Iterable[Path], max_event_bytes: int) -> ReplayPlan:
    """Read every event of `paths`; raise OSError for a path that cannot be read."""
    plan = ReplayPlan()
    for path in event_files(paths):
        if not path.exists():
            raise FileNotFoundError(2, "No such file or directory", str(path))
        plan.files += 1
        data = path.read_bytes()
        if path.suffix == LOG_STORE_SUFFIX:
            _take(plan, str(path), data.strip(), max_event_bytes)
            continue
        for number, line in enumerate(data.splitlines(), 1):
            if line.strip():
                _take(plan, f"{path}:{number}", line.strip(), max_event_bytes)
    plan.events.sort(key=lambda event: event.time)
    return plan


def _take(plan: ReplayPlan, where: str, value: bytes, max_event_bytes: int) -> None:
    if len(value) > max_event_bytes:
        plan.problems.append(
            f"{where}: {len(value)} bytes, above LINEAGE_MAX_EVENT_BYTES ({max_event_bytes}); not sent"
        )
        return
    event, errors = validate_event(value)
    if event is None:
        first = errors[0] if errors else None
        detail = f"{first.path}: {first.message}" if first else "not an OpenLineage event"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        plan.problems.append(f"{where}: {detail}{more}; not sent")
        return
    plan.events.append(StoredEvent(where, value, kafka_key(event), parse_time(event.eventTime)))


def send_plan(plan: ReplayPlan, connection: KafkaConnection, topic: str, max_request_bytes: int) -> int:
    """Send the plan's events in order, acknowledged by the broker; a progress bar on stderr
    when it is a terminal. Returns how many were sent."""
    from kafka import KafkaProducer
    from tqdm import tqdm

    from app.kafka_clients import ONE_SHOT_DEADLINE_S, producer_options

    producer = KafkaProducer(
        bootstrap_servers=list(connection.bootstrap_servers),
        **producer_options(connection),
        acks="all",
        linger_ms=5,
        max_request_size=max_request_bytes,
        # Order per key survives a retried request (one request in flight per connection).
        max_in_flight_requests_per_connection=1,
    )
    try:
        with tqdm(total=len(plan.events), unit="event", desc="replay", disable=None, leave=False) as bar:
            pending = []
            for event in plan.events:
                pending.append(producer.send(topic, key=event.key.encode(), value=event.value))
                if len(pending) >= 1000:
                    _settle(pending, ONE_SHOT_DEADLINE_S)
                    bar.update(len(pending))
                    pending = []
            producer.flush(timeout=ONE_SHOT_DEADLINE_S)
            _settle(pending, ONE_SHOT_DEADLINE_S)
            bar.update(len(pending))
    finally:
        producer.close(timeout=1)
    return len(plan.events)


def _settle(futures: list[object], timeout: float) -> None:
    for future in futures:
        future.get(timeout=timeout)  # type: ignore[attr-defined]


def fresh_broker_message(log_store: Path) -> str:
    """What a worker says when it started the embedded broker, so its state starts empty.

    The embedded broker keeps topics in memory: a restart loses the lineage graph, the
    cohort state, dead letters and retry queues; the file log store on disk survives.
    """
    return (
        "The embedded broker started empty (memory storage): the lineage graph, cohort state, "
        "dead letters and retry queues start from nothing, and this server registers with its "
        f"cohorts again. Rebuild the graph from the file log store with: "
        f"lineage-integrator replay {log_store}"
    )
