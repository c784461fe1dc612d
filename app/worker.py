"""`lineage-integrator worker`: one replica, on the configured broker or the embedded one."""

from __future__ import annotations

import gc
import logging
import sys
from typing import Any

from agents.connectors.file_log_store import DEFAULT_SUBDIRECTORY
from app.broker import EmbeddedBroker, ensure_broker
from app.replay import fresh_broker_message
from app.settings import Settings

log = logging.getLogger("lineage_integrator.worker")

QUIET_LOGGERS = ("aiokafka", "kafka", "faust", "mode", "aiohttp.access", "aiohttp.server")
"""Libraries whose INFO lines (every connection, every service start) are noise to a user;
they log at WARNING unless LINEAGE_LOG_LEVEL=debug."""

GC_YOUNG_THRESHOLD = 50_000
"""Allocations between young collections (CPython's default: 700)."""


def resolve_broker(settings: Settings) -> tuple[Settings, EmbeddedBroker | None]:
    """With no LINEAGE_BROKER, start (or reuse) the embedded broker and point settings at it."""
    if settings.broker:
        return settings, None
    broker = ensure_broker(settings.embedded_broker_port)
    verb = "Started" if broker.started_here else "Reusing"
    log.warning(
        "%s the embedded broker at %s (no LINEAGE_BROKER set; it keeps topics in memory only, "
        "for development: see the README on what a restart loses)",
        verb,
        broker.url,
    )
    if broker.started_here:
        log.warning(fresh_broker_message(settings.data_dir / DEFAULT_SUBDIRECTORY))
    return settings.model_copy(update={"broker": broker.url}), broker


def logging_config(level: str) -> dict[str, Any]:
    """One line per record, to stderr; the libraries in QUIET_LOGGERS at WARNING unless debugging."""
    library_level = "DEBUG" if level.lower() == "debug" else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "[%(asctime)s] [%(levelname)s] %(message)s"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {name: {"level": library_level} for name in QUIET_LOGGERS},
    }


def tune_gc() -> None:
    """Collect less often, and never scan what start-up built.

    A worker allocates dozens of container objects per event parsed, nearly all freed by
    reference counting within the batch; with CPython's default thresholds the collector
    still runs every 700 allocations and its full collections walk every module and model
    class of the process (benchmarks/README.md). `gc.freeze()` moves what start-up made out
    of the collector's reach; a higher young threshold lets a batch's objects die before
    they are scanned. Cyclic garbage is still collected, in larger steps.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def run_worker(settings: Settings) -> int:
    """Run one worker until it is stopped; stop the embedded broker if we started it."""
    from app.service import build_worker

    settings, broker = resolve_broker(settings)
    try:
        log.info("Kafka: %s", settings.kafka_connection().describe())
        worker = build_worker(settings)
        worker.app.loop.run_until_complete(worker.runtime.prepare())
        worker.app.task(_announce_when_ready(worker))
        faust_worker = worker.app.Worker(
            loglevel=settings.log_level.upper(),
            logging_config=logging_config(settings.log_level),
            redirect_stdouts=False,
            quiet=True,
        )
        # Faust's terminal spinner sets the root logger to DEBUG when the level is WARNING or
        # above, which makes every library's debug call build a record.
        faust_worker.spinner = None
        tune_gc()
        faust_worker.execute_from_commandline()
    except SystemExit as exit_:
        return int(exit_.code or 0) if isinstance(exit_.code, int | None) else 1
    finally:
        if broker is not None and broker.started_here:
            log.warning("Stopping the embedded broker this worker started at %s", broker.url)
            broker.stop()
    return 0


def _announce_when_ready(worker: Any) -> Any:
    async def announce() -> None:
        await worker.readiness.wait()
        s = worker.settings
        base = f"http://localhost:{s.web_port}"
        log.info(
            "Ready: REST %s/api/v1 | lineage page %s/lineage | read models %s | broker %s | data %s",
            base,
            base,
            read_models_line(s),
            s.broker,
            s.data_dir.resolve(),
        )

    return announce


def read_models_line(settings: Settings) -> str:
    """What the start log says of LINEAGE_READ_MODELS: whether this replica answers the lineage reads."""
    if settings.keeps_read_models:
        return "on (answers the lineage reads)"
    return "off (an ingest replica: lineage reads answer 503, LINEAGE_READ_MODELS=off)"


def configure_cli_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        stream=sys.stderr, level=level.upper(), format="[%(asctime)s] [%(levelname)s] %(message)s"
    )
