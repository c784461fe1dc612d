"""REST intake: `POST /api/v1/lineage` (single events) and `/api/v1/lineage/batch`, concurrent clients.

One real worker; the load is aiohttp clients in the harness process (on the same cores, as
`wrk` was for the figures in performance-notes.md). Handled = the event arrived on the
internal topic (a 2xx means it is there). Phases, as for the Kafka scenarios: throughput
(`concurrency` clients posting as fast as they are answered for `target_seconds`), then
latency with requests paced at `rate_fraction` of that rate. The table also gets the HTTP
answer times (`http_p50_ms`, `http_p99_ms` in the JSON) and the client's own CPU, because
on two cores the load generator can be the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from benchmarks.harness import (
    ChildProcess,
    Collector,
    NotAvailable,
    OpenLineageRecords,
    Profiler,
    RssSampler,
    RunContext,
    ScenarioResult,
    cpu_seconds,
    idle_threshold,
    parse_marks,
    percentile,
    process_pids,
    scenario,
    wait_idle,
)
from benchmarks.openlineage_intake import require_intake
from benchmarks.workers import fleet

SINGLE_PATH = "/api/v1/lineage"
BATCH_PATH = "/api/v1/lineage/batch"


def require_routes(ctx: RunContext, paths: tuple[str, ...]) -> None:
    """The feature probe: the worker's service registers these POST routes."""
    require_intake()
    try:
        from app.service import build_worker
        from app.settings import Settings

        settings = Settings(broker="kafka://127.0.0.1:9", data_dir=ctx.path("rest-probe", "x").parent)
        worker = build_worker(settings)
        router = worker.app.web.web_app.router  # type: ignore[attr-defined]
        for store in worker.runtime.stores:  # the next probe of this run opens them again
            store.close()
        worker.state_dir.release()
        posts = {
            route.resource.canonical for route in router.routes() if route.method == "POST" and route.resource
        }
    except Exception as exc:
        raise NotAvailable(
            f"cannot build the service to look for REST routes ({type(exc).__name__}: {exc})"
        ) from None
    missing = [p for p in paths if p not in posts]
    if missing:
        raise NotAvailable(f"no POST {', '.join(missing)} in the worker")


async def wait_ready(child: ChildProcess, port: int, seconds: float) -> None:
    import aiohttp

    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            child.check_alive()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(
                    f"http://127.0.0.1:{port}/ready", timeout=aiohttp.ClientTimeout(total=2)
                ) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.3)
    raise RuntimeError(f"worker not ready within {seconds:.0f}s:\n{child.log_tail()}")


class HttpLoad:
    """Clients posting marked events; remembers which seqs were accepted and the answer times."""

    def __init__(self, url: str, batch: int, records: OpenLineageRecords, first_seq: int) -> None:
        self.url = url
        self.batch = batch
        self.records = records
        self.next_seq = first_seq
        self.accepted: list[range] = []
        self.http_ms: list[float] = []
        self.errors = 0
        self.session: Any = None

    async def __aenter__(self) -> HttpLoad:
        import aiohttp

        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()

    def _body(self) -> tuple[range, bytes]:
        seqs = range(self.next_seq, self.next_seq + self.batch)
        self.next_seq += self.batch
        make = self.records.make
        values = [make(seq, time.time_ns())[1] for seq in seqs]
        if self.batch == 1 and not self.url.endswith("/batch"):
            return seqs, values[0]
        return seqs, b"[" + b",".join(values) + b"]"

    async def post_one(self) -> None:
        seqs, body = self._body()
        started = time.perf_counter()
        try:
            async with self.session.post(
                self.url, data=body, headers={"Content-Type": "application/json"}
            ) as r:
                await r.read()
                ok = 200 <= r.status < 300
        except Exception:
            ok = False
        self.http_ms.append((time.perf_counter() - started) * 1000)
        if ok:
            self.accepted.append(seqs)
        else:
            self.errors += 1

    async def flood(self, concurrency: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds

        async def client() -> None:
            while time.monotonic() < deadline:
                await self.post_one()

        await asyncio.gather(*(client() for _ in range(concurrency)))

    async def paced(self, events_per_s: float, seconds: float, concurrency: int) -> float:
        """Requests started at a steady rate (at most `concurrency` in flight); achieved events/s."""
        requests_per_s = events_per_s / self.batch
        total = max(10, int(requests_per_s * seconds))
        limit = asyncio.Semaphore(concurrency)
        tasks: list[asyncio.Task[None]] = []

        async def one() -> None:
            async with limit:
                await self.post_one()

        started = time.perf_counter()
        for i in range(total):
            delay = started + i / requests_per_s - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        return total * self.batch / (time.perf_counter() - started)

    def seqs_since(self, mark: int) -> list[int]:
        return [s for r in self.accepted[mark:] for s in r]


async def run_rest(
    ctx: RunContext,
    result: ScenarioResult,
    *,
    path: str,
    batch: int,
    concurrency: int,
    read_models: str = "on",
) -> ScenarioResult:
    require_routes(ctx, (path,))
    workers = await fleet(ctx, 1, read_models=read_models)
    child, port = workers.children[0], workers.ports[0]
    records = OpenLineageRecords()
    collector = Collector(ctx.broker.bootstrap, [workers.internal_topic], parse_marks)
    # Concurrent clients: two events of one key in two requests have no order to keep.
    collector.check_order = False
    result.extra.update(batch=batch, concurrency=concurrency, record_bytes=records.size)
    config = ctx.config
    try:
        await wait_ready(child, port, seconds=120)
        await collector.start()
        url = f"http://127.0.0.1:{port}{path}"
        async with HttpLoad(url, batch, records, ctx.seq_base()) as load:
            with RssSampler([child]) as rss:
                # warm-up
                await load.flood(concurrency, 1.0)
                await _wait_arrivals(collector, load.seqs_since(0), 30, child)
                pids = process_pids([child])
                await wait_idle(pids, time.time_ns(), seconds=30)
                idle_at = await idle_threshold(pids, 1)
                result.extra["idle_cores"] = round(idle_at.baseline, 3)
                # throughput: clients flood, the rate counts until the worker is idle again
                mark = len(load.accepted)
                # `--profile DIR`: py-spy on the worker for the throughput phase only
                profiler = Profiler(config.profile_dir, result.name, [child])
                cpu_before, own_before = cpu_seconds(pids), cpu_seconds([_self_pid()])
                t0 = time.time_ns()
                await load.flood(concurrency, config.target_seconds)
                seqs = load.seqs_since(mark)
                got = await _wait_arrivals(collector, seqs, 60, child)
                last = max((collector.arrival_ns[s] for s in seqs if s in collector.arrival_ns), default=t0)
                idle = await wait_idle(pids, last, seconds=60, cores=idle_at.cores)
                cpu, own = cpu_seconds(pids) - cpu_before, cpu_seconds([_self_pid()]) - own_before
                profiler.stop()
                elapsed = (max(last, idle) - t0) / 1e9
                result.events = got
                result.lost += len(seqs) - got
                result.events_per_s = got / elapsed if elapsed > 0 else 0.0
                result.cpu_us_per_event = cpu.total / max(got, 1) * 1e6
                result.cpu_main_share = cpu.main / cpu.total if cpu.total else None
                http = sorted(load.http_ms[mark:])
                result.extra.update(
                    http_errors=load.errors,
                    http_p50_ms_at_max=round(percentile(http, 0.5), 1),
                    output_events_per_s=round(got / ((last - t0) / 1e9), 1) if last > t0 else None,
                    client_cpu_cores=round(own.total / elapsed, 2) if elapsed > 0 else None,
                    worker_cpu_cores=round(cpu.total / elapsed, 2) if elapsed > 0 else None,
                )
                # latency at a fraction of the maximum
                mark = len(load.accepted)
                http_mark = len(load.http_ms)
                rate = config.latency_rate or result.events_per_s * config.rate_fraction
                achieved = await load.paced(rate, config.latency_seconds, concurrency)
                seqs = load.seqs_since(mark)
                got = await _wait_arrivals(collector, seqs, 60, child)
                result.lost += len(seqs) - got
                arrival, sent = collector.arrival_ns, collector.sent_ns
                values = sorted((arrival[s] - sent[s]) / 1e6 for s in seqs if s in arrival)
                http = sorted(load.http_ms[http_mark:])
                result.latency_rate, result.latency_events = achieved, len(values)
                if values:
                    result.p50_ms, result.p99_ms = percentile(values, 0.5), percentile(values, 0.99)
                    result.max_ms = values[-1]
                result.extra.update(
                    http_p50_ms=round(percentile(http, 0.5), 1), http_p99_ms=round(percentile(http, 0.99), 1)
                )
                rss.sample()
                result.peak_rss_mb = rss.peak / 2**20
        result.duplicates = collector.duplicates
        client = result.extra.get("client_cpu_cores") or 0
        if client > 0.8:
            result.note = f"client used {client} cores"
        return result
    finally:
        await collector.stop()


def _self_pid() -> int:
    import os

    return os.getpid()


async def _wait_arrivals(collector: Collector, seqs: list[int], seconds: float, child: ChildProcess) -> int:
    deadline = time.monotonic() + seconds
    arrival = collector.arrival_ns
    while time.monotonic() < deadline:
        child.check_alive()
        got = sum(1 for s in seqs if s in arrival)
        if got >= len(seqs):
            return got
        await asyncio.sleep(0.1)
    return sum(1 for s in seqs if s in arrival)


@scenario("rest_single", "REST intake, single events, 32 clients", order=40)
async def rest_single(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_rest(ctx, result, path=SINGLE_PATH, batch=1, concurrency=32)


@scenario("rest_batch", "REST intake, batches of 100, 8 clients", order=41)
async def rest_batch(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_rest(ctx, result, path=BATCH_PATH, batch=100, concurrency=8)


@scenario(
    "rest_batch_ingest",
    "REST intake, batches of 100, 8 clients, read models off (ingest replica)",
    group="extra",
    order=42,
)
async def rest_batch_ingest(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_rest(ctx, result, path=BATCH_PATH, batch=100, concurrency=8, read_models="off")
