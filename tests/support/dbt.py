"""A real dbt project run with the dbt OpenLineage integration (`dbt-ol`), and its events.

`tests/fixtures/dbt/shop` is a small dbt project (seeds read as sources, staging views,
mart tables, documented and typed columns). `run_dbt_ol(url)` loads its seeds with `dbt seed`
and runs `dbt-ol run` with the integration's HTTP transport pointed at `url`, as a user
would (`OPENLINEAGE_URL`). `HttpCapture` is a small local HTTP receiver that keeps what
`dbt-ol` posts, so the events can be recorded as fixtures with their provenance:

    python -m tests.support.dbt     # rewrites tests/fixtures/dbt/events.json

`captured_events()` reads the recorded fixture.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "dbt" / "shop"
FIXTURE = PROJECT.parent / "events.json"
NAMESPACE = "dbt-shop"
PACKAGES = ("dbt-core", "dbt-duckdb", "openlineage-dbt", "openlineage-python", "duckdb")


class HttpCapture:
    """An HTTP server on 127.0.0.1 that answers 200 to every POST and keeps its JSON body."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                capture.paths.append(self.path)
                capture.received.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="http-capture", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HttpCapture:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else name


def run_dbt_ol(url: str, work_dir: Path, namespace: str = NAMESPACE) -> subprocess.CompletedProcess[str]:
    """Copy the project to `work_dir`, load its seeds, and run `dbt-ol run` posting to `url`."""
    project = work_dir / "shop"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb"))
    env = {
        **os.environ,
        "SHOP_DUCKDB_DIR": str(work_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "OPENLINEAGE_URL": url,
        "OPENLINEAGE_NAMESPACE": namespace,
    }
    env.pop("OPENLINEAGE_CONFIG", None)
    common = ["--profiles-dir", str(project), "--project-dir", str(project)]
    seed = subprocess.run(
        [_tool("dbt"), "seed", *common], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    if seed.returncode != 0:
        return seed
    return subprocess.run(
        [_tool("dbt-ol"), "run", *common], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )


def versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in PACKAGES}


def captured_events() -> list[dict[str, Any]]:
    """The events of the recorded `dbt-ol run` (see FIXTURE's `provenance`)."""
    events: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["events"]
    return events


def record() -> None:
    """Run dbt-ol against a capture server and write the fixture with its provenance."""
    with tempfile.TemporaryDirectory(prefix="lineage-dbt-") as tmp, HttpCapture() as capture:
        work = Path(tmp)
        done = run_dbt_ol(capture.url, work)
        if done.returncode != 0:
            raise SystemExit(f"dbt failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    fixture = {
        "provenance": {
            "command": "dbt seed; dbt-ol run (tests/support/dbt.py: run_dbt_ol)",
            "project": "tests/fixtures/dbt/shop",
            "transport": "HTTP, OPENLINEAGE_URL to a local capture server, POST path "
            + sorted(set(capture.paths))[0],
            "namespace": NAMESPACE,
            "duckdbPath": "a temporary directory (part of the datasets' namespace)",
            "versions": versions(),
        },
        "events": capture.received,
    }
    FIXTURE.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
    print(f"{len(capture.received)} events written to {FIXTURE}")


if __name__ == "__main__":
    record()
