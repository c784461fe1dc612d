"""What Faust costs with nothing in it: a minimal Faust app whose agent forwards each record.

The child runs `python -m benchmarks.faust_bare --design MODULE:FUNCTION ...`: a Faust app
with this project's settings (raw serializers, acks=all, earliest, short rebalances), and one
*design* installed into it: a function `(app, source, out, options) -> None` that adds the
agent(s). `forward` here is the plain per-event agent; `benchmarks/prototypes/` hold the
hot-path designs, each measured against the raw loop in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from benchmarks.harness import (
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

Design = Callable[[Any, Any, Any, dict[str, str]], None]


def forward(app: Any, source: Any, out: Any, options: dict[str, str]) -> None:
    """One event at a time, `await out.send()` each: the agent as written today."""

    @app.agent(source, name="bench-forward")
    async def bench_forward(stream: Any) -> None:
        async for event in stream.events():
            await out.send(key=event.key, value=event.value)


def consume_only(app: Any, source: Any, out: Any, options: dict[str, str]) -> None:
    """Consume and ack; forward only records whose bench seq is a multiple of `every`."""
    from benchmarks.harness import parse_marks

    every = int(options.get("every", "100"))

    @app.agent(source, name="bench-consume")
    async def bench_consume(stream: Any) -> None:
        async for event in stream.events():
            marks = parse_marks(event.value)
            if marks is not None and marks[0] % every == 0:
                await out.send(key=event.key, value=event.value)


def build_app(args: argparse.Namespace) -> Any:
    import faust

    settings: dict[str, Any] = {
        "broker": args.broker,
        "store": "memory://",
        "datadir": str(Path(args.datadir) / args.app_id),
        "autodiscover": False,
        "web_enabled": False,
        "topic_partitions": 4,
        "broker_session_timeout": SESSION_TIMEOUT_S,
        "broker_rebalance_timeout": REBALANCE_TIMEOUT_S,
        "broker_heartbeat_interval": HEARTBEAT_INTERVAL_S,
        "producer_acks": -1,
        "consumer_auto_offset_reset": "earliest",
        "key_serializer": "raw",
        "value_serializer": "raw",
    }
    for item in args.setting or []:
        name, _, raw = item.partition("=")
        settings[name] = _literal(raw)
    app = faust.App(args.app_id, **settings)
    source = app.topic(
        args.input,
        partitions=4,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
    out = app.topic(
        args.output,
        partitions=4,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
    module, _, function = args.design.partition(":")
    design: Design = getattr(importlib.import_module(module), function)
    options = dict(item.partition("=")[::2] for item in args.option or [])
    design(app, source, out, options)
    return app


def _literal(raw: str) -> Any:
    for convert in (int, float):
        try:
            return convert(raw)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(raw.lower(), raw)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faust_bare")
    parser.add_argument("--broker", required=True, help="kafka://host:port")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--datadir", required=True)
    parser.add_argument("--design", default="benchmarks.faust_bare:forward")
    parser.add_argument("--option", action="append", help="NAME=VALUE passed to the design")
    parser.add_argument("--setting", action="append", help="Faust setting NAME=VALUE")
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args(argv)
    if args.uvloop:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from faust.worker import Worker

    app = build_app(args)
    worker = Worker(app, loglevel="WARNING", redirect_stdouts=False, quiet=True)
    # At WARNING and above Faust adds a terminal spinner handler and sets the root logger
    # to DEBUG, so every log.debug() on the hot path builds a LogRecord (~13% of the main
    # thread in a profile). No spinner: the root logger stays at WARNING.
    worker.spinner = None
    worker.execute_from_commandline()


async def run_faust_design(
    ctx: RunContext,
    result: ScenarioResult,
    design: str,
    *,
    options: dict[str, str] | None = None,
    settings: Mapping[str, object] | None = None,
    uvloop: bool = False,
    sample_every: int = 1,
) -> ScenarioResult:
    """Run one design in a child process and measure it (`sample_every`: see measure_stream)."""
    topic_in, topic_out = unique("bench.faust.in"), unique("bench.faust.out")
    await create_topics(ctx.broker.bootstrap, [topic_in, topic_out])
    argv = ["--broker", ctx.broker.url, "--input", topic_in, "--output", topic_out]
    argv += ["--app-id", unique("bench-faust"), "--datadir", str(ctx.path("faust-data", "x").parent)]
    argv += ["--design", design] + (["--uvloop"] if uvloop else [])
    argv += [arg for name, value in (options or {}).items() for arg in ("--option", f"{name}={value}")]
    argv += [arg for name, value in (settings or {}).items() for arg in ("--setting", f"{name}={value}")]
    child = ChildProcess(
        result.name, module_command("benchmarks.faust_bare", *argv), {}, ctx.path(f"{result.name}.log")
    )
    child.start()
    try:
        await measure_stream(
            ctx,
            result,
            children=[child],
            input_topic=topic_in,
            output_topics=[topic_out],
            sample_every=sample_every,
        )
    finally:
        child.stop()
    if sample_every > 1:
        result.note = f"1 in {sample_every} forwarded; latency of those"
    return result


@scenario("faust_bare", "bare Faust agent, forward each (await send)", order=10)
async def faust_bare(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    return await run_faust_design(ctx, result, "benchmarks.faust_bare:forward")


@scenario("faust_consume_only", "bare Faust agent, consume only", group="prototypes", order=11)
async def faust_consume(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    design, every = "benchmarks.faust_bare:consume_only", 100
    return await run_faust_design(ctx, result, design, options={"every": str(every)}, sample_every=every)


if __name__ == "__main__":
    main(sys.argv[1:])
