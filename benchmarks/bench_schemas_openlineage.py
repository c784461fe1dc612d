"""How much the OpenLineage models cost per event, against `orjson.loads` of the same bytes.

Two events from `tests/fixtures/openlineage`: the ~20 KB Spark-like RunEvent (several inputs
and outputs, each with schema facets, outputs with columnLineage) and the ~4 KB dbt-like one
(parent and root facets). For each: `parse_event` of the bytes (the REST and Kafka intake
path), `validate_event` (the same, never raising), and `dump_event`. The ratio divides the
model's time by `orjson.loads` of the same bytes measured in the same run, so it holds across
machines where absolute times do not.

Run: `python -m benchmarks.bench_schemas_openlineage [--quick]`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from schemas.openlineage import dump_event, kafka_key, parse_event, validate_event

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "openlineage"


def _compact(name: str) -> bytes:
    """A fixture as a producer sends it: compact JSON bytes."""
    return orjson.dumps(orjson.loads((FIXTURES / f"{name}.json").read_bytes()))


def _per_call_us(func: Callable[[], object], loops: int, repeats: int) -> float:
    """Best-of-`repeats` time of one call, in microseconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(loops):
            func()
        best = min(best, (time.perf_counter_ns() - start) / loops)
    return best / 1000


def _measure(label: str, raw: bytes, loops: int, repeats: int) -> list[dict[str, Any]]:
    event = parse_event(raw)
    baseline = _per_call_us(lambda: orjson.loads(raw), loops, repeats)
    cases: dict[str, Callable[[], object]] = {
        "parse_event": lambda: parse_event(raw),
        "validate_event": lambda: validate_event(raw),
        "dump_event": lambda: dump_event(event),
        "parse_event+kafka_key": lambda: kafka_key(parse_event(raw)),
    }
    rows = []
    for case, func in cases.items():
        per_event = _per_call_us(func, loops, repeats)
        rows.append(
            {
                "name": f"openlineage {case} {label}",
                "bytes": len(raw),
                "per_event_us": round(per_event, 2),
                "orjson_loads_us": round(baseline, 2),
                "ratio_to_orjson_loads": round(per_event / baseline, 1),
            }
        )
    return rows


def run(quick: bool) -> list[dict[str, Any]]:
    """Time parse_event, validate_event and dump_event of a ~20 KB and a ~4 KB RunEvent."""
    repeats = 3 if quick else 7
    spark, dbt = _compact("spark_run_event"), _compact("dbt_run_event")
    return _measure("Spark RunEvent ~20KB", spark, 30 if quick else 1000, repeats) + _measure(
        "dbt RunEvent ~4KB", dbt, 150 if quick else 5000, repeats
    )


def main(argv: list[str]) -> None:
    """Print the figures as a table."""
    rows = run(quick="--quick" in argv)
    print(f"{'name':<56} {'bytes':>7} {'us/event':>10} {'orjson us':>10} {'ratio':>6}")
    for row in rows:
        print(
            f"{row['name']:<56} {row['bytes']:>7} {row['per_event_us']:>10} "
            f"{row['orjson_loads_us']:>10} {row['ratio_to_orjson_loads']:>6}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
