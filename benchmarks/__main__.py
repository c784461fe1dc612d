"""`python -m benchmarks [--quick] [--group main|extra|all] [--only a,b]`.

Starts the embedded broker on a free port (or uses `KAFKA_BOOTSTRAP`), runs the raw aiokafka
loop first and then every selected scenario, prints one table and writes the same figures
to `benchmarks/results/latest.json`. Ratios divide by the raw loop of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import harness

# One module per scenario (each registers itself with @harness.scenario). A new scenario is
# one new module and one line here.
SCENARIO_MODULES = (
    "benchmarks.raw_loop",
    "benchmarks.cohort_instances",
    "benchmarks.openlineage_intake",
    "benchmarks.rest_intake",
    "benchmarks.two_replicas",
)


def load_scenarios() -> dict[str, harness.Scenario]:
    for module in SCENARIO_MODULES:
        importlib.import_module(module)
    return harness.SCENARIOS


def select(scenarios: dict[str, harness.Scenario], group: str, only: str | None) -> list[harness.Scenario]:
    if only:
        names = [n.strip() for n in only.split(",") if n.strip()]
        unknown = [n for n in names if n not in scenarios]
        if unknown:
            raise SystemExit(f"unknown scenario(s) {unknown}; known: {sorted(scenarios)}")
        chosen = [scenarios[n] for n in names]
    else:
        chosen = [s for s in scenarios.values() if group == "all" or s.group == group]
    reference = [s for s in scenarios.values() if s.reference]
    chosen = reference + [s for s in chosen if not s.reference]
    return sorted(chosen, key=lambda s: (not s.reference, s.group != "main", s.order))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="short phases: the whole run in under two minutes"
    )
    parser.add_argument(
        "--group",
        choices=["main", "extra", "all"],
        default="main",
        help="main: the issue's table; extra: variants of it (the raw loop on uvloop, ingest replicas)",
    )
    parser.add_argument("--only", help="comma-separated scenario names (the raw loop always runs)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--seconds", type=float, help="seconds of work in the throughput backlog")
    parser.add_argument("--latency-seconds", type=float, help="length of the paced latency phase")
    parser.add_argument(
        "--latency-rate",
        type=float,
        help="events/s of every latency phase (default: half each scenario's measured rate); "
        "with one rate for all, each path's latency compares with the raw loop's at the same load",
    )
    parser.add_argument("--events", type=int, help="fixed throughput backlog instead of a calibrated one")
    parser.add_argument("--soak-events", type=int, help="also run this many events paced, for memory growth")
    parser.add_argument(
        "--soak-rate", type=float, help="events/s of the soak (default: half the measured rate)"
    )
    parser.add_argument(
        "--restart",
        type=int,
        nargs="?",
        const=2,
        default=0,
        metavar="N",
        help="after the soak, restart the workers on their state N times (default 2: on the "
        "embedded broker a first stop leaves its group members behind; see README) (SIGTERM, "
        "same LINEAGE_DATA_DIR) and time process start -> GET /ready 200 and -> the first event handled",
    )
    parser.add_argument(
        "--profile", type=Path, help="py-spy each child during the throughput phase, into DIR"
    )
    parser.add_argument("--json", type=Path, default=harness.RESULTS_DIR / "latest.json")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, data)")
    parser.add_argument(
        "--work-under",
        type=Path,
        help="make the work directory (logs, the workers' data: the file log store) under DIR, "
        "e.g. /dev/shm to keep the disk out of the figures (default: the system's temp directory)",
    )
    parser.add_argument(
        "--bracket",
        choices=["auto", "yes", "no"],
        default="auto",
        help="run the raw loop again at the end and divide by the mean of both (auto: unless --quick main)",
    )
    parser.add_argument("--update-readme", action="store_true", help="put the table in benchmarks/README.md")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    scenarios = load_scenarios()
    if args.list:
        for s in sorted(scenarios.values(), key=lambda s: (s.group, s.order)):
            print(f"{s.name:<28} {s.group:<11} {s.title}")
        return 0
    chosen = select(scenarios, args.group, args.only)
    workdir = Path(tempfile.mkdtemp(prefix="lineage-bench-", dir=args.work_under))
    config = harness.BenchConfig.for_mode(
        args.quick,
        target_seconds=args.seconds,
        latency_seconds=args.latency_seconds,
        latency_rate=args.latency_rate,
        events=args.events,
        soak_events=args.soak_events,
        soak_rate=args.soak_rate,
        restarts=args.restart,
        profile_dir=args.profile,
        workdir=workdir,
    )
    machine = harness.machine_description()
    broker = harness.open_broker(workdir)
    ctx = harness.RunContext(config, broker, workdir)
    started = time.monotonic()
    print(f"broker {broker.kind} at {broker.bootstrap}; work dir {workdir}", file=sys.stderr, flush=True)
    try:
        for item in chosen:
            print(f"-- {item.name}: {item.title}", file=sys.stderr, flush=True)
            result = await harness.run_scenario(ctx, item)
            ctx.results[item.name] = result
            print(
                f"   {result.status} {result.events_per_s:,.0f} ev/s {result.note[:200]}",
                file=sys.stderr,
                flush=True,
            )
        if bracket(args, chosen):
            await rerun_reference(ctx, chosen)
    finally:
        for cleanup in reversed(ctx.cleanups):
            try:
                await cleanup()
            except Exception as exc:  # a cleanup failing must not hide the results
                print(f"cleanup failed: {exc!r}", file=sys.stderr)
        broker.stop()
    reference = next((ctx.results[s.name] for s in chosen if s.reference), None)
    for result in ctx.results.values():
        if (
            reference is not None
            and reference.status == "ok"
            and result.status == "ok"
            and reference.events_per_s
        ):
            result.ratio_to_raw = result.events_per_s / reference.events_per_s
    results = list(ctx.results.values())
    table = harness.render_table(results, machine, broker.kind)
    print(table)
    meta = {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
        "quick": args.quick,
        "broker": broker.kind,
        "wall_seconds": round(time.monotonic() - started, 1),
        "config": {k: str(v) for k, v in vars(config).items()},
        "table": table,
    }
    harness.write_json(args.json, results, machine, meta)
    if args.update_readme:
        update_readme(table, meta["command"], meta["wall_seconds"])
    print(f"\nwrote {args.json} ({meta['wall_seconds']} s)", file=sys.stderr)
    failed = [r for r in results if r.status == "failed"]
    if args.keep or failed:
        print(f"logs kept in {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def bracket(args: argparse.Namespace, chosen: list[harness.Scenario]) -> bool:
    """On a shared machine the load moves during a run: measure the reference before and after."""
    if args.bracket != "auto":
        return bool(args.bracket == "yes")
    return len(chosen) > 2 and not (args.quick and args.group == "main" and not args.only)


async def rerun_reference(ctx: harness.RunContext, chosen: list[harness.Scenario]) -> None:
    item = next((s for s in chosen if s.reference), None)
    first = ctx.results.get(item.name) if item else None
    if item is None or first is None or first.status != "ok":
        return
    print(f"-- {item.name} again (bracketing the run)", file=sys.stderr, flush=True)
    again = await harness.run_scenario(ctx, item)
    if again.status != "ok":
        return
    runs = [round(first.events_per_s), round(again.events_per_s)]
    first.events_per_s = sum(runs) / 2
    first.extra["events_per_s_runs"] = runs
    first.extra["cpu_us_per_event_runs"] = [first.cpu_us_per_event, again.cpu_us_per_event]
    first.note = f"mean of {runs[0]:,} (first) and {runs[1]:,} (last)"


def update_readme(table: str, command: str, seconds: float) -> None:
    """Replace the block between the latest-table markers of benchmarks/README.md."""
    readme = harness.BENCH_DIR / "README.md"
    text = readme.read_text()
    start, end = "<!-- latest-table -->", "<!-- /latest-table -->"
    if start not in text or end not in text:
        print("README.md has no latest-table markers; not updated", file=sys.stderr)
        return
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = f"{start}\n`{command}` ({when}, {seconds:.0f} s):\n\n```\n{table}\n```\n{end}"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    readme.write_text(head + block + tail)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
