"""Agent designs that stay a plain Faust agent: batches with `stream.take_events`, batched produce.

Each design `orjson.loads` every value (the raw loop's work) and forwards it keyed as it came.

- `per_event`: `async for event in stream.events(): await out.send(...)` (+ the loads).
- `take_send`: `stream.take_events(N, within)`, then `await out.send()` for each.
- `take_gather`: `take_events`, then `app.producer.send()` for each (aiokafka futures, no
  FutureMessage/publish_message per record) and one `asyncio.gather` per batch.
- `take_send_soon`: `take_events`, then `out.send_soon()` for each (Faust's producer buffer).

`take_events` acks the batch's events when the agent asks for the next batch, that is after
the batch was handled; Faust flushes its producer before it commits; one agent instance
per partition-set keeps the order per key. Options come from the scenario (`options=`)
and `benchmarks.prototypes.tuning` (fetch wait, fast drain).
"""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks.faust_bare import run_faust_design
from benchmarks.harness import RunContext, ScenarioResult, scenario
from benchmarks.prototypes import tuning

MODULE = "benchmarks.prototypes.take_batch"


def per_event(app: Any, source: Any, out: Any, options: dict[str, str]) -> None:
    import orjson

    tuning.install(app, options)
    loads = orjson.loads

    @app.agent(source, name="bench-per-event")
    async def bench_per_event(stream: Any) -> None:
        async for event in stream.events():
            loads(event.value)
            await out.send(key=event.key, value=event.value)


def take(app: Any, source: Any, out: Any, options: dict[str, str]) -> None:
    import orjson

    tuning.install(app, options)
    size = int(options.get("size", "1000"))
    within = float(options.get("within", "0.01"))
    produce = options.get("produce", "gather")
    loads = orjson.loads
    topic_name = out.get_topic_name()

    @app.agent(source, name="bench-take")
    async def bench_take(stream: Any) -> None:
        async for events in stream.take_events(size, within=within):
            if produce == "send":
                for event in events:
                    loads(event.value)
                    await out.send(key=event.key, value=event.value)
            elif produce == "send_soon":
                for event in events:
                    loads(event.value)
                    out.send_soon(key=event.key, value=event.value)
            else:
                send = app.producer.send
                futures = []
                for event in events:
                    loads(event.value)
                    futures.append(await send(topic_name, event.key, event.value, None, None, None))
                await asyncio.gather(*futures)


TUNED = {"producer_linger": 0.005, "producer_max_batch_size": 262144}


@scenario("proto_per_event", "Faust per-event agent + loads", group="prototypes", order=20)
async def proto_per_event(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_faust_design(ctx, result, f"{MODULE}:per_event")


@scenario("proto_per_event_tuned", "per-event + linger/batch/fetch-wait", group="prototypes", order=21)
async def proto_per_event_tuned(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_faust_design(
        ctx, result, f"{MODULE}:per_event", options={"fetch_wait_ms": "10"}, settings=TUNED
    )


@scenario("proto_take_send", "take_events(1000) + await send each", group="prototypes", order=22)
async def proto_take_send(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_faust_design(ctx, result, f"{MODULE}:take", options={"produce": "send"})


@scenario("proto_take_gather", "take_events(1000) + producer futures gathered", group="prototypes", order=23)
async def proto_take_gather(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_faust_design(ctx, result, f"{MODULE}:take", options={"produce": "gather"})


@scenario("proto_take_send_soon", "take_events(1000) + send_soon each", group="prototypes", order=24)
async def proto_take_send_soon(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_faust_design(ctx, result, f"{MODULE}:take", options={"produce": "send_soon"})


@scenario("proto_take_gather_tuned", "take_events + gather + linger/fetch-wait", group="prototypes", order=25)
async def proto_take_gather_tuned(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    options = {"produce": "gather", "fetch_wait_ms": "10"}
    return await run_faust_design(ctx, result, f"{MODULE}:take", options=options, settings=TUNED)
