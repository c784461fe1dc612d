"""The limit: a raw aiokafka loop on the same broker, in its own process.

consume (`getmany`) -> `orjson.loads` each value -> produce the same bytes and key ->
await the batch's delivery -> commit. Commit after handling, order per key (one partition's
records are produced in order, and the next batch is not read before this one is delivered).
Every other figure is a ratio to this one, measured in the same run.

Run as a child: `python -m benchmarks.raw_loop --bootstrap H:P --input T --output T2 --group G`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from benchmarks.harness import (
    FETCH_MAX_WAIT_MS,
    HEARTBEAT_INTERVAL_S,
    REBALANCE_TIMEOUT_S,
    SESSION_TIMEOUT_S,
    ChildProcess,
    RunContext,
    ScenarioResult,
    create_topics,
    measure_stream,
    module_command,
    scenario,
    unique,
)


async def serve(bootstrap: str, input_topic: str, output_topic: str, group: str, max_records: int) -> None:
    import orjson
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    consumer = AIOKafkaConsumer(
        input_topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_records,
        # The embedded broker holds a fetch for a good part of its max wait even when data
        # arrives (p50 ~max_wait/4), so a long wait is latency; see README.
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        session_timeout_ms=int(SESSION_TIMEOUT_S * 1000),
        heartbeat_interval_ms=int(HEARTBEAT_INTERVAL_S * 1000),
        rebalance_timeout_ms=int(REBALANCE_TIMEOUT_S * 1000),
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    await consumer.start()
    await producer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loads, send = orjson.loads, producer.send
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=max_records)
            if not batches:
                continue
            futures = []
            for records in batches.values():
                for record in records:
                    loads(record.value)
                    futures.append(await send(output_topic, record.value, key=record.key))
            await asyncio.gather(*futures)
            await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.raw_loop")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--max-records", type=int, default=2000)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args(argv)
    coro = serve(args.bootstrap, args.input, args.output, args.group, args.max_records)
    if args.uvloop:
        import uvloop

        uvloop.run(coro)
    else:
        asyncio.run(coro)


async def run_raw(ctx: RunContext, result: ScenarioResult, *, uvloop: bool = False) -> ScenarioResult:
    topic_in, topic_out = unique("bench.raw.in"), unique("bench.raw.out")
    await create_topics(ctx.broker.bootstrap, [topic_in, topic_out])
    argv = ["--bootstrap", ctx.broker.bootstrap, "--input", topic_in, "--output", topic_out]
    argv += ["--group", unique("bench-raw")] + (["--uvloop"] if uvloop else [])
    child = ChildProcess(
        result.name, module_command("benchmarks.raw_loop", *argv), {}, ctx.path(f"{result.name}.log")
    )
    child.start()
    try:
        return await measure_stream(
            ctx, result, children=[child], input_topic=topic_in, output_topics=[topic_out]
        )
    finally:
        child.stop()


@scenario("raw_loop", "raw aiokafka loop (the limit)", order=0, reference=True)
async def raw_loop(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_raw(ctx, result)


@scenario("raw_loop_uvloop", "raw aiokafka loop + uvloop", group="extra", order=1)
async def raw_loop_uvloop(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_raw(ctx, result, uvloop=True)


if __name__ == "__main__":
    main(sys.argv[1:])
