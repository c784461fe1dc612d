"""OpenLineage Kafka intake: the real `lineage-integrator worker`, validating and republishing.

~1 KB OpenLineage RunEvents go to the topic named in `LINEAGE_OPENLINEAGE_TOPICS`; the
worker's intake agent validates each and republishes it on
`<root>.server.<server>.omis.lineageintegrator.openlineage`, from which the worker's
connectors (file log store, cataloguer) read it. The harness sees arrivals on the internal
topic and counts the rate until the worker is idle again, so the connectors' work on each
event is in the events/s (`output_events_per_s` in the JSON is the intake hop alone), and
so is the fold of each event into the OpenLineage read model, which every replica with
LINEAGE_READ_MODELS=on does; `openlineage_intake_ingest` measures a worker with it off.
"""

from __future__ import annotations

import importlib

from benchmarks.harness import NotAvailable, RunContext, ScenarioResult, measure_stream, scenario
from benchmarks.workers import fleet


def require_intake() -> None:
    """The feature probe: the schema and the agent import, so the worker has the intake."""
    for module in ("schemas.openlineage", "agents.openlineage_intake"):
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise NotAvailable(f"{module} does not import ({type(exc).__name__}: {exc})") from None


async def run_intake(
    ctx: RunContext, result: ScenarioResult, replicas: int, read_models: str = "on"
) -> ScenarioResult:
    require_intake()
    workers = await fleet(ctx, replicas, read_models)
    result.extra["worker_start_seconds"] = workers.start_seconds
    return await measure_stream(
        ctx,
        result,
        children=workers.children,
        input_topic=workers.openlineage_topic,
        output_topics=[workers.internal_topic],
        ready_ports=workers.ports,
    )


@scenario("openlineage_intake", "OpenLineage Kafka intake -> internal topic", order=30)
async def openlineage_intake(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_intake(ctx, result, replicas=1)


@scenario(
    "openlineage_intake_ingest",
    "OpenLineage Kafka intake, read models off (ingest replica)",
    group="extra",
    order=35,
)
async def openlineage_intake_ingest(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_intake(ctx, result, replicas=1, read_models="off")
