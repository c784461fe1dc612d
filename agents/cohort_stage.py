"""The agent loop the cohort stages share (registry, TypeDefs, instances).

Each stage reads one internal topic that the intake fills (`agents.cohort_intake`) and keeps
its state in a `ChangelogStore`. What they all do the same way lives here:

- the Faust agent over the stage's topic, one record at a time (`LineageService.add_record_agent`);
- per record: count it in, open the store's partition, and send a record whose handling
  raises to the dead letters (logged with the stage's own logger);
- skip an event already handled from the other cohort topic (the intake's digest header),
  and remember the digest once the event is handled;
- an error event: recorded in the error log when aimed at this server, else ignored.

A stage subclass says what an event means: `on_event`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agents import cohort_ignored
from agents.cohort_dedup import SeenEvents
from agents.cohort_errors import ErrorLog, aimed_at_us
from agents.cohort_intake import HEADER_COHORT, HEADER_DIGEST, header, parsed_omrs_events, source_of
from agents.cohort_store import ChangelogStore
from agents.dead_letters import send_dead_letter
from schemas.omrs import OMRSEventV1

if TYPE_CHECKING:
    import faust

    from app.service import LineageService


class CohortStage:
    """One cohort stage agent: its topic, its store, and the shared per-record plumbing."""

    stream: str
    """The stream name (agent name, metrics and dead-letter label)."""
    label: str
    """How the log names the stage when a record fails (e.g. "Cohort TypeDefs")."""
    failure: str
    """The dead-letter reason's prefix (e.g. "TypeDef handling failed")."""

    def __init__(
        self,
        service: LineageService,
        topic: faust.TopicT,
        store: ChangelogStore,
        errors: ErrorLog,
        seen: SeenEvents | None,
    ):
        self.service = service
        self.settings = service.settings
        self.topic = topic
        self.store = store
        self.errors = errors
        self.seen = seen
        self.parsed = parsed_omrs_events(service)
        self.log = logging.getLogger(type(self).__module__)

    def install(self) -> None:
        """Add the stage's agent to the app."""

        self.service.add_record_agent(self.topic, self.stream, self.handle_record)

    async def handle_record(self, message: Any, key: bytes | None, value: bytes | None) -> None:
        self.service.metrics.events_in.labels(stream=self.stream).inc()
        data = await self.store.partition(message.partition)
        try:
            await self.handle(message, key, value, data)
        except Exception as exc:
            self.log.exception(
                "%s failed on %s[%d]@%d", self.label, message.topic, message.partition, message.offset
            )
            await send_dead_letter(
                self.service,
                stream=self.stream,
                source=source_of(message),
                key=key,
                value=value,
                reason=f"{self.failure}: {exc!r}",
            )

    async def handle(
        self, message: Any, key: bytes | None, value: bytes | None, data: Mapping[str, Any]
    ) -> None:
        """One cohort event: skipped when already seen, else parsed and handed to `on_event`."""
        partition = message.partition
        cohort = header(message, HEADER_COHORT) or ""
        event_digest = header(message, HEADER_DIGEST)
        if self.seen is not None and event_digest and await self.seen.seen(partition, event_digest):
            self.parsed.take(value or b"")  # not needed: let it go now rather than age out
            self.ignore("duplicate", "seen on the other cohort topic")
            return
        event = self.parse(value or b"")
        await self.on_event(partition, cohort, key, event, event_digest, data)
        if self.seen is not None and event_digest:
            await self.seen.mark(partition, event_digest)

    def parse(self, raw: bytes) -> OMRSEventV1:
        """The event the intake of this worker parsed and routed as these bytes, else parsed now.

        Taken out of the cache (the stage is the last reader of what the intake routed), and
        not remembered on a miss: nobody else in this worker reads the stage's topic.
        """
        return self.parsed.take_or_parse(raw)

    async def on_event(
        self,
        partition: int,
        cohort: str,
        key: bytes | None,
        event: OMRSEventV1,
        event_digest: str | None,
        data: Mapping[str, Any],
    ) -> None:
        raise NotImplementedError

    def ignore(self, reason: str, detail: str = "") -> None:
        cohort_ignored.ignore(self.service, self.stream, reason, detail)

    async def on_error_event(self, cohort: str, event: OMRSEventV1, event_digest: str | None = None) -> None:
        """An error event: into the error log when aimed at this server, else ignored."""
        if aimed_at_us(self.settings, event):
            await self.errors.record(cohort, event, event_digest)
        else:
            self.ignore("aimed-at-another-member")
