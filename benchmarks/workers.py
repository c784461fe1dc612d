"""Real `lineage-integrator worker` replicas for the scenarios, shared within one run.

Starting a worker (imports, group join, table recovery, cohort registration) takes longer
than measuring it, so the worker-based scenarios of a run share one fleet per
`LINEAGE_READ_MODELS` value: one server name, one OpenLineage input topic, one cohort;
`two_replicas` (`two_replicas_ingest`) adds a second replica to the fleet with read models
on (off). Each scenario uses its own seq range, and the harness waits until the workers are
idle before it measures, so what an earlier scenario left behind does not count.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.harness import ChildProcess, RunContext, create_topics, unique, worker_command, worker_env


def _status(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/status", timeout=2) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


async def wait_assigned(
    children: Sequence[ChildProcess], ports: Sequence[int], topics: Sequence[str], seconds: float
) -> None:
    """Until, for each topic, the workers hold all its partitions between them, each some, none twice."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        for child in children:
            child.check_alive()
        try:
            statuses = [await asyncio.to_thread(_status, port) for port in ports]
            done = True
            for topic in topics:
                held = []
                for status in statuses:
                    parts = status.get("assignedPartitions", [])
                    if not isinstance(parts, list):
                        raise ValueError("no assignedPartitions in /api/v1/status")
                    held.append({p["partition"] for p in parts if p["topic"] == topic})
                union = set().union(*held)
                last = (topic, held)
                done = done and all(held) and len(union) >= 4 and len(union) == sum(len(h) for h in held)
            if done:
                return
        except (OSError, ValueError):
            pass
        await asyncio.sleep(0.5)
    raise RuntimeError(f"partitions not shared by the workers within {seconds:.0f}s (last {last})")


@dataclass
class WorkerFleet:
    server: str
    cohort: str
    openlineage_topic: str
    internal_topic: str
    cohort_instances_topic: str
    children: list[ChildProcess] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    start_seconds: list[float] = field(default_factory=list)
    connectors_file: str = ""
    read_models: str = "on"

    @property
    def watched_topics(self) -> list[str]:
        """Topics whose partitions every replica must hold before a measurement: the inputs
        and the internal topic (the file log store's own consumer group), so no group is
        still rebalancing (a stall of seconds on the embedded broker) while it is measured."""
        return [self.openlineage_topic, self.cohort_instances_topic, self.internal_topic]

    async def stop(self) -> None:
        for child in self.children:
            await asyncio.to_thread(child.stop, 5.0)


def _names(server: str, cohort: str) -> tuple[str, str]:
    from app.settings import Settings
    from app.topics import TopicNames

    settings = Settings(server_name=server, cohorts=[cohort], broker="kafka://127.0.0.1:9")
    names = TopicNames.from_settings(settings)
    return names.openlineage_internal, names.cohort(cohort).dedicated["instances"]


def cohort_group(server: str) -> str:
    """The consumer group whose commits on the cohort topics say what the cohort follower handled."""
    return f"{server}.cohort"


async def fleet(ctx: RunContext, replicas: int = 1, read_models: str = "on") -> WorkerFleet:
    """The run's workers with LINEAGE_READ_MODELS=`read_models`, started (or grown) to
    `replicas` and holding their partitions."""
    from app.broker import free_port

    key = "fleet" if read_models == "on" else f"fleet-read-models-{read_models}"
    current: WorkerFleet | None = ctx.shared.get(key)
    if current is None:
        server, cohort = unique("bench-lineage"), unique("benchCohort")
        internal, instances = _names(server, cohort)
        current = WorkerFleet(
            server, cohort, unique("bench.openlineage.in"), internal, instances, read_models=read_models
        )
        await create_topics(ctx.broker.bootstrap, [current.openlineage_topic, internal, instances])
        ctx.shared[key] = current
        ctx.cleanups.append(current.stop)
        # The path: intake -> internal topic -> file log store. The cataloguer (also a
        # default) would be measured with it; it gets its own scenario when one is written.
        connectors = ctx.path(server, "connectors.json")
        connectors.write_text('{"connectors": [{"name": "file-log-store"}]}\n')
        current.connectors_file = str(connectors)
    if len(current.children) >= replicas:
        return current
    started = time.monotonic()
    while len(current.children) < replicas:
        i, port = len(current.children), free_port()
        env = worker_env(
            ctx.broker,
            current.server,
            ctx.path(current.server, f"data-{i}"),
            LINEAGE_OPENLINEAGE_TOPICS=current.openlineage_topic,
            LINEAGE_COHORTS=current.cohort,
            LINEAGE_CONNECTORS=current.connectors_file,
            LINEAGE_READ_MODELS=current.read_models,
        )
        log = ctx.path(current.server, f"worker-{i}.log")
        current.children.append(ChildProcess(f"{current.server}-{i}", worker_command(port), env, log).start())
        current.ports.append(port)
    await wait_assigned(current.children, current.ports, current.watched_topics, seconds=180)
    current.start_seconds.append(round(time.monotonic() - started, 1))
    return current
