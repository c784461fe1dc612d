"""`python -m benchmarks.explorer_lineage`: lineage queries on a big graph kept in RocksDB.

Builds the OpenLineage read model (`agents.explorer`) of 50,000 jobs and 100,000 datasets in
a RocksDB store (rocksdict, through the small `RocksKeyValue` adapter below), by folding one
COMPLETE event per job with `agents.explorer.apply`, and the cohort's lineage graph
(`agents.lineage_model`) in a second store from what the cataloguer publishes for the same
events (what every replica holds once the cataloguer's instances come back on the cohort
topic; `--no-cohort` leaves it empty). Then times what the REST view does for
`GET /api/v1/lineage?nodeId=...&depth=5`: the query over both graphs
(`agents.explorer.lineage`) and the JSON of the answer, in wall time and in CPU time of the
querying thread (on a shared machine the two differ by what other processes take). Also
times pages of jobs and runs, and type-ahead searches.

The graph is a pipeline: job j writes datasets 2j and 2j+1 and reads two datasets written
shortly before (within the last `--window` datasets), so lineage runs deep and wide like a
warehouse's layers. `--hubs N` also makes every 50th job read one of N shared tables (a
dimension many jobs join), the case where an answer is large.

Figures go to benchmarks/README.md by hand; this prints them and writes a JSON file.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from rocksdict import BlockBasedOptions, Cache, Options, Rdict

from agents.catalogue.instances import Home, change_event
from agents.catalogue.mapping import map_event
from agents.catalogue.state import InstanceState, merge, settle
from agents.explorer import OpenLineageGraph, Page, ReadModel, apply, lineage
from agents.explorer.keys import prefix_end
from agents.lineage_model import LineageGraph
from schemas.openlineage import parse_event

NAMESPACE = "bench"
WAREHOUSE = "postgres://warehouse:5432"


class RocksKeyValue:
    """`runtime.kv.KeyValue` over a rocksdict store in raw (bytes) mode."""

    def __init__(self, path: Path, cache_mb: int) -> None:
        options = Options(raw_mode=True)
        options.create_if_missing(True)
        table = BlockBasedOptions()
        table.set_block_cache(Cache(cache_mb * 1024 * 1024))
        table.set_bloom_filter(10, False)
        options.set_block_based_table_factory(table)
        self.db = Rdict(str(path), options)

    def get(self, key: bytes) -> bytes | None:
        value: bytes | None = self.db.get(key)
        return value

    def put(self, key: bytes, value: bytes) -> None:
        self.db[key] = value

    def delete(self, key: bytes) -> None:
        del self.db[key]

    def scan(
        self, prefix: bytes, *, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        it = self.db.iter()
        if not reverse:
            it.seek(start if start is not None and start > prefix else prefix)
            while it.valid():
                key = it.key()
                if not key.startswith(prefix):
                    return
                yield key, it.value()
                it.next()
            return
        it.seek_for_prev(start if start is not None else prefix_end(prefix))
        while it.valid():
            key = it.key()
            if not key.startswith(prefix):
                if key > prefix:
                    it.prev()
                    continue
                return
            yield key, it.value()
            it.prev()

    def close(self) -> None:
        self.db.close()


def dataset(i: int) -> dict[str, str]:
    return {"namespace": WAREHOUSE, "name": f"schema{i // 1000}.table{i}"}


def job_event(j: int, inputs: list[int], start: float) -> bytes:
    moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + j))
    return orjson.dumps(
        {
            "eventType": "COMPLETE",
            "eventTime": f"{moment}Z",
            "producer": "https://github.com/lineage-integrator/benchmarks/explorer",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.UUID(int=j + 1))},
            "job": {"namespace": NAMESPACE, "name": f"etl.job{j}"},
            "inputs": [dataset(i) for i in inputs],
            "outputs": [dataset(2 * j), dataset(2 * j + 1)],
        }
    )


class Cataloguer:
    """What the cataloguer publishes for an event, folded into a cohort lineage graph."""

    def __init__(self, graph: LineageGraph) -> None:
        self.graph = graph
        self.states: dict[str, InstanceState] = {}
        self.home = Home("bench", "bench", "bench")

    def add(self, raw: bytes) -> None:
        for contribution in map_event(parse_event(raw)):
            state, touched = merge(self.states.get(contribution.guid), contribution)
            self.states[contribution.guid] = state
            change = settle(state, 1) if touched else None
            if change is not None:
                self.graph.apply(change_event(self.home, change))


def build(
    kv: RocksKeyValue, cataloguer: Cataloguer | None, jobs: int, window: int, hubs: int, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    start = time.time()
    fold = catalogue = 0.0
    for j in range(jobs):
        low = max(0, 2 * j - window)
        inputs = sorted(set(rng.sample(range(low, 2 * j), min(2, 2 * j - low)))) if j else []
        if hubs and j % 50 == 0:
            inputs.append(rng.randrange(hubs))
        raw = job_event(j, sorted(set(inputs)), start)
        t0 = time.thread_time()
        apply(kv, raw)
        t1 = time.thread_time()
        if cataloguer is not None:
            cataloguer.add(raw)
        fold, catalogue = fold + t1 - t0, catalogue + time.thread_time() - t1
    out: dict[str, Any] = {
        "jobs": jobs,
        "datasets": 2 * jobs,
        "fold_cpu_s": round(fold, 1),
        "fold_events_per_cpu_s": round(jobs / fold),
    }
    if cataloguer is not None:
        out["cohort_cpu_s"] = round(catalogue, 1)
        out["cohort"] = cataloguer.graph.status()
    return out


def timed(work: Callable[[], Any], samples: int) -> tuple[list[float], list[float], list[Any]]:
    """Wall and thread-CPU milliseconds of each call, and the answers."""
    walls, cpus, answers = [], [], []
    for _ in range(samples):
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        answers.append(work())
        cpus.append((time.thread_time_ns() - c0) / 1e6)
        walls.append((time.perf_counter_ns() - t0) / 1e6)
    return walls, cpus, answers


def percentiles(walls: list[float], cpus: list[float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for label, values in (("", walls), ("cpu_", cpus)):
        ordered = sorted(values)
        out[f"{label}p50_ms"] = round(ordered[len(ordered) // 2], 2)
        out[f"{label}p99_ms"] = round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2)
        out[f"{label}max_ms"] = round(ordered[-1], 2)
        out[f"{label}mean_ms"] = round(statistics.fmean(ordered), 2)
    return out


def measure(
    kv: RocksKeyValue, cohort: LineageGraph, jobs: int, depth: int, samples: int, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed + 1)
    model = ReadModel(kv)
    nodes = [
        f"job:{NAMESPACE}:etl.job{rng.randrange(jobs)}"
        if rng.random() < 1 / 3
        else "dataset:{namespace}:{name}".format(**dataset(rng.randrange(2 * jobs)))
        for _ in range(samples + 100)
    ]
    it = iter(nodes)

    def query() -> int:
        answer = lineage([OpenLineageGraph(model), cohort.source()], next(it), depth)
        orjson.dumps(answer)
        return len(answer["graph"])

    timed(query, 100)  # warm the block cache and the code paths
    walls, cpus, sizes = timed(query, samples)
    out: dict[str, Any] = {"lineage_depth": depth, "queries": samples, **percentiles(walls, cpus)}
    out["nodes_p50"] = sorted(sizes)[len(sizes) // 2]
    out["nodes_p99"] = sorted(sizes)[int(0.99 * len(sizes))]
    out["nodes_max"] = max(sizes)

    offsets = iter(rng.randrange(0, jobs - 100) for _ in range(10_000))
    walls, cpus, _ = timed(lambda: orjson.dumps(model.jobs(NAMESPACE, Page(100, next(offsets)))), 50)
    out["jobs_page_100_any_offset"] = percentiles(walls, cpus)
    walls, cpus, _ = timed(lambda: orjson.dumps(model.jobs(NAMESPACE, Page(100, 0))), 50)
    out["jobs_page_100_first"] = percentiles(walls, cpus)
    names = iter(f"etl.job{rng.randrange(jobs)}" for _ in range(10_000))
    walls, cpus, _ = timed(lambda: orjson.dumps(model.runs(NAMESPACE, next(names), Page(100, 0))), 200)
    out["runs_page"] = percentiles(walls, cpus)
    kinds = frozenset({"job", "dataset", "namespace", "field"})
    for label, low, high in (("search_3_digits", 100, 999), ("search_2_digits", 10, 99)):
        words = iter(f"table{rng.randrange(low, high)}" for _ in range(10_000))
        walls, cpus, found = timed(lambda w=words: model.search(next(w), kinds=kinds, page=Page(10, 0)), 200)
        out[label] = {**percentiles(walls, cpus), "matches_p50": sorted(f["totalCount"] for f in found)[100]}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explorer_lineage", description=__doc__)
    parser.add_argument("--jobs", type=int, default=50_000)
    parser.add_argument("--window", type=int, default=2_000)
    parser.add_argument("--hubs", type=int, default=0)
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-cohort", action="store_true", help="leave the cohort graph empty")
    parser.add_argument("--no-compact", action="store_true", help="query the stores as the build left them")
    parser.add_argument(
        "--cache-mb", type=int, default=256, help="RocksDB block cache of each store (and a bloom filter)"
    )
    parser.add_argument("--dir", type=Path, help="where the stores go (default: a temporary directory)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/explorer_lineage.json"))
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="explorer-bench-", dir=args.dir))
    kv = RocksKeyValue(root / "read-model", args.cache_mb)
    cohort_kv = RocksKeyValue(root / "cohort", args.cache_mb)
    try:
        result: dict[str, Any] = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "window": args.window,
            "hubs": args.hubs,
            "block_cache_mb": args.cache_mb,
        }
        cohort = LineageGraph(cohort_kv)
        cataloguer = None if args.no_cohort else Cataloguer(cohort)
        result["build"] = build(kv, cataloguer, args.jobs, args.window, args.hubs, args.seed)
        # The cataloguer's per-instance state (350,000 objects) belongs to the build, not to a
        # replica answering queries: dropped, and what is left frozen, so that collections of
        # the benchmark's own garbage do not land inside a timed query.
        cataloguer = None
        gc.collect()
        gc.freeze()
        for store in (kv, cohort_kv):
            store.db.flush()
            if not args.no_compact:
                store.db.compact_range(None, None)  # a long-lived store's steady state, not a fresh bulk load
        result["sst_files"] = {
            name: len(list((root / name).glob("*.sst"))) for name in ("read-model", "cohort")
        }
        for name in ("read-model", "cohort"):
            result[f"{name}_mb"] = round(sum(f.stat().st_size for f in (root / name).rglob("*")) / 1e6, 1)
        result["load_average_before_queries"] = os.getloadavg()
        result["query"] = measure(kv, cohort, args.jobs, args.depth, args.samples, args.seed)
        result["load_average_after_queries"] = os.getloadavg()
        print(json.dumps(result, indent=2))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        kv.close()
        cohort_kv.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
