"""The benchmark harness runs end to end: a real broker, the raw loop and a real worker.

What it measures is not asserted here (these machines are too noisy for a speed test; the
figures live in benchmarks/README.md). What is asserted is what a user of the harness
relies on: every scenario asked for runs, its events all arrive once and in order per key,
and the JSON holds the figures and the ratio to the raw loop of the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(420)
def test_a_quick_run_measures_the_kafka_intake_against_the_raw_loop(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--only",
            "openlineage_intake",
            "--seconds",
            "1",
            "--latency-seconds",
            "1",
            "--json",
            str(out),
            "--work-under",
            str(tmp_path),
        ],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = {r["name"]: r for r in json.loads(out.read_text())["results"]}
    assert set(results) == {"raw_loop", "openlineage_intake"}
    for name, result in results.items():
        assert result["status"] == "ok", (name, result.get("note"))
        assert result["events"] > 0 and result["events_per_s"] > 0, name
        assert result["lost"] == 0 and result["duplicates"] == 0 and result["order_violations"] == 0, name
        assert result["p99_ms"] is not None and result["cpu_us_per_event"] > 0, name
    intake = results["openlineage_intake"]
    assert intake["ratio_to_raw"] == pytest.approx(
        intake["events_per_s"] / results["raw_loop"]["events_per_s"], rel=1e-6
    )
    assert intake["extra"]["idle_cores"] >= 0
    assert "raw aiokafka loop (the limit)" in run.stdout
