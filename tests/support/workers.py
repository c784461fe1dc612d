"""Real `lineage-integrator worker` processes for integration tests.

Each worker runs as its own OS process with its own web port and data dir, configured
only through LINEAGE_* variables, exactly as a user runs it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from app.broker import free_port

# Short group timeouts: the embedded broker makes a join wait for the rebalance timeout.
FAST_GROUP_ENV = {
    "LINEAGE_SESSION_TIMEOUT_S": "6",
    "LINEAGE_REBALANCE_TIMEOUT_S": "6",
    "LINEAGE_HEARTBEAT_INTERVAL_S": "0.5",
}


def server_variables(broker_url: str, name: str, cohort: str | None = "testCohort") -> dict[str, str]:
    """LINEAGE_* variables of a server named `name` that no other test shares: its own topic
    root and OpenLineage topic, in `cohort` (none when None)."""
    variables = {
        "LINEAGE_BROKER": broker_url,
        "LINEAGE_SERVER_NAME": name,
        "LINEAGE_TOPIC_ROOT": f"t.{name}",
        "LINEAGE_OPENLINEAGE_TOPICS": f"{name}.openlineage.events",
    }
    if cohort is not None:
        variables["LINEAGE_COHORTS"] = cohort
    return variables


def cli_path() -> str:
    """The installed console script next to this interpreter (falls back to `python -m app.cli`)."""
    candidate = Path(sys.executable).with_name("lineage-integrator")
    return str(candidate) if candidate.exists() else ""


def cli_command(*args: str) -> list[str]:
    script = cli_path()
    return [script, *args] if script else [sys.executable, "-m", "app.cli", *args]


@dataclass
class WorkerProcess:
    """One worker replica; `start()` returns once the process is up (not necessarily ready)."""

    env: dict[str, str]
    data_dir: Path
    web_port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> WorkerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"worker-{self.web_port}.log"
        env = {**os.environ, **FAST_GROUP_ENV, **self.env, "LINEAGE_DATA_DIR": str(self.data_dir)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                cli_command("worker", "--web-port", str(self.web_port)),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base_url + path, timeout=kwargs.pop("timeout", 10), **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base_url + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until `GET /ready` answers 200; fail with the worker's log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if self.get("/ready", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"worker on :{self.web_port} not ready after {timeout}s:\n{self.log_tail()}")

    def status(self) -> dict[str, Any]:
        response = self.get("/api/v1/status")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def assigned(self, topic: str) -> set[int]:
        return {p["partition"] for p in self.status()["assignedPartitions"] if p["topic"] == topic}

    def log_tail(self, lines: int = 60) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait: the graceful stop a user's Ctrl-C or an orchestrator does."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self) -> int | None:
        """SIGKILL the whole process group: a crash, no chance to commit or flush."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=30)


def wait_until(predicate: Any, timeout: float = 60.0, interval: float = 0.3, message: str = "") -> Any:
    """Poll `predicate` until it returns something truthy; return it, or fail after timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(message or f"condition not met in {timeout}s (last: {last!r})")
