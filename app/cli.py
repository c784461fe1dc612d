"""`lineage-integrator`: the one command line (worker, broker, send, validate, leave)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from agents.connectors.registry import ConnectorConfigError
from app.broker import BrokerError, EmbeddedBroker, kafka_answers
from app.settings import Settings, SettingsError, load_settings
from runtime.state import StateDirInUse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lineage-integrator",
        description="OpenLineage intake, connectors and open metadata cohort membership on Kafka.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    worker = commands.add_parser("worker", help="run one worker replica")
    worker.add_argument("--web-port", type=int, help="REST port (default LINEAGE_WEB_PORT, 6066)")

    broker = commands.add_parser("broker", help="run the embedded Kafka-compatible broker in the foreground")
    broker.add_argument("--port", type=int, help="listen port (default LINEAGE_EMBEDDED_BROKER_PORT, 9092)")

    send = commands.add_parser("send", help="produce JSON events (JSON lines or one JSON array) to a topic")
    send.add_argument("--topic", required=True)
    send.add_argument("--key", help="record key for every event")
    send.add_argument("file", nargs="?", default="-", help="file to read, or - for stdin (default)")

    validate = commands.add_parser("validate", help="check events against their schema")
    validate.add_argument("--kind", choices=["omrs", "openlineage", "asset-manager"])
    validate.add_argument("file", help="file with one event, a JSON array or JSON lines; - for stdin")

    leave = commands.add_parser("leave", help="send this server's UN_REGISTRATION_EVENT to a cohort")
    leave.add_argument("--cohort", required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"lineage-integrator: {exc}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, settings)
    except (BrokerError, SettingsError, ConnectorConfigError, StateDirInUse) as exc:
        print(f"lineage-integrator: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "worker":
        return _worker(args, settings)
    if args.command == "broker":
        port = args.port or settings.embedded_broker_port
        print(
            f"embedded broker (tansu, memory storage) on kafka://127.0.0.1:{port}; Ctrl-C stops it",
            flush=True,
        )
        return EmbeddedBroker(port=port).run_foreground()
    if args.command == "send":
        return _send(args, settings)
    if args.command == "validate":
        return _validate(args)
    if args.command == "leave":
        return _leave(args, settings)
    raise AssertionError(args.command)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from app.worker import configure_cli_logging, run_worker

    if args.web_port:
        settings = settings.model_copy(update={"web_port": args.web_port})
    configure_cli_logging(settings.log_level)
    return run_worker(settings)


def bootstrap_for_tools(settings: Settings) -> list[str]:
    """The broker a one-shot command talks to: LINEAGE_BROKER, else a running embedded broker.

    One-shot commands never start the embedded broker: its memory storage would vanish
    with the command.
    """
    if settings.bootstrap_servers:
        return settings.bootstrap_servers
    if kafka_answers("127.0.0.1", settings.embedded_broker_port):
        return [f"127.0.0.1:{settings.embedded_broker_port}"]
    raise BrokerError(
        f"no broker: LINEAGE_BROKER is not set and nothing answers on 127.0.0.1:{settings.embedded_broker_port}"
        " (start `lineage-integrator worker` or `lineage-integrator broker` first)"
    )


def _send(args: argparse.Namespace, settings: Settings) -> int:
    from app.send import describe, parse_input, produce, read_source

    parsed = parse_input(read_source(args.file, sys.stdin))
    for line, message in parsed.bad_lines:
        print(f"line {line}: {message}", file=sys.stderr)
    written = 0
    if parsed.events:
        written = produce(
            bootstrap_for_tools(settings),
            args.topic,
            parsed.events,
            args.key,
            settings.max_event_bytes + 65536,
        )
    print(f"wrote {describe(parsed.events)} to {args.topic}", flush=True)
    if parsed.bad_lines:
        print(f"{len(parsed.bad_lines)} line(s) not sent: not JSON (see above)", file=sys.stderr)
        return 1
    return 0 if written == len(parsed.events) else 1


def _validate(args: argparse.Namespace) -> int:
    from app.send import read_source
    from schemas.validation import validate_document

    problems = validate_document(read_source(args.file, sys.stdin), kind=args.kind)
    for index, error in problems:
        print(f"event {index}: {error.path}: {error.message}")
    if problems:
        events = len({index for index, _ in problems})
        print(f"{events} invalid event(s)", file=sys.stderr)
        return 1
    print("all events valid")
    return 0


def _leave(args: argparse.Namespace, settings: Settings) -> int:
    from app.cohort_admin import leave_cohort

    topic_names = leave_cohort(settings, bootstrap_for_tools(settings), args.cohort)
    print(f"sent UN_REGISTRATION_EVENT for {settings.server_name} to {', '.join(topic_names)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
