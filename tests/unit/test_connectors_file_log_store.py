"""The file log store's layout (Egeria's) and its idempotence."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agents.connectors.file_log_store import (
    SUFFIX,
    TMP_DIRECTORY,
    egeria_timestamp,
    escape_part,
    relative_path,
    write_atomically,
)
from schemas.openlineage import parse_event
from tests.support.events import encoded, run_event

RUN_ID = "3f5e83fa-3480-44ff-99c5-ff943904e5e8"


@pytest.mark.parametrize(
    ("event_time", "stamp"),
    [
        ("2024-01-31T12:00:05.123Z", "2024-1-31:12-0-5:123000000"),
        ("2021-11-03T10:53:52.427343", "2021-11-3:10-53-52:427343000"),
        ("2024-01-31T12:00:05.123456789+02:00", "2024-1-31:12-0-5:123456789"),
        ("2024-01-31T07:08Z", "2024-1-31:7-8-0:0"),
    ],
)
def test_time_is_written_as_egeria_writes_it(event_time: str, stamp: str) -> None:
    assert egeria_timestamp(event_time) == stamp


def test_layout_is_namespace_job_run_time_type() -> None:
    event = parse_event(
        run_event(
            "etl.load", "COMPLETE", namespace="airflow", run_id=RUN_ID, eventTime="2024-01-31T12:00:05.5Z"
        )
    )
    assert relative_path(event) == Path(
        "airflow", "etl.load", f"{RUN_ID}-2024-1-31:12-0-5:500000000-COMPLETE{SUFFIX}"
    )


def test_job_and_dataset_events_have_a_place_too() -> None:
    job = parse_event(
        {
            "eventTime": "2024-01-31T12:00:00Z",
            "producer": "p",
            "job": {"namespace": "ns", "name": "j"},
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        }
    )
    assert relative_path(job) == Path("ns", "j", f"job-2024-1-31:12-0-0:0-JOB{SUFFIX}")
    dataset = parse_event(
        {
            "eventTime": "2024-01-31T12:00:00Z",
            "producer": "p",
            "dataset": {"namespace": "s3://b", "name": "k/v"},
        }
    )
    assert relative_path(dataset) == Path(
        "s3:%2F%2Fb", "k%2Fv", f"dataset-2024-1-31:12-0-0:0-DATASET{SUFFIX}"
    )


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("postgres://db:5432", "postgres:%2F%2Fdb:5432"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("", "%00"),
        ("a\\b", "a%5Cb"),
        ("100%", "100%25"),
        ("naïve", "naïve"),
    ],
)
def test_path_parts_cannot_escape_the_store(text: str, safe: str) -> None:
    assert escape_part(text) == safe


def test_long_names_stay_within_file_system_limits() -> None:
    long_a, long_b = "a" * 300 + "1", "a" * 300 + "2"
    assert len(escape_part(long_a).encode()) <= 200
    assert escape_part(long_a) != escape_part(long_b)


def test_a_redelivered_event_rewrites_its_own_file(tmp_path: Path) -> None:
    from agents.connectors.file_log_store import FileLogStoreConnector

    raw = encoded(run_event("j", "START", namespace="ns", run_id=RUN_ID))
    event = parse_event(raw)
    (tmp_path / TMP_DIRECTORY).mkdir()
    for _ in range(3):
        write_atomically(tmp_path, relative_path(event), raw)
    files = list(tmp_path.rglob(f"*{SUFFIX}"))
    assert len(files) == 1
    assert files[0].read_bytes() == raw
    assert list((tmp_path / TMP_DIRECTORY).iterdir()) == []
    assert FileLogStoreConnector.consumes_openlineage


def _store_in(tmp_path: Path) -> Any:
    from types import SimpleNamespace

    from agents.connectors.file_log_store import FileLogStoreConnector, FileLogStoreSettings

    context = SimpleNamespace(settings=FileLogStoreSettings(directory=tmp_path))
    (tmp_path / TMP_DIRECTORY).mkdir()
    return FileLogStoreConnector(context)  # type: ignore[arg-type]


def test_events_are_on_disk_once_flush_returns(tmp_path: Path) -> None:
    store = _store_in(tmp_path)
    events = [
        encoded(
            run_event(f"j{i % 3}", "START", namespace="ns", run_id=f"{i:08d}-0000-4000-8000-000000000000")
        )
        for i in range(150)
    ]
    events.append(encoded(run_event("big", "START", namespace="ns", run_id=RUN_ID, padding="x" * 400_000)))

    async def deliver_then_flush() -> None:
        for raw in events:
            await store.store(parse_event(raw), raw)
        await store.flush()

    asyncio.run(deliver_then_flush())
    stored = {path.read_bytes() for path in tmp_path.rglob(f"*{SUFFIX}")}
    assert stored == set(events)
    asyncio.run(store.stop())


def test_a_write_that_fails_fails_the_flush(tmp_path: Path) -> None:
    store = _store_in(tmp_path)
    raw = encoded(run_event("j", "START", namespace="ns", run_id=RUN_ID))
    (tmp_path / "ns").write_text("a file where the job directory should be")

    async def deliver_then_flush() -> None:
        await store.store(parse_event(raw), raw)
        await store.flush()

    with pytest.raises(OSError):
        asyncio.run(deliver_then_flush())
    asyncio.run(store.flush())  # the error was reported once; nothing is left pending
    asyncio.run(store.stop())
