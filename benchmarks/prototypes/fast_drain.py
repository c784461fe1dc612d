"""Faust agents on a consumer whose fetcher hands messages over inline (`tuning.FastConsumer`).

The agent code is the one of `take_batch`; what changes is Faust's fetcher loop: no
`wait_first` (four tasks and an `asyncio.wait`) per message unless the stream buffer is full.
"""

from __future__ import annotations

from benchmarks.faust_bare import run_faust_design
from benchmarks.harness import RunContext, ScenarioResult, scenario
from benchmarks.prototypes.take_batch import MODULE, TUNED

FAST = {"fast_drain": "1", "fetch_wait_ms": "10", "yield_every": "500"}


@scenario("proto_fast_per_event", "fast drain + per-event agent, tuned", group="prototypes", order=30)
async def proto_fast_per_event(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_faust_design(ctx, result, f"{MODULE}:per_event", options=FAST, settings=TUNED)


@scenario("proto_fast_take_gather", "fast drain + take_events + gather, tuned", group="prototypes", order=31)
async def proto_fast_take_gather(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    options = {**FAST, "produce": "gather"}
    return await run_faust_design(ctx, result, f"{MODULE}:take", options=options, settings=TUNED)


@scenario(
    "proto_fast_take_gather_uv",
    "fast drain + take_events + gather, tuned, uvloop",
    group="prototypes",
    order=32,
)
async def proto_fast_take_gather_uv(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    options = {**FAST, "produce": "gather"}
    return await run_faust_design(ctx, result, f"{MODULE}:take", options=options, settings=TUNED, uvloop=True)
