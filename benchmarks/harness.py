"""The benchmark harness: broker, load, collection, timing, /proc sampling, registry, report.

How one streaming scenario is measured (`measure_stream`):

1. The processes under test run as children (their own sessions), on a broker shared by the
   whole run: the embedded tansu on a free port, or `KAFKA_BOOTSTRAP`.
2. **Live**: a probe record every 0.5 s until one comes out at the other end (start-up and
   group join are not measured).
3. **Calibrate**: the children are stopped (SIGSTOP), a small backlog is produced, they are
   continued (SIGCONT) and the drain rate sizes the real backlog (`target_seconds` of work).
4. **Throughput**: the same with that backlog: events/s = backlog / (last arrival - SIGCONT),
   CPU per event from `/proc/<pid>/task/*/stat` (main thread and other threads apart), and
   the broker's CPU when it is the embedded one. Producing while the children are stopped
   keeps the load generator's CPU out of the measurement on a 2-core machine.
5. **Latency**: records produced at `rate_fraction` (0.5) of the measured rate (or at
   `latency_rate`, the same for every scenario) for `latency_seconds`; each carries its
   send time (`benchSentNs`), so latency is arrival on the output topic minus send time:
   produce to handled, queueing included.
6. **Soak** (optional, `--soak-events`): a long paced run; RSS at its start and after each
   tenth, and its spread over the last 80%.
7. **Restart** (optional, `--restart [N]`, worker scenarios): every worker stopped with
   SIGTERM and started again on the same `LINEAGE_DATA_DIR`, N times; seconds from process
   start to `GET /ready` 200 and to the first record (produced while they were down)
   handled, and the state directory's size on disk.

Peak RSS is sampled from `/proc` every 0.2 s for each child's whole process tree. Every
arrival is checked: duplicates, and order per key (a record arriving after a later one of
the same key), so a faster design that breaks a guarantee shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
PARTITIONS = 4
RECORD_BYTES = 1024
KEYS = 64

# Consumer-group timings for every process under test: sessions long enough to survive a
# SIGSTOP while a backlog is produced, and no longer: the embedded broker makes a first
# join wait half the session timeout (measured: 30 s -> 15 s, 6 s -> 3 s).
SESSION_TIMEOUT_S = 8.0
REBALANCE_TIMEOUT_S = 3.0
HEARTBEAT_INTERVAL_S = 1.0
MAX_STOPPED_S = 5.0  # never keep a child stopped longer (its session would expire)
# tansu answers a fetch only after a good part of fetch.max.wait.ms even when data arrives
# (measured p50 ~ max_wait/4, p90 ~ max_wait/2), so every consumer that should have low
# latency uses a short wait (the worker's streams: LINEAGE_STREAM_FETCH_WAIT_MS, 25 ms).
FETCH_MAX_WAIT_MS = 10

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class NotAvailable(Exception):
    """The feature a scenario measures is not in the code yet: reported, never faked."""


# --------------------------------------------------------------------------- configuration


@dataclass
class BenchConfig:
    quick: bool = False
    target_seconds: float = 10.0  # of work in the throughput backlog
    latency_seconds: float = 10.0
    rate_fraction: float = 0.5
    # events/s of every scenario's latency phase; default: rate_fraction of its measured rate.
    # One rate for all compares each path's latency with the raw loop's at the same load.
    latency_rate: float | None = None
    calibrate_events: int = 3000
    min_events: int = 2000
    max_events: int = 1_000_000
    events: int | None = None  # fixed backlog instead of a calibrated one
    soak_events: int = 0
    soak_rate: float | None = None  # events/s of the soak; default: the latency phase's rate
    restarts: int = 0  # after the soak, restart the workers on their state this many times
    profile_dir: Path | None = None
    workdir: Path = field(default_factory=lambda: Path(os.environ.get("TMPDIR", "/tmp")))

    @classmethod
    def for_mode(cls, quick: bool, **overrides: Any) -> BenchConfig:
        base = (
            cls(quick=True, target_seconds=2.5, latency_seconds=2.0, calibrate_events=1000, min_events=1000)
            if quick
            else cls()
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(base, key, value)
        return base


# --------------------------------------------------------------------------- broker


@dataclass
class BrokerHandle:
    bootstrap: str
    kind: str
    pid: int | None = None
    _embedded: Any = None

    @property
    def url(self) -> str:
        return "kafka://" + self.bootstrap.replace(",", ";kafka://")

    def stop(self) -> None:
        if self._embedded is not None:
            self._embedded.stop()


def open_broker(workdir: Path) -> BrokerHandle:
    """`KAFKA_BOOTSTRAP` when set, else a fresh embedded broker on a free port."""
    if os.environ.get("KAFKA_BOOTSTRAP"):
        return BrokerHandle(os.environ["KAFKA_BOOTSTRAP"], "external (KAFKA_BOOTSTRAP)")
    from app.broker import EmbeddedBroker, free_port

    broker = EmbeddedBroker(port=free_port()).start(log_path=str(workdir / "tansu.log"))
    pid = broker.process.pid if broker.process else None
    return BrokerHandle(broker.bootstrap, "embedded tansu (memory)", pid, broker)


async def create_topics(bootstrap: str, names: Sequence[str], partitions: int = PARTITIONS) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for name in names:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- records

SENT_MARK = b'"benchSentNs":'
SEQ_MARK = b'"benchSeq":'
PRODUCER_URI = "https://github.com/lineage-integrator/benchmarks"
RUN_EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def _openlineage_body(size: int) -> bytes:
    """The part of a ~`size`-byte OpenLineage RunEvent after the two bench marks."""

    def dataset(namespace: str, name: str, columns: int) -> dict[str, Any]:
        return {
            "namespace": namespace,
            "name": name,
            "facets": {
                "schema": {
                    "_producer": PRODUCER_URI,
                    "fields": [{"name": f"column_{i:02d}", "type": "VARCHAR"} for i in range(columns)],
                }
            },
        }

    def build(columns: int) -> bytes:
        event = {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-01T00:00:00.000Z",
            "producer": PRODUCER_URI,
            "schemaURL": RUN_EVENT_SCHEMA,
            "run": {
                "runId": "@RUNID@",
                "facets": {
                    "nominalTime": {
                        "_producer": PRODUCER_URI,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json",
                        "nominalStartTime": "2026-01-01T00:00:00Z",
                    }
                },
            },
            "job": {"namespace": "bench", "name": "@JOB@"},
            "inputs": [dataset("postgres://db.example.com:5432", "sales.public.orders", columns)],
            "outputs": [dataset("s3://warehouse", "rollups/daily_sales", columns)],
        }
        import orjson

        return orjson.dumps(event)[1:]  # without the opening brace

    columns = 1
    while len(build(columns + 1)) + 48 <= size:
        columns += 1
    return build(columns)


class RecordFactory(Protocol):
    """What a Loader produces: `make(seq, sent_ns) -> (key, value)`; `size` in bytes.

    A factory whose records cannot carry the send time sets `tracks_sent = True`: the loader
    then keeps it, and the scenario's parse function returns -1 for it.
    """

    size: int

    def make(self, seq: int, sent_ns: int) -> tuple[bytes, bytes]: ...


class OpenLineageRecords:
    """~1 KB valid OpenLineage RunEvents, keyed as the official client keys them.

    The first fields are `benchSentNs` (time.time_ns() at send) and `benchSeq`: extra
    top-level fields, which the spec allows, so the service republishes them untouched.
    """

    def __init__(self, size: int = RECORD_BYTES, keys: int = KEYS) -> None:
        body = _openlineage_body(size)
        head, _, rest = body.partition(b"@RUNID@")
        middle, _, tail = rest.partition(b"@JOB@")
        self._parts = (head, middle, tail)
        self._keys = [f"run:bench/job-{i:03d}".encode() for i in range(keys)]
        self._jobs = [f"job-{i:03d}".encode() for i in range(keys)]
        self.size = len(self.make(0, time.time_ns())[1])

    def make(self, seq: int, sent_ns: int) -> tuple[bytes, bytes]:
        j = seq % len(self._keys)
        head, middle, tail = self._parts
        value = b"".join(
            (
                b'{"benchSentNs":%d,"benchSeq":%d,' % (sent_ns, seq),
                head,
                b"00000000-0000-4000-8000-%012d" % (seq % 10**12),  # a run per event
                middle,
                self._jobs[j],
                tail,
            )
        )
        return self._keys[j], value


def parse_marks(value: bytes | None) -> tuple[int, int] | None:
    """(seq, sent_ns) from a record carrying the bench marks, None for anything else."""
    if not value:
        return None
    i = value.find(SEQ_MARK, 0, 96)
    j = value.find(SENT_MARK, 0, 64)
    if i < 0 or j < 0:
        return None
    i += len(SEQ_MARK)
    j += len(SENT_MARK)
    try:
        return int(value[i : value.index(b",", i)]), int(value[j : value.index(b",", j)])
    except ValueError:
        return None


# --------------------------------------------------------------------------- child processes


def module_command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def worker_command(web_port: int) -> list[str]:
    """`lineage-integrator worker --web-port N`, as a user runs it."""
    script = Path(sys.executable).with_name("lineage-integrator")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]
    return [*base, "worker", "--web-port", str(web_port)]


def worker_env(broker: BrokerHandle, server_name: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """LINEAGE_* for one benchmark worker (short rebalances, sessions that outlive a SIGSTOP)."""
    env = {
        "LINEAGE_BROKER": broker.url,
        "LINEAGE_SERVER_NAME": server_name,
        "LINEAGE_DATA_DIR": str(data_dir),
        "LINEAGE_COHORTS": unique("benchCohort"),
        "LINEAGE_SESSION_TIMEOUT_S": str(SESSION_TIMEOUT_S),
        "LINEAGE_REBALANCE_TIMEOUT_S": str(REBALANCE_TIMEOUT_S),
        "LINEAGE_HEARTBEAT_INTERVAL_S": str(HEARTBEAT_INTERVAL_S),
        # The level a user runs; BENCH_WORKER_LOG_LEVEL=debug adds aiokafka's group and fetch
        # lines to the workers' logs (kept with --keep), to see where a start's seconds go.
        "LINEAGE_LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "info"),
    }
    env.update(extra)
    return env


class ChildProcess:
    """A process under test: own session (so SIGSTOP/SIGCONT/kill reach its whole group)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ChildProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": _pythonpath(), **self.env}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=PROJECT_DIR,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} not started"
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            code = self.process.returncode if self.process else None
            raise RuntimeError(f"{self.name} exited with {code}:\n{self.log_tail()}")

    def _signal_group(self, sig: int) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)

    def suspend(self) -> None:
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def stop(self, timeout: float = 8.0) -> None:
        self.terminate(timeout)

    def terminate(self, timeout: float = 8.0) -> tuple[float, bool]:
        """SIGTERM, then SIGKILL after `timeout`: (seconds until it exited, whether it exited
        on its own)."""
        if self.process is None:
            return 0.0, True
        self.resume()
        started, clean = time.monotonic(), True
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                clean = False
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=10)
        seconds = time.monotonic() - started
        # Anything the child left in its group.
        self._signal_group(signal.SIGKILL)
        return seconds, clean

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _pythonpath() -> str:
    current = os.environ.get("PYTHONPATH", "")
    return str(PROJECT_DIR) + (os.pathsep + current if current else "")


# --------------------------------------------------------------------------- /proc sampling


def tree_pids(pid: int) -> list[int]:
    """pid and all its descendants (via /proc/<pid>/task/<tid>/children)."""
    result, todo = [], [pid]
    while todo:
        current = todo.pop()
        result.append(current)
        task_dir = Path(f"/proc/{current}/task")
        with contextlib.suppress(OSError):
            for task in task_dir.iterdir():
                with contextlib.suppress(OSError):
                    todo.extend(int(c) for c in (task / "children").read_text().split())
    return result


def rss_bytes(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
    return total


@dataclass
class CpuSample:
    main: float = 0.0  # seconds: the main thread of each process (the event loop)
    other: float = 0.0  # seconds: every other thread (the file log store's writers, RocksDB's)

    @property
    def total(self) -> float:
        return self.main + self.other

    def __sub__(self, other: CpuSample) -> CpuSample:
        return CpuSample(self.main - other.main, self.other - other.other)


def cpu_seconds(pids: Sequence[int]) -> CpuSample:
    """utime+stime of every thread of every pid, main threads apart."""
    sample = CpuSample()
    for pid in pids:
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = (task / "stat").read_text()
                    fields = stat[stat.rindex(")") + 2 :].split()
                    seconds = (int(fields[11]) + int(fields[12])) / CLK_TCK
                    if int(task.name) == pid:
                        sample.main += seconds
                    else:
                        sample.other += seconds
    return sample


def io_bytes(pids: Sequence[int]) -> tuple[int, int]:
    """(rchar, wchar) of the pids: bytes read and written, sockets included."""
    read = written = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/io").read_text().splitlines():
                name, _, value = line.partition(":")
                if name == "rchar":
                    read += int(value)
                elif name == "wchar":
                    written += int(value)
    return read, written


class RssSampler:
    """Peak and last RSS of the children's process trees, every `interval` seconds."""

    def __init__(self, children: Sequence[ChildProcess], interval: float = 0.2) -> None:
        self.children = children
        self.interval = interval
        self.peak = 0
        self.last = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> int:
        pids = [p for child in self.children if child.alive() for p in tree_pids(child.pid)]
        self.last = rss_bytes(pids)
        self.peak = max(self.peak, self.last)
        return self.last

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def process_pids(children: Sequence[ChildProcess]) -> list[int]:
    return [p for child in children if child.alive() for p in tree_pids(child.pid)]


# --------------------------------------------------------------------------- collector


class Window:
    """A range of seqs the harness waits for: how many arrived, and when the last did."""

    def __init__(self, seqs: range, every: int = 1) -> None:
        self.seqs = seqs
        self.every = every
        self.expected = len(seqs) if every == 1 else sum(1 for s in seqs if s % every == 0)
        self.count = 0
        self.last_ns = 0

    @property
    def complete(self) -> bool:
        return self.count >= self.expected


class Collector:
    """Reads output topics from the beginning and notes when each marked record arrives."""

    def __init__(
        self, bootstrap: str, topics: Sequence[str], parse: Callable[[bytes | None], tuple[int, int] | None]
    ) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.parse = parse
        self.sent_fallback: dict[int, int] = {}  # send times kept by the loader, for parse -> -1
        self.arrival_ns: dict[int, int] = {}
        self.sent_ns: dict[int, int] = {}
        self.out_ms: dict[int, int] = {}  # the output record's timestamp: when the processor produced it
        self.duplicates = 0
        self.order_violations = 0
        self.check_order = True  # off where concurrent senders make the send order itself unordered
        self.unmarked = 0
        self._windows: list[Window] = []
        self._last_seq: dict[bytes | None, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._consumer: Any = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_bytes=16 * 1024 * 1024,
        )
        await self._consumer.start()
        partitions = []
        for topic in self.topics:
            deadline = time.monotonic() + 30
            while not (found := self._consumer.partitions_for_topic(topic)):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"output topic {topic} never appeared")
                await self._consumer._client.force_metadata_update()
                await asyncio.sleep(0.2)
            partitions += [TopicPartition(topic, p) for p in sorted(found)]
        self._consumer.assign(partitions)
        # From the end: topics may be shared with an earlier scenario; ours come after this.
        await self._consumer.seek_to_end(*partitions)
        self._task = asyncio.create_task(self._run())

    def window(self, seqs: range, every: int = 1) -> Window:
        """Start counting arrivals of `seqs` (before producing them); `every`: 1 in N comes out."""
        window = Window(seqs, every)
        for seq in seqs if len(seqs) < len(self.arrival_ns) else ():
            if seq in self.arrival_ns:
                window.count += 1
        self._windows = [w for w in self._windows if not w.complete] + [window]
        return window

    async def _run(self) -> None:
        consumer, parse = self._consumer, self.parse
        arrival, sent, last, out_ms = self.arrival_ns, self.sent_ns, self._last_seq, self.out_ms
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=20000)
            now = time.time_ns()
            windows = self._windows
            for records in batches.values():
                for record in records:
                    marks = parse(record.value)
                    if marks is None:
                        self.unmarked += 1
                        continue
                    seq, sent_at = marks
                    if sent_at < 0:
                        sent_at = self.sent_fallback.get(seq, now)
                    if seq in arrival:
                        self.duplicates += 1
                        continue
                    arrival[seq] = now
                    sent[seq] = sent_at
                    out_ms[seq] = record.timestamp
                    for window in windows:
                        if seq in window.seqs:
                            window.count += 1
                            window.last_ns = now
                    if self.check_order:
                        previous = last.get(record.key)
                        if previous is not None and seq < previous:
                            self.order_violations += 1
                        else:
                            last[record.key] = seq
            if batches:
                self._changed.set()

    async def wait_for(
        self, window: Window, seconds: float, watch: Sequence[ChildProcess] = (), at_least: int | None = None
    ) -> int:
        """Wait until the window is complete (or has `at_least`), or timeout; return its count."""
        need = window.expected if at_least is None else at_least
        deadline = time.monotonic() + seconds
        while window.count < need and time.monotonic() < deadline:
            for child in watch:
                child.check_alive()
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=0.5)
        return window.count

    def latencies_ms(self, seqs: range) -> list[float]:
        arrival, sent = self.arrival_ns, self.sent_ns
        return sorted((arrival[s] - sent[s]) / 1e6 for s in seqs if s in arrival)

    def to_output_ms(self, seqs: range) -> list[float]:
        """Send to the output record's timestamp: the part of the latency before the output hop."""
        out, sent = self.out_ms, self.sent_ns
        return sorted(out[s] - sent[s] / 1e6 for s in seqs if s in out)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


class CommitCollector(Collector):
    """Notes a record as handled once a consumer group has committed past it: for paths whose
    output is state rather than a topic (the cohort follower commits the offsets whose side
    effects and state are done). Needs the loader's (partition, offset) -> seq."""

    def __init__(self, bootstrap: str, topic: str, group: str, loader: Loader) -> None:
        super().__init__(bootstrap, [topic], lambda value: None)
        self.group = group
        self.loader = loader
        self.check_order = False
        self._committed: dict[int, int] = {}
        self._unmapped: dict[tuple[int, int], int] = {}
        """Offsets seen committed before the loader knew which seq they hold, with when."""

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group, enable_auto_commit=False
        )
        await self._consumer.start()
        deadline = time.monotonic() + 30
        while not (found := self._consumer.partitions_for_topic(self.topics[0])):
            if time.monotonic() > deadline:
                raise RuntimeError(f"input topic {self.topics[0]} never appeared")
            await self._consumer._client.force_metadata_update()
            await asyncio.sleep(0.2)
        self._tps = [TopicPartition(self.topics[0], p) for p in sorted(found)]
        for tp in self._tps:
            self._committed[tp.partition] = await self._consumer.committed(tp) or 0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            now = time.time_ns()
            for tp in self._tps:
                committed = await self._consumer.committed(tp) or 0
                for offset in range(self._committed[tp.partition], committed):
                    self._unmapped[(tp.partition, offset)] = now
                self._committed[tp.partition] = max(committed, self._committed[tp.partition])
            changed = False
            for where, seen_ns in list(self._unmapped.items()):
                seq = self.loader.seq_at.get(where)
                if seq is None:
                    continue
                del self._unmapped[where]
                if seq in self.arrival_ns:
                    continue
                self.arrival_ns[seq] = seen_ns
                self.sent_ns[seq] = self.sent_fallback.get(seq, seen_ns)
                changed = True
                for window in self._windows:
                    if seq in window.seqs:
                        window.count += 1
                        window.last_ns = seen_ns
            if changed:
                self._changed.set()
            await asyncio.sleep(0.02)


# --------------------------------------------------------------------------- load


class Loader:
    """Produces marked records to the input topic (aiokafka, acks=all)."""

    def __init__(self, bootstrap: str, topic: str, records: RecordFactory, first_seq: int = 0) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.records = records
        self.sent_ns: dict[int, int] = {}
        self._track = bool(getattr(records, "tracks_sent", False))
        self.next_seq = first_seq
        self._producer: Any = None
        self.seq_at: dict[tuple[int, int], int] = {}
        """(partition, offset) -> seq of every record produced, for collectors that see offsets."""

    async def start(self) -> None:
        from aiokafka import AIOKafkaProducer

        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            linger_ms=2,
            max_batch_size=256 * 1024,
            max_request_size=8 * 1024 * 1024,
        )
        await self._producer.start()

    def take(self, n: int) -> range:
        seqs = range(self.next_seq, self.next_seq + n)
        self.next_seq += n
        return seqs

    async def produce(self, seqs: range) -> float:
        """Produce as fast as possible; return the seconds it took (all acknowledged)."""
        started = time.perf_counter()
        send, make, topic = self._producer.send, self.records.make, self.topic
        futures = []
        for seq in seqs:
            now = time.time_ns()
            key, value = make(seq, now)
            if self._track:
                self.sent_ns[seq] = now
            futures.append(await send(topic, value, key=key))
        self._note_offsets(seqs, await asyncio.gather(*futures))
        return time.perf_counter() - started

    def _note_offsets(self, seqs: Sequence[int], stored: Sequence[Any]) -> None:
        for seq, meta in zip(seqs, stored, strict=True):
            self.seq_at[(meta.partition, meta.offset)] = seq

    async def paced(self, seqs: range, rate: float, every_s: float = 0.001) -> float:
        """Produce `seqs` at `rate` records/s, each stamped when sent; return the achieved rate.

        The records due are sent every `every_s`: those sent together go out in one batch
        per partition (a soak sends every SOAK_BURST_S, see there)."""
        send, make, topic = self._producer.send, self.records.make, self.topic
        futures = []
        started = time.perf_counter()
        sent = 0
        total = len(seqs)
        while sent < total:
            due = min(total, int((time.perf_counter() - started) * rate) + 1)
            while sent < due:
                now = time.time_ns()
                key, value = make(seqs[sent], now)
                if self._track:
                    self.sent_ns[seqs[sent]] = now
                futures.append(await send(topic, value, key=key))
                sent += 1
            if len(futures) > 5000:
                self._note_offsets(seqs[sent - len(futures) : sent], await asyncio.gather(*futures))
                futures.clear()
            await asyncio.sleep(every_s)
        self._note_offsets(seqs[sent - len(futures) : sent], await asyncio.gather(*futures))
        return total / max(time.perf_counter() - started, 1e-9)

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()


# --------------------------------------------------------------------------- results


@dataclass
class ScenarioResult:
    name: str
    title: str
    status: str = "ok"  # ok | not available yet | failed
    note: str = ""
    events: int = 0
    events_per_s: float = 0.0
    ratio_to_raw: float | None = None
    latency_rate: float = 0.0
    latency_events: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    peak_rss_mb: float = 0.0
    rss_growth_mb: float | None = None
    cpu_us_per_event: float | None = None
    cpu_main_share: float | None = None
    broker_cpu_us_per_event: float | None = None
    duplicates: int = 0
    order_violations: int = 0
    lost: int = 0
    processes: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunContext:
    config: BenchConfig
    broker: BrokerHandle
    workdir: Path
    results: dict[str, ScenarioResult] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)  # e.g. a worker fleet several scenarios use
    cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # run at the end
    _seq_blocks: int = 0

    def seq_base(self) -> int:
        """A seq range of its own for each measurement (topics may be shared)."""
        self._seq_blocks += 1
        return self._seq_blocks * 100_000_000

    def path(self, *parts: str) -> Path:
        path = self.workdir.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


# --------------------------------------------------------------------------- the measurement


@contextlib.contextmanager
def suspended(children: Sequence[ChildProcess]) -> Iterator[None]:
    for child in children:
        child.suspend()
    try:
        yield
    finally:
        for child in children:
            child.resume()


class Profiler:
    """py-spy on each child during one phase (`--profile DIR`), raw collapsed stacks.

    Public so scenarios with their own phases (the REST ones) profile the same way."""

    def __init__(self, directory: Path | None, name: str, children: Sequence[ChildProcess]) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        if directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        spy = Path(sys.executable).with_name("py-spy")
        for i, child in enumerate(children):
            out = directory / f"{name}-{i}.txt"
            self.processes.append(
                subprocess.Popen(
                    [str(spy), "record", "--threads", "--format", "raw", "--rate", "250", "--nonblocking",
                     "-o", str(out), "-p", str(child.pid)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        time.sleep(0.5)  # let py-spy attach before the phase starts

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)


async def measure_stream(
    ctx: RunContext,
    result: ScenarioResult,
    *,
    children: Sequence[ChildProcess],
    input_topic: str,
    output_topics: Sequence[str],
    records: RecordFactory | None = None,
    parse: Callable[[bytes | None], tuple[int, int] | None] = parse_marks,
    live_timeout: float = 120.0,
    sample_every: int = 1,
    committed_by: str | None = None,
    ready_ports: Sequence[int] = (),
) -> ScenarioResult:
    """Run the phases described in the module docstring against running `children`.

    `sample_every`: the children forward only records whose seq is a multiple of it
    (consume-only designs); rates count every record consumed. `committed_by`: a consumer
    group whose commits on the input topic mark records handled (no output topic).
    `ready_ports`: each child's web port, for the restart phase (workers answering `/ready`).
    """
    every = sample_every
    config = ctx.config
    records = records or OpenLineageRecords()
    loader = Loader(ctx.broker.bootstrap, input_topic, records, first_seq=ctx.seq_base())
    collector = (
        CommitCollector(ctx.broker.bootstrap, input_topic, committed_by, loader)
        if committed_by is not None
        else Collector(ctx.broker.bootstrap, output_topics, parse)
    )
    collector.sent_fallback = loader.sent_ns
    phases: dict[str, float] = {}
    result.extra["phase_seconds"] = phases
    mark = time.monotonic()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        phases[name] = round(now - mark, 1)
        mark = now

    await loader.start()
    await collector.start()
    phase("clients")
    result.processes = len(children)
    result.extra["record_bytes"] = records.size
    try:
        with RssSampler(children) as rss:
            # 1. live: one probe record every 0.5 s until one comes out
            probes = loader.take(100_000)
            live = collector.window(probes, every)
            deadline = time.monotonic() + live_timeout
            sent = 0
            while await collector.wait_for(live, seconds=0.5, watch=children, at_least=1) == 0:
                await loader.produce(probes[sent * every : sent * every + 1])  # probes.start % every == 0
                sent += 1
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nothing came out of {result.name} within {live_timeout:.0f}s")
            await collector.wait_for(live, seconds=10, watch=children, at_least=sent)
            phase("live")

            # 2. calibrate (also the warm-up)
            calib = loader.take(config.calibrate_events)
            rate0, produce_s = await _drain(loader, collector, children, calib, every)
            produce_rate = len(calib) / max(produce_s, 1e-6)
            n = config.events or max(
                config.min_events, min(config.max_events, int(rate0 * config.target_seconds))
            )
            most = int(produce_rate * MAX_STOPPED_S * 0.8)  # what can be produced while they are stopped
            if n > most:
                result.extra["backlog_capped_from"] = n
                n = most
            rss.sample()
            rss_warm = rss.last
            idle_at = await idle_threshold(process_pids(children), len(children))
            result.extra["idle_cores"] = round(idle_at.baseline, 3)
            phase("calibrate")

            # 3. throughput: backlog produced while the children are stopped
            seqs = loader.take(n)
            window = collector.window(seqs, every)
            pids = process_pids(children)
            for child in children:
                child.suspend()
            try:
                await loader.produce(seqs)
                profiler = Profiler(config.profile_dir, result.name, children)
                cpu_before = cpu_seconds(pids)
                io_before = io_bytes(pids)
                broker_before = cpu_seconds([ctx.broker.pid]).total if ctx.broker.pid else 0.0
                t0 = time.time_ns()
            finally:
                for child in children:
                    child.resume()
            timeout = 60 + 5 * n / max(rate0, 1.0)
            got = await collector.wait_for(window, seconds=timeout, watch=children)
            # Handled means the processes are done with it, downstream stages included (a
            # worker's connectors read what its intake wrote): the rate counts until idle,
            # measured against what these processes use when idle (`idle_threshold`).
            idle_ns = await wait_idle(pids, window.last_ns, seconds=min(timeout, 60), cores=idle_at.cores)
            cpu = cpu_seconds(pids) - cpu_before
            io_after = io_bytes(pids)
            broker_cpu = (cpu_seconds([ctx.broker.pid]).total - broker_before) if ctx.broker.pid else None
            profiler.stop()
            output_elapsed = (window.last_ns - t0) / 1e9
            elapsed = (max(window.last_ns, idle_ns) - t0) / 1e9
            got = n if got >= window.expected else got * every
            result.events = got
            result.lost += n - got
            result.events_per_s = got / elapsed if elapsed > 0 else 0.0
            result.cpu_us_per_event = cpu.total / max(got, 1) * 1e6
            result.cpu_main_share = cpu.main / cpu.total if cpu.total else None
            if broker_cpu is not None:
                result.broker_cpu_us_per_event = broker_cpu / max(got, 1) * 1e6
            result.extra.update(
                calibration_rate=round(rate0, 1),
                throughput_seconds=round(elapsed, 3),
                output_events_per_s=round(got / output_elapsed, 1) if output_elapsed > 0 else None,
                cpu_cores_used=round(cpu.total / elapsed, 2) if elapsed > 0 else None,
                load_produce_rate=round(produce_rate, 1),
                # rchar counts read()/write() only: sockets read by asyncio's recv() are not in
                # it, uvloop's are. Where it counts, > record size means records fetched twice.
                read_bytes_per_event=_per_event(io_after[0] - io_before[0], got),
                written_bytes_per_event=_per_event(io_after[1] - io_before[1], got),
            )

            phase("throughput")
            # 4. latency at a fraction of the maximum
            rate = config.latency_rate or max(1.0, result.events_per_s * config.rate_fraction)
            lat = loader.take(max(50, int(rate * config.latency_seconds)))
            window = collector.window(lat, every)
            achieved = await loader.paced(lat, rate)
            got = await collector.wait_for(window, seconds=30 + 2 * config.latency_seconds, watch=children)
            result.lost += (window.expected - got) * every
            values = collector.latencies_ms(lat)
            result.latency_rate = achieved
            result.latency_events = len(values)
            if values:
                result.p50_ms = percentile(values, 0.50)
                result.p99_ms = percentile(values, 0.99)
                result.max_ms = values[-1]
                before_out = collector.to_output_ms(lat)
                result.extra["p50_ms_to_output_produce"] = round(percentile(before_out, 0.5), 1)
                result.extra["p99_ms_to_output_produce"] = round(percentile(before_out, 0.99), 1)

            # 5. soak: memory over a long paced run
            if config.soak_events:
                rss.sample()
                soak_start = rss.last
                soak = loader.take(config.soak_events)
                window = collector.window(soak, every)
                rate = config.soak_rate or rate
                curve = await _paced_with_rss(loader, soak, rate, rss)
                got = await collector.wait_for(window, seconds=60 + 2 * len(soak) / rate, watch=children)
                result.lost += (window.expected - got) * every
                rss.sample()
                result.rss_growth_mb = (rss.last - soak_start) / 2**20
                result.extra["soak_events"] = len(soak)
                result.extra["soak_rate"] = round(rate, 1)
                result.extra["soak_rss_mb"] = [round(soak_start / 2**20, 1), *curve]
                result.extra.update(soak_rss_flatness(curve))
            else:
                rss.sample()
                result.rss_growth_mb = (rss.last - rss_warm) / 2**20
            result.peak_rss_mb = rss.peak / 2**20
            phase("latency")
            if config.restarts:
                if ready_ports:
                    restarts = await measure_restarts(
                        config.restarts, children, ready_ports, loader, collector, rss
                    )
                    result.extra.update(restarts)
                    phase("restart")
                else:
                    result.extra["restart"] = "not measured: no /ready to ask (not a worker)"
            result.duplicates = collector.duplicates
            result.order_violations = collector.order_violations
    finally:
        await collector.stop()
        await loader.stop()
    return result


def soak_rss_flatness(curve: Sequence[float]) -> dict[str, float]:
    """How flat the RSS stayed over the last 80% of a soak: `curve` is the RSS after each
    tenth. Spread = (highest - lowest) / lowest of the readings from the 20% mark on;
    growth = from the 20% mark to the end."""
    if len(curve) < 10:
        return {}
    tail = curve[len(curve) // 5 - 1 :]
    low, first = min(tail), tail[0]
    if not low:
        return {}
    return {
        "soak_rss_last80_spread_pct": round(100 * (max(tail) - low) / low, 1),
        "soak_rss_last80_growth_pct": round(100 * (tail[-1] - first) / first, 1),
    }


def state_size_mb(root: Path) -> dict[str, float]:
    """Size on disk (allocated blocks) of a state directory, in MB: in all and per store."""
    sizes: dict[str, float] = {}
    if not root.is_dir():
        return sizes
    for entry in sorted(root.iterdir()):
        total = 0
        paths = [entry] if entry.is_file() else [entry, *entry.rglob("*")]
        for path in paths:
            with contextlib.suppress(OSError):
                total += path.lstat().st_blocks * 512
        sizes[entry.name] = round(total / 2**20, 1)
    sizes["total"] = round(sum(sizes.values()), 1)
    return sizes


async def wait_http_ready(
    children: Sequence[ChildProcess], ports: Sequence[int], started_ns: int, seconds: float
) -> list[float]:
    """Seconds from `started_ns` until each child's `GET /ready` answered 200 (polled every 50 ms)."""
    import aiohttp

    ready: dict[int, float] = {}
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=2)
    async with aiohttp.ClientSession() as session:
        while len(ready) < len(ports):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"not ready within {seconds:.0f}s after a restart:\n{children[0].log_tail()}"
                )
            for i, port in enumerate(ports):
                if i in ready:
                    continue
                children[i].check_alive()
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"http://127.0.0.1:{port}/ready", timeout=timeout) as answer:
                        if answer.status == 200:
                            ready[i] = (time.time_ns() - started_ns) / 1e9
            await asyncio.sleep(0.05)
    return [round(ready[i], 2) for i in range(len(ports))]


RESTART_LOG_MARKS = {
    "settings_read": "] Kafka: ",
    "explorer_read": "explorer: read up to date",
    "cohort_read": "cohort: read up to date",
}
"""Lines of the worker's log (INFO) whose time says where a restart's seconds went: imports
done and settings read, each follower read up to date."""


def log_marks(path: Path, offset: int, started_ns: int) -> dict[str, float]:
    """Seconds from `started_ns` to the first line after byte `offset` of a worker's log
    matching each of RESTART_LOG_MARKS (its local-time `[%Y-%m-%d %H:%M:%S,mmm]` stamp)."""
    import datetime

    found: dict[str, float] = {}
    with contextlib.suppress(OSError), open(path, "rb") as log:
        log.seek(offset)
        for raw in log:
            line = raw.decode(errors="replace")
            for name, text in RESTART_LOG_MARKS.items():
                if name in found or text not in line:
                    continue
                with contextlib.suppress(ValueError):
                    stamp = datetime.datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                    found[name] = round(stamp - started_ns / 1e9, 2)
    return found


async def measure_restart(
    children: Sequence[ChildProcess],
    ports: Sequence[int],
    loader: Loader,
    collector: Collector,
    rss: RssSampler,
) -> dict[str, Any]:
    """One restart: every child stopped with SIGTERM, one record produced while they are
    down, every child started again with the same environment (its LINEAGE_DATA_DIR, so its
    state on disk). Measured from the moment the processes are started: until each answers
    `GET /ready` with 200 (`ready_s`: the slowest), and until the record produced while they
    were down is handled (`first_event_s`). The state directories' sizes are read while the
    workers are stopped (their stores closed)."""
    stops = [await asyncio.to_thread(child.terminate, 30.0) for child in children]
    state = {child.name: state_size_mb(Path(child.env["LINEAGE_DATA_DIR"]) / "state") for child in children}
    probe = loader.take(1)
    window = collector.window(probe)
    await loader.produce(probe)
    offsets = [child.log_path.stat().st_size if child.log_path.exists() else 0 for child in children]
    started_ns = time.time_ns()
    for child in children:
        child.start()
    ready = await wait_http_ready(children, ports, started_ns, seconds=300)
    rss.sample()
    rss_ready = rss.last
    await collector.wait_for(window, seconds=300, watch=children)
    first = (window.last_ns - started_ns) / 1e9 if window.complete else None
    return {
        "stop_s": [round(seconds, 2) for seconds, _ in stops],
        "stopped_cleanly": all(clean for _, clean in stops),
        "ready_s": max(ready),
        "ready_s_each": ready,
        "first_event_s": round(first, 2) if first is not None else None,
        "log_s": [log_marks(c.log_path, o, started_ns) for c, o in zip(children, offsets, strict=True)],
        "rss_at_ready_mb": round(rss_ready / 2**20, 1),
        "state_dir_mb": state,
    }


async def measure_restarts(
    count: int,
    children: Sequence[ChildProcess],
    ports: Sequence[int],
    loader: Loader,
    collector: Collector,
    rss: RssSampler,
) -> dict[str, Any]:
    """`count` restarts in a row (`measure_restart`); the first is the figure (`restart_ready_s`).

    Why more than one: on the embedded broker a consumer group's first generation is 0, and
    aiokafka leaves a group on stop only from generation 1 on, so a worker's first stop
    leaves its members behind and the restarted worker may wait for their sessions to
    expire; from its second stop on it leaves its groups as it would on Apache Kafka."""
    runs = [await measure_restart(children, ports, loader, collector, rss) for _ in range(count)]
    first = runs[0]
    return {
        "restart_ready_s": first["ready_s"],
        "restart_first_event_s": first["first_event_s"],
        "restart_ready_s_runs": [run["ready_s"] for run in runs],
        "state_dir_mb": first["state_dir_mb"],
        "restarts": runs,
    }


SOAK_BURST_S = 0.1
"""A soak sends what is due every 0.1 s, so each produce request carries one batch of many
records per partition. The embedded broker (tansu, memory storage) stops answering fetches
of a partition that holds more than ~50,000 record batches (a fetch at any offset returned
nothing within 60 s), which a soak paced record by record (a batch each) reaches after
~200,000 events on 4 partitions (benchmarks/README.md)."""


async def _paced_with_rss(
    loader: Loader, seqs: range, rate: float, rss: RssSampler, steps: int = 10
) -> list[float]:
    """Produce `seqs` paced, in `steps` parts; the processes' RSS (MB) after each part, so a
    soak shows the shape of its memory, not only its two ends."""
    curve = []
    step = max(1, -(-len(seqs) // steps))
    for start in range(0, len(seqs), step):
        await loader.paced(seqs[start : start + step], rate, every_s=SOAK_BURST_S)
        rss.sample()
        curve.append(round(rss.last / 2**20, 1))
    return curve


IDLE_CORES = 0.15
"""Below this CPU use (cores, per measured process) for a second, a process counts as idle,
unless it polls more than that when it has nothing to do (`idle_threshold`)."""
IDLE_MARGIN_CORES = 0.1
"""How far above their own idle polling the processes may be and still count as idle."""


@dataclass(frozen=True)
class IdleThreshold:
    baseline: float  # cores the processes used with nothing to do
    cores: float  # below this for a second: idle


async def idle_threshold(pids: Sequence[int], processes: int, windows: int = 3) -> IdleThreshold:
    """What "idle" means for these processes: their own polling, measured now, plus a margin.

    A worker with nothing to do still polls its streams; on the embedded broker, which
    answers fetches early, that is 0.15-0.2 core, right at a fixed threshold, so the end
    of a run was found at random. The least of `windows` one-second windows is taken (what
    is left of the previous phase only raises the first ones)."""
    lowest = float("inf")
    for _ in range(windows):
        before, t = cpu_seconds(pids).total, time.monotonic()
        await asyncio.sleep(1.0)
        lowest = min(lowest, (cpu_seconds(pids).total - before) / (time.monotonic() - t))
    per_process = max(1, processes)
    cores = max(IDLE_CORES * per_process, lowest + IDLE_MARGIN_CORES * per_process)
    return IdleThreshold(baseline=lowest, cores=cores)


async def wait_idle(pids: Sequence[int], after_ns: int, seconds: float, cores: float = IDLE_CORES) -> int:
    """time_ns at which the processes went idle (< `cores` of CPU for 1 s) after `after_ns`."""
    samples: list[tuple[int, float]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now, cpu = time.time_ns(), cpu_seconds(pids).total
        samples.append((now, cpu))
        old = next(((t, c) for t, c in reversed(samples) if now - t >= 1_000_000_000), None)
        if old is not None and (cpu - old[1]) / ((now - old[0]) / 1e9) < cores:
            return max(old[0], after_ns)
        await asyncio.sleep(0.2)
    return time.time_ns()


def _per_event(total: int, events: int) -> int | None:
    value = round(total / max(events, 1))
    return value if value >= 16 else None


async def _drain(
    loader: Loader, collector: Collector, children: Sequence[ChildProcess], seqs: range, every: int = 1
) -> tuple[float, float]:
    """Produce `seqs` while the children are stopped, continue them; return (drain rate, produce s)."""
    window = collector.window(seqs, every)
    with suspended(children):
        produce_s = await loader.produce(seqs)
        t0 = time.time_ns()
    await collector.wait_for(window, seconds=120, watch=children)
    elapsed = (window.last_ns - t0) / 1e9
    return (len(seqs) / elapsed if elapsed > 0 else 1.0), produce_s


# --------------------------------------------------------------------------- registry

ScenarioRun = Callable[[RunContext, ScenarioResult], Awaitable[ScenarioResult]]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    run: ScenarioRun
    group: str = "main"  # main: the table; extra: variants of it
    order: int = 100
    reference: bool = False  # the raw loop: what every ratio divides by


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, title: str, *, group: str = "main", order: int = 100, reference: bool = False
) -> Callable[[ScenarioRun], ScenarioRun]:
    """Register an async `run(ctx, result) -> result`; raise NotAvailable when the feature is missing."""

    def register(run: ScenarioRun) -> ScenarioRun:
        # setdefault: a module run as a child's __main__ may also be imported under its name.
        SCENARIOS.setdefault(name, Scenario(name, title, run, group, order, reference))
        return run

    return register


def cpu_pressure() -> float | None:
    """/proc/pressure/cpu `some avg10`: % of the last 10 s some task waited for a CPU (noise)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return float(first.split("avg10=")[1].split()[0])
    return None


async def run_scenario(ctx: RunContext, item: Scenario) -> ScenarioResult:
    result = ScenarioResult(item.name, item.title)
    result.extra["cpu_pressure_before"] = cpu_pressure()
    started = time.monotonic()
    soak_events = ctx.config.soak_events
    if item.reference:
        # The limit is measured for its rate; a soak of it would double what the embedded
        # broker holds in memory, whose fetches slow down past ~500k records.
        ctx.config.soak_events = 0
    try:
        await item.run(ctx, result)
    except NotAvailable as exc:
        result.status, result.note = "not available yet", str(exc)
    except Exception as exc:
        result.status, result.note = "failed", f"{type(exc).__name__}: {str(exc)[:2000]}"
    finally:
        ctx.config.soak_events = soak_events
    result.extra["wall_seconds"] = round(time.monotonic() - started, 1)
    result.extra["cpu_pressure_after"] = cpu_pressure()
    return result


# --------------------------------------------------------------------------- report


def machine_description() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("faust-streaming", "aiokafka", "orjson", "pydantic", "rocksdict", "uvloop"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[package] = version(package)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "host": platform.node(),
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "packages": versions,
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:,.{digits}f}"


def render_table(results: Sequence[ScenarioResult], machine: dict[str, Any], broker: str) -> str:
    """events/s: until the processes are idle again (every stage done); hop ev/s: to the output."""
    header = (
        f"{'scenario':<44} {'events/s':>9} {'x raw':>6} {'hop ev/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'@ ev/s':>8} {'RSS MB':>7} {'CPU us/ev':>9} {'main%':>5}  note"
    )
    lines = [
        f"machine: {machine['cpu']} x{machine['cores']} ({machine['host']}), python {machine['python']}, "
        f"load {machine['loadavg_at_start']}; broker: {broker}",
        header,
        "-" * len(header),
    ]
    for r in results:
        if r.status != "ok":
            lines.append(f"{r.title:<44} {r.status:>9}  {r.note.splitlines()[0][:150] if r.note else ''}")
            continue
        note = []
        if r.processes > 1:
            note.append(f"{r.processes} procs")
        if r.lost or r.duplicates or r.order_violations:
            note.append(f"lost {r.lost} dup {r.duplicates} order {r.order_violations}")
        if "soak_rss_last80_spread_pct" in r.extra:
            note.append(f"soak RSS {r.extra['soak_rss_mb'][0]:,.0f}->{r.extra['soak_rss_mb'][-1]:,.0f} MB, "
                        f"last 80% within {r.extra['soak_rss_last80_spread_pct']}%")  # fmt: skip
        if "restart_ready_s" in r.extra:
            sizes = [s.get("total", 0.0) for s in r.extra["state_dir_mb"].values()]
            runs = "/".join(str(x) for x in r.extra["restart_ready_s_runs"])
            note.append(f"restart to /ready {runs} s, first event {r.extra['restart_first_event_s']} s, "
                        f"state {max(sizes):,.0f} MB")  # fmt: skip
        if r.note:
            note.append(r.note)
        main_share = r.cpu_main_share * 100 if r.cpu_main_share is not None else None
        hop = r.extra.get("output_events_per_s")
        lines.append(
            f"{r.title:<44} {r.events_per_s:>9,.0f} {_fmt(r.ratio_to_raw, 2):>6} {_fmt(hop, 0):>9} "
            f"{_fmt(r.p50_ms):>7} {_fmt(r.p99_ms):>7} {r.latency_rate:>8,.0f} {r.peak_rss_mb:>7,.0f} "
            f"{_fmt(r.cpu_us_per_event, 0):>9} {_fmt(main_share, 0):>5}  {'; '.join(note)}"
        )
    return "\n".join(line.rstrip() for line in lines)


def write_json(
    path: Path, results: Sequence[ScenarioResult], machine: dict[str, Any], meta: dict[str, Any]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine, **meta, "results": [asdict(r) for r in results]}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
