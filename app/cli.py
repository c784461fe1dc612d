"""`lineage-integrator`: the one command line (worker, broker, send, validate, leave)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata

from agents.connectors.registry import ConnectorConfigError
from app.broker import BrokerError, EmbeddedBroker, kafka_answers
from app.settings import Settings, SettingsError, load_settings
from runtime.clients import BrokerAccessRefused
from runtime.state import StateDirInUse
from runtime.topics import TopicLayoutError

PROGRAM = "lineage-integrator"


class CommandFailed(Exception):
    """A command cannot do its work; the message is the one line the user sees."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def version() -> str:
    try:
        return metadata.version(PROGRAM)
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="OpenLineage intake, connectors and open metadata cohort membership on Kafka.",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {version()}")
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

    replay = commands.add_parser(
        "replay",
        help="send stored OpenLineage events (a file log store, JSON lines) through the intake again",
    )
    replay.add_argument("paths", nargs="+", metavar="PATH", help="file log store directory or event files")
    replay.add_argument(
        "--topic", help="OpenLineage topic to send to (default: the first of LINEAGE_OPENLINEAGE_TOPICS)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr and a non-zero exit code:
    1 when some input was refused (bad events, unsendable lines), 2 when the command could
    not run at all (settings, files, the broker), 130 on Ctrl-C."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc), 2)
    try:
        return _dispatch(args, settings)
    except (
        BrokerAccessRefused,
        BrokerError,
        SettingsError,
        ConnectorConfigError,
        StateDirInUse,
        TopicLayoutError,
    ) as exc:
        return _fail(str(exc), 2)
    except CommandFailed as exc:
        return _fail(str(exc), exc.code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, code: int) -> int:
    print(f"{PROGRAM}: {message}", file=sys.stderr, flush=True)
    return code


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
        return _validate(args, settings)
    if args.command == "leave":
        return _leave(args, settings)
    if args.command == "replay":
        return _replay(args, settings)
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


def _read(path: str) -> str:
    from app.send import read_source

    try:
        return read_source(path, sys.stdin)
    except UnicodeDecodeError as exc:
        raise CommandFailed(
            f"cannot read {path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror or exc}") from None


def _send(args: argparse.Namespace, settings: Settings) -> int:
    from app.kafka_clients import describe_failure, producer_options, quiet_client_logs
    from app.send import describe, parse_input, produce

    parsed = parse_input(_read(args.file))
    for line, message in parsed.bad_lines:
        print(f"line {line}: {message}", file=sys.stderr)
    written = 0
    if parsed.events:
        connection = settings.kafka_connection(bootstrap_for_tools(settings))
        quiet_client_logs()
        try:
            written = produce(
                list(connection.bootstrap_servers),
                args.topic,
                parsed.events,
                args.key,
                settings.max_event_bytes + 65536,
                producer_options(connection),
            )
        except Exception as exc:  # any client failure: one line, never a traceback
            raise CommandFailed(f"{describe_failure(exc, connection)}; nothing confirmed as sent") from None
    print(f"wrote {describe(parsed.events)} to {args.topic}", flush=True)
    if parsed.bad_lines:
        print(f"{len(parsed.bad_lines)} line(s) not sent: not JSON (see above)", file=sys.stderr)
        return 1
    return 0 if written == len(parsed.events) else 1


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    from schemas.validation import check_document

    findings = check_document(_read(args.file), kind=args.kind, max_bytes=settings.max_event_bytes)
    for finding in findings:
        print(f"{finding.where}: {finding.error.path}: {finding.error.message}")
    if findings:
        events = len({finding.where for finding in findings})
        print(f"{events} invalid event(s)", file=sys.stderr)
        return 1
    print("all events valid")
    return 0


def _leave(args: argparse.Namespace, settings: Settings) -> int:
    from app.cohort_admin import UnknownCohort, check_cohort, leave_cohort
    from app.kafka_clients import describe_failure, quiet_client_logs

    try:
        check_cohort(settings, args.cohort)
    except UnknownCohort as exc:
        raise CommandFailed(str(exc)) from None
    bootstrap = bootstrap_for_tools(settings)
    quiet_client_logs()
    try:
        topic_names = leave_cohort(settings, bootstrap, args.cohort)
    except Exception as exc:  # any client failure: one line, never a traceback
        connection = settings.kafka_connection(bootstrap)
        raise CommandFailed(f"{describe_failure(exc, connection)}; UN_REGISTRATION_EVENT not sent") from None
    print(f"sent UN_REGISTRATION_EVENT for {settings.server_name} to {', '.join(topic_names)}")
    return 0


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from app.kafka_clients import describe_failure, quiet_client_logs
    from app.replay import plan_replay, send_plan

    try:
        plan = plan_replay([Path(p) for p in args.paths], settings.max_event_bytes)
    except OSError as exc:
        raise CommandFailed(f"cannot read {exc.filename}: {exc.strerror or exc}") from None
    for problem in plan.problems:
        print(problem, file=sys.stderr)
    topic = args.topic or (settings.openlineage_topics[0] if settings.openlineage_topics else None)
    if topic is None:
        raise CommandFailed("no topic: LINEAGE_OPENLINEAGE_TOPICS is empty and --topic is not given")
    sent = 0
    if plan.events:
        connection = settings.kafka_connection(bootstrap_for_tools(settings))
        quiet_client_logs()
        try:
            sent = send_plan(plan, connection, topic, settings.max_event_bytes + 65536)
        except Exception as exc:  # any client failure: one line, never a traceback
            raise CommandFailed(f"{describe_failure(exc, connection)}; replay stopped") from None
    skipped = f", {len(plan.problems)} skipped (see above)" if plan.problems else ""
    print(f"replayed {sent} events from {plan.files} files to {topic}{skipped}", flush=True)
    return 1 if plan.problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
