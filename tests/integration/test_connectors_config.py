"""A bad LINEAGE_CONNECTORS file stops the worker at once with a message naming the problem."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.kafka import Broker, unique
from tests.support.workers import cli_command


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("connectors:\n  - name: marquez\n    connector: api-log-store\n", "settings.url"),
        ("connectors:\n  - name: nothing-like-it\n", "nothing-like-it"),
        ("connectors:\n  - {name: fls, connector: file-log-store, failure: {then: drop}}\n", "failure.then"),
    ],
)
def test_bad_connectors_file_gets_a_clear_message(
    broker: Broker, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "connectors.yaml"
    path.write_text(content)
    done = subprocess.run(
        cli_command("worker"),
        env={
            "LINEAGE_BROKER": broker.url,
            "LINEAGE_SERVER_NAME": unique("cfg"),
            "LINEAGE_CONNECTORS": str(path),
            "LINEAGE_DATA_DIR": str(tmp_path / "data"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
