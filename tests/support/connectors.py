"""Connectors for tests, loaded by worker processes through `class:` in LINEAGE_CONNECTORS.

Workers import them as `tests.support.connectors:<Class>`, so a test starting a worker
that uses them puts the repository on its PYTHONPATH (`connector_env`).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import BaseModel, ConfigDict

from agents.connectors.base import Connector
from schemas.openlineage import OpenLineageEvent

REPO_ROOT = Path(__file__).resolve().parents[2]


class RecordingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path
    delay_s: float = 0.0


class RecordingConnector(Connector[RecordingSettings]):
    """Appends one JSON line per event it receives: what a test counts deliveries with."""

    settings_model = RecordingSettings

    async def start(self) -> None:
        self.settings.path.parent.mkdir(parents=True, exist_ok=True)
        self.context.register_openlineage_listener(self.record)

    async def record(self, event: OpenLineageEvent, raw: bytes) -> None:
        if self.settings.delay_s:
            await asyncio.sleep(self.settings.delay_s)
        line = orjson.dumps(
            {
                "runId": event.run_id,
                "eventType": getattr(event, "eventType", None),
                "job": str(event.job_key),
                "pid": os.getpid(),
                "bytes": len(raw),
            }
        )
        _append(self.settings.path, line + b"\n")


class FailingConnector(Connector[Any]):
    """Raises on every event: the others must not notice."""

    async def start(self) -> None:
        self.context.register_openlineage_listener(self.fail)

    async def fail(self, event: OpenLineageEvent, raw: bytes) -> None:
        raise RuntimeError(f"this connector always fails ({event.run_id})")


def _append(path: Path, line: bytes) -> None:
    """One small O_APPEND write: lines from several workers never interleave."""
    with open(path, "ab") as handle:
        handle.write(line)


def recorded(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def write_connectors_file(path: Path, connectors: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"connectors": connectors}))
    return path


def connector_env(connectors_file: Path) -> dict[str, str]:
    """LINEAGE_* variables for a worker that runs the connectors of that file."""
    pythonpath = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {"LINEAGE_CONNECTORS": str(connectors_file), "PYTHONPATH": pythonpath}
