"""Events a cohort agent deliberately does not act on: each gets a logged reason and a counter.

The counter is ``lineage_ignored_events{stream, reason}``; the first occurrence of a reason
is logged at INFO with its explanation, later ones at DEBUG, so a flood of (say) stale
versions does not flood the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)


def ignore(service: LineageService, stream: str, reason: str, detail: str = "") -> None:
    service.metrics.ignored_events.labels(stream=stream, reason=reason).inc()
    seen: set[tuple[str, str]] = service.extensions.setdefault("cohort_ignored_reasons", set())
    level = logging.DEBUG if (stream, reason) in seen else logging.INFO
    seen.add((stream, reason))
    log.log(level, "%s: ignored (%s)%s", stream, reason, f": {detail}" if detail else "")
