"""`lineage-integrator worker`: one replica, on the configured broker or the embedded one."""

from __future__ import annotations

import gc
import logging
import sys

from app.broker import EmbeddedBroker, ensure_broker
from app.settings import Settings
from app.topic_setup import create_owned_topics

log = logging.getLogger("lineage_integrator.worker")


def resolve_broker(settings: Settings) -> tuple[Settings, EmbeddedBroker | None]:
    """With no LINEAGE_BROKER, start (or reuse) the embedded broker and point settings at it."""
    if settings.broker:
        return settings, None
    broker = ensure_broker(settings.embedded_broker_port)
    verb = "Started" if broker.started_here else "Reusing"
    log.warning(
        "%s the embedded broker at %s (no LINEAGE_BROKER set; memory storage, for development)",
        verb,
        broker.url,
    )
    return settings.model_copy(update={"broker": broker.url}), broker


GC_YOUNG_THRESHOLD = 50_000
"""Allocations between young collections (CPython's default: 700)."""


def tune_gc() -> None:
    """Collect less often, and never scan what start-up built.

    A worker allocates some 50-70 container objects per event parsed (pydantic models, their
    lists and dicts), nearly all freed by reference counting within the batch. With
    CPython's default thresholds the collector still runs every 700 allocations and moves
    the events of a batch in flight into older generations, whose full collections then scan
    every module, model class and Faust object of the process: measured here, the collector
    took 1.4-1.8 s of a 10 s benchmark run. `gc.freeze()` moves what start-up made out of the
    collector's reach; a higher young threshold lets a batch's objects die before they are
    scanned. Cyclic garbage is still collected, just in larger steps.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def run_worker(settings: Settings) -> int:
    """Run one Faust worker until it is stopped; stop the embedded broker if we started it."""
    from app.service import create_service

    settings, broker = resolve_broker(settings)
    try:
        service = create_service(settings)
        create_owned_topics(service)
        worker = service.app.Worker(loglevel=settings.log_level.upper(), redirect_stdouts=False)
        # Faust's terminal spinner sets the root logger to DEBUG, which measured 13% of the
        # event loop's time in logging calls at level warning (benchmarks/README.md).
        worker.spinner = None
        tune_gc()
        worker.execute_from_commandline()
    except SystemExit as exit_:
        return int(exit_.code or 0) if isinstance(exit_.code, int | None) else 1
    finally:
        if broker is not None and broker.started_here:
            log.warning("Stopping the embedded broker this worker started at %s", broker.url)
            broker.stop()
    return 0


def configure_cli_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        stream=sys.stderr, level=level.upper(), format="[%(asctime)s] [%(levelname)s] %(message)s"
    )
