"""One worker against two replicas of one server name, on the OpenLineage Kafka intake path.

A second replica joins the run's worker (same server name, so one consumer group); once
each holds 2 of the 4 input partitions the intake is measured again. The figure to read is
`vs_one_replica`: this events/s over the single-worker intake's of the same run.

`two_replicas_ingest` does the same with LINEAGE_READ_MODELS=off on both (ingest replicas,
no read model folded), against `openlineage_intake_ingest`: the intake's own scaling.
"""

from __future__ import annotations

from benchmarks.harness import RunContext, ScenarioResult, scenario
from benchmarks.openlineage_intake import run_intake


@scenario("two_replicas", "OpenLineage Kafka intake, 2 replicas", order=60)
async def two_replicas(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    await run_intake(ctx, result, replicas=2)
    return against_one_replica(ctx, result, "openlineage_intake")


@scenario(
    "two_replicas_ingest",
    "OpenLineage Kafka intake, 2 ingest replicas (read models off)",
    group="extra",
    order=65,
)
async def two_replicas_ingest(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    await run_intake(ctx, result, replicas=2, read_models="off")
    return against_one_replica(ctx, result, "openlineage_intake_ingest")


def against_one_replica(ctx: RunContext, result: ScenarioResult, one_replica: str) -> ScenarioResult:
    """`vs_one_replica`: this events/s over those of the one-replica scenario of the same run."""
    one = ctx.results.get(one_replica)
    if one is not None and one.status == "ok" and one.events_per_s:
        result.extra["vs_one_replica"] = round(result.events_per_s / one.events_per_s, 2)
        result.note = f"{result.extra['vs_one_replica']}x one replica"
    else:
        result.note = f"run {one_replica} too for the ratio to one replica"
    return result
