"""Fixtures shared by every test: the real broker and worker processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.kafka import Broker, real_broker, unique
from tests.support.workers import WorkerProcess, server_variables


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """One real broker for the whole session (see tests/support/kafka.py for the choice)."""
    with real_broker() as running:
        yield running


@pytest.fixture
def server_env(broker: Broker) -> dict[str, str]:
    """LINEAGE_* variables of a server no other test shares: its own name and topics."""
    return server_variables(broker.url, unique("li"))


WorkerFactory = Callable[..., WorkerProcess]


@pytest.fixture
def workers(tmp_path: Path, server_env: dict[str, str]) -> Iterator[WorkerFactory]:
    """Start worker replicas of this test's server; every one is killed at teardown."""
    started: list[WorkerProcess] = []

    def start(extra_env: dict[str, str] | None = None, data_dir: Path | None = None) -> WorkerProcess:
        """A replica with its own data directory (the first: `<tmp>/data`, then `data-1`, ...)."""
        own = tmp_path / ("data" if not started else f"data-{len(started)}")
        worker = WorkerProcess(env={**server_env, **(extra_env or {})}, data_dir=data_dir or own)
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.kill()
