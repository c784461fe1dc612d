"""What the strict decoder and the bounded validation cost: per event at the door, and for the
poison bodies of issue 18.

1. **Per event**, the Spark ~20 KB and dbt ~4 KB RunEvents of `tests/fixtures/openlineage`:
   `orjson.loads` (the baseline), `schemas.strict_json.decode`, the standard library's
   `json.loads` and pydantic-core's `from_json` (other parsers, for scale), then the door:
   `parse_event` (strict decode, then validation within an error budget), and with
   `--against REV` the `parse_event` of `schemas/openlineage.py` at git revision REV, loaded
   beside the current one (the door before a change, in the same process). Cases are timed
   in turns, round after round, and each keeps its best round: on a shared machine, the
   figures of one run compare with each other, not with another run's.
2. **Poison bodies** (~3.9 MiB each): 40 datasets of 9,000 empty facets, validated within the
   budget (`validate_event`) and without it (pydantic collecting every error); 280,000
   facets in one object (refused by the decoder's key limit).
3. **Memory**: RSS of this process before and after refusing each poison body five times
   (`check_event_body`, what the REST views run), after a garbage collection.

Run: `python -m benchmarks.bench_strict_json [--quick] [--against REV]`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pydantic_core
from pydantic import ValidationError

from schemas.openlineage import RunEvent, parse_event, validate_event
from schemas.strict_json import decode

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "openlineage"
MiB = 1024 * 1024


def _compact(name: str) -> bytes:
    """A fixture as a producer sends it: compact JSON bytes."""
    return orjson.dumps(orjson.loads((FIXTURES / f"{name}.json").read_bytes()))


def _in_turns(cases: dict[str, Callable[[], object]], loops: int, rounds: int) -> dict[str, float]:
    """Best microseconds per call of each case, the cases timed in turn in every round."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, func in cases.items():
            start = time.perf_counter_ns()
            for _ in range(loops):
                func()
            best[name] = min(best[name], (time.perf_counter_ns() - start) / loops / 1000)
    return best


def _per_event(label: str, raw: bytes, loops: int, rounds: int, before: Any) -> list[dict[str, Any]]:
    cases: dict[str, Callable[[], object]] = {
        "orjson.loads": lambda: orjson.loads(raw),
        "strict_json.decode": lambda: decode(raw),
        "json.loads (stdlib)": lambda: json.loads(raw),
        "pydantic_core.from_json": lambda: pydantic_core.from_json(raw),
        "door: parse_event": lambda: parse_event(raw),
    }
    if before is not None:
        cases[f"door: parse_event at {before.revision}"] = lambda: before.parse_event(raw)
    times = _in_turns(cases, loops, rounds)
    baseline = times["orjson.loads"]
    return [
        {
            "name": f"{case}, {label}",
            "bytes": len(raw),
            "us": round(us, 1),
            "x_orjson": round(us / baseline, 2),
        }
        for case, us in times.items()
    ]


def empty_facets(datasets: int = 40, facets: int = 9_000) -> bytes:
    inputs = [
        {"namespace": "n", "name": f"d{d}", "facets": {f"f{i}": {} for i in range(facets)}}
        for d in range(datasets)
    ]
    return orjson.dumps(_event(inputs=inputs))


def one_wide_object(keys: int = 280_000) -> bytes:
    return orjson.dumps(
        _event(
            run={
                "runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8",
                "facets": {f"f{i}": {} for i in range(keys)},
            }
        )
    )


def _event(**extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventType": "START",
        "eventTime": "2026-01-01T00:00:00Z",
        "producer": "https://example.com/bench",
        "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
        "job": {"namespace": "bench", "name": "poison"},
    }
    event.update(extra)
    return event


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _unbounded_error_count(raw: bytes) -> int:
    try:
        RunEvent.model_validate(orjson.loads(raw))
    except ValidationError as exc:
        return len(exc.errors(include_url=False))
    return 0


def _poison() -> list[dict[str, Any]]:
    facets, wide = empty_facets(), one_wide_object()
    rows = []
    seconds, (_, errors) = _timed(lambda: validate_event(facets))
    rows.append(
        {
            "name": "40 x 9,000 empty facets, validate_event (budget)",
            "bytes": len(facets),
            "s": round(seconds, 3),
            "errors": len(errors),
        }
    )
    seconds, count = _timed(lambda: _unbounded_error_count(facets))
    rows.append(
        {
            "name": "40 x 9,000 empty facets, pydantic without budget",
            "bytes": len(facets),
            "s": round(seconds, 3),
            "errors": count,
        }
    )
    seconds, (_, errors) = _timed(lambda: validate_event(wide))
    rows.append(
        {
            "name": "280,000 facets in one object, validate_event",
            "bytes": len(wide),
            "s": round(seconds, 3),
            "errors": len(errors),
        }
    )
    return rows


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _memory(times: int) -> dict[str, Any]:
    from app.web.lineage_intake import check_batch, check_event_body
    from app.web.responses import RequestError

    bodies = [empty_facets(), one_wide_object()]
    batch = b"[" + bodies[0] + b"," + bodies[0] + b"]"

    def refuse_all() -> None:
        for body in bodies:
            with contextlib.suppress(RequestError):
                check_event_body(body)
        check_batch(batch, 4 * MiB)

    refuse_all()
    gc.collect()
    before = _rss()
    peak = before
    for _ in range(times):
        refuse_all()
        peak = max(peak, _rss())
    gc.collect()
    after = _rss()
    return {
        "rss_before_mb": round(before / MiB),
        "rss_peak_mb": round(peak / MiB),
        "rss_after_mb": round(after / MiB),
    }


def openlineage_at(revision: str) -> Any:
    """`schemas/openlineage.py` as it was at a git revision, as a module of its own (it imports
    the current versions of the modules it uses)."""
    import subprocess
    import types

    source = subprocess.run(
        ["git", "show", f"{revision}:schemas/openlineage.py"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    module = types.ModuleType(f"openlineage_at_{revision}")
    module.__dict__["revision"] = revision
    sys.modules[module.__name__] = module
    exec(compile(source, f"{revision}:schemas/openlineage.py", "exec"), module.__dict__)
    return module


def run(quick: bool, against: str | None = None) -> dict[str, Any]:
    rounds = 5 if quick else 15
    before = openlineage_at(against) if against else None
    spark, dbt = _compact("spark_run_event"), _compact("dbt_run_event")
    per_event = _per_event("Spark ~20KB", spark, 30 if quick else 300, rounds, before) + _per_event(
        "dbt ~4KB", dbt, 150 if quick else 1500, rounds, before
    )
    return {"per_event": per_event, "poison": _poison(), "memory": _memory(2 if quick else 5)}


def main(argv: list[str]) -> None:
    against = argv[argv.index("--against") + 1] if "--against" in argv else None
    results = run(quick="--quick" in argv, against=against)
    print(f"{'per event':<66} {'bytes':>7} {'us':>8} {'x orjson':>9}")
    for row in results["per_event"]:
        print(f"{row['name']:<66} {row['bytes']:>7} {row['us']:>8} {row['x_orjson']:>9}")
    print(f"\n{'poison body':<62} {'bytes':>9} {'s':>7} {'errors':>8}")
    for row in results["poison"]:
        print(f"{row['name']:<62} {row['bytes']:>9} {row['s']:>7} {row['errors']:>8}")
    memory = results["memory"]
    print(
        f"\nRSS refusing the poison bodies: {memory['rss_before_mb']} MB before, peak {memory['rss_peak_mb']} MB,"
        f" {memory['rss_after_mb']} MB after"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
