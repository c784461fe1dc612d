"""One worker against two replicas of one server name, on the OpenLineage Kafka intake path.

A second replica joins the run's worker (same server name, so one consumer group); once
each holds 2 of the 4 input partitions the intake is measured again. The figure to read is
`vs_one_replica`: this events/s over the single-worker intake's of the same run.
"""

from __future__ import annotations

from benchmarks.harness import RunContext, ScenarioResult, scenario
from benchmarks.openlineage_intake import run_intake


@scenario("two_replicas", "OpenLineage Kafka intake, 2 replicas", order=60)
async def two_replicas(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    await run_intake(ctx, result, replicas=2)
    one = ctx.results.get("openlineage_intake")
    if one is not None and one.status == "ok" and one.events_per_s:
        result.extra["vs_one_replica"] = round(result.events_per_s / one.events_per_s, 2)
        result.note = f"{result.extra['vs_one_replica']}x one replica"
    else:
        result.note = "run openlineage_intake too for the ratio to one replica"
    return result
