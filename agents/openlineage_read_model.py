"""A query replica's OpenLineage read model: the internal topic, read whole, folded into the
replica's explorer store (`agents.explorer`), so any query replica answers Marquez's read
API. Query replicas are those with LINEAGE_READ_MODELS=on (`app.service` builds this only
for them); an ingest replica (off) folds nothing and answers no read.

Every event this server accepted, whatever door it came in by (REST, the Kafka intake,
a connector), is on the internal OpenLineage topic. Each query replica's explorer follower
(`runtime.follower`, with no ownership group: reading sends nothing) reads every partition
of it and folds each event in. Folding is idempotent and independent of order, so a record
read again after a restart, or events of one run spread over partitions, leave the same
store.
"""

from __future__ import annotations

import logging
from typing import Any

from agents.explorer import apply as fold
from runtime.kv import KeyValue
from runtime.metrics import Metrics
from schemas.errors import EventValidationError
from schemas.openlineage import read_accepted_event

log = logging.getLogger(__name__)

STREAM = "explorer"


class OpenLineageReadModel:
    """The explorer follower's handler."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.unreadable = 0

    async def apply(self, record: Any, kv: KeyValue, acting: bool) -> None:
        """Fold one record of the internal topic in; a record that is no event (which the
        doors never publish) is counted and passed over."""
        try:
            event = read_accepted_event(record.value or b"")
        except EventValidationError as exc:
            self.unreadable += 1
            self.metrics.ignored_events.labels(stream=STREAM, reason="not-an-event").inc()
            log.warning(
                "%s: %s[%d]@%d is no OpenLineage event (%s)",
                STREAM,
                record.topic,
                record.partition,
                record.offset,
                exc.errors[0] if exc.errors else "",
            )
            return
        if not fold(kv, event):
            self.metrics.ignored_events.labels(stream=STREAM, reason="already-folded").inc()
