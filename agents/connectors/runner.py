"""Run the configured connectors: one Faust agent each on the internal topic, and what
happens when one fails.

Why one agent per connector: Faust gives every agent on a topic each event and commits
an offset only when every agent has handled it, so each connector gets every event at
least once, in order per job (per partition), and a slow or failing connector delays no
other connector's handling. What still couples them is the commit (and Faust's buffer of
unhandled events on the shared partition), so no connector may hold an event for long:

- A listener that raises is retried in line (`FailurePolicy.retries`, with backoff); once
  an event has failed that way, the next ones get a single try each until one works.
- `PermanentConnectorError`, or retries spent under `then: dead-letter`: the event goes
  to the dead-letter topic with `lineage.connector: <name>` in its headers; the other
  connectors have it already, so only this connector needs it replayed.
- Retries spent under `then: retry-topic` (the API log store's default): the event goes
  to the connector's own retry topic `...lineageintegrator.connector.<name>.retry`, read
  by a second agent that retries it with growing backoff until it is delivered (or
  dead-letters it after `retry_max_attempts`). Its offset is committed only once the
  event is handled, so nothing is lost across a crash. For `circuit_open_s` after a
  failure, the connector's new events go straight to the retry topic (in order, no
  attempt), so a target that is down costs nothing on the internal topic; after that
  one event is tried directly, once the retry agent of this worker has gone idle.

The event receiver's topics (`Connector.kafka_sources`) get an intake agent of their own.
Lifecycle: every connector is built (settings validated) when the worker is built, so a
bad setting stops the worker with a message; started when the worker is up (agents wait
for that); one that fails to start is retried in the background while its events follow
its failure policy; `refresh()` runs after start and every `refresh_interval_s`; `stop()`
when the worker stops.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from agents.connectors.base import (
    AssetManagerListener,
    Connector,
    ConnectorError,
    ConnectorNotRunning,
    FailurePolicy,
    PermanentConnectorError,
)
from agents.connectors.context import ConnectorContext
from agents.connectors.registry import (
    ConnectorConfig,
    ConnectorConfigError,
    ConnectorRegistry,
    Registered,
    build_registry,
)
from agents.dead_letters import SourceRecord, send_dead_letter
from agents.openlineage_intake import install_intake_agent
from agents.openlineage_publish import HEADER_ORIGIN, parsed_events
from schemas.asset_manager import AssetManagerOutTopicEvent
from schemas.openlineage import OpenLineageEvent, validate_event

if TYPE_CHECKING:
    from app.service import LineageService

log = logging.getLogger(__name__)

HEADER_CONNECTOR = "lineage.connector"
EXTENSION_KEY = "connectors"

_RETRY_IDLE_S = 1.0
"""How long the retry agent must have been idle before the main path tries directly again."""
_START_BACKOFF_MAX_S = 60.0
_LOG_EVERY_S = 10.0


def retry_topic_name(service: LineageService, instance: str) -> str:
    settings = service.settings
    return f"{settings.topic_root}.server.{settings.server_name}.omis.lineageintegrator.connector.{instance}.retry"


class ConnectorStatus(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass
class Circuit:
    """While open, a retry-topic connector's events skip the target and queue on its retry topic."""

    open_for_s: float
    open_until: float = 0.0
    tripped: bool = False

    def is_open(self, now: float) -> bool:
        return now < self.open_until

    @property
    def probing(self) -> bool:
        """Tripped earlier and no longer open: the next event is tried once, without retries."""
        return self.tripped and not self.is_open(time.monotonic())

    def trip(self, now: float | None = None) -> None:
        self.tripped = True
        self.open_until = (now if now is not None else time.monotonic()) + self.open_for_s

    def close(self) -> None:
        self.tripped = False
        self.open_until = 0.0


@dataclass(eq=False)
class RunningConnector:
    """One configured connector instance and its bookkeeping."""

    config: ConnectorConfig
    registered: Registered
    connector: Connector[Any]
    context: ConnectorContext
    policy: FailurePolicy
    retry_topic: str | None
    circuit: Circuit
    status: ConnectorStatus = ConnectorStatus.STARTING
    error: str | None = None
    sources: list[str] = field(default_factory=list)
    delivered: int = 0
    failures: int = 0
    dead_lettered: int = 0
    diverted: int = 0
    retry_busy: bool = False
    retry_active_at: float = 0.0
    logged_at: float = -1e9
    unlogged: int = 0

    @property
    def name(self) -> str:
        return self.config.name

    async def handle_openlineage(self, event: OpenLineageEvent, raw: bytes) -> None:
        if self.status is not ConnectorStatus.RUNNING:
            raise ConnectorNotRunning(f"connector {self.name!r} is {self.status.value}: {self.error or ''}")
        for listener in self.context.openlineage_listeners:
            await _call(listener, event, raw)

    async def handle_asset_manager(
        self, listeners: list[AssetManagerListener], event: AssetManagerOutTopicEvent, raw: bytes
    ) -> None:
        if self.status is not ConnectorStatus.RUNNING:
            raise ConnectorNotRunning(f"connector {self.name!r} is {self.status.value}: {self.error or ''}")
        for listener in listeners:
            await _call(listener, event, raw)

    def retry_idle(self, now: float) -> bool:
        return not self.retry_busy and now - self.retry_active_at >= _RETRY_IDLE_S

    def report(self) -> dict[str, Any]:
        """What `GET /api/v1/connectors` and `validate-connector` show about this instance."""
        am_types: set[str] = set()
        am_all = False
        for types, _ in self.context.asset_manager_listeners:
            if types is None:
                am_all = True
            else:
                am_types.update(t.value for t in types)
        return {
            "name": self.name,
            "connector": self.registered.name,
            "implementation": self.registered.target,
            "status": self.status.value,
            "error": self.error,
            "listensTo": {
                "openLineage": bool(self.context.openlineage_listeners),
                "assetManager": "all" if am_all else sorted(am_types),
                "kafkaTopics": list(self.sources),
            },
            "failurePolicy": self.policy.model_dump(),
            "retryTopic": self.retry_topic,
            "circuitOpen": self.circuit.is_open(time.monotonic()),
            "delivered": self.delivered,
            "failures": self.failures,
            "deadLettered": self.dead_lettered,
            "divertedToRetryTopic": self.diverted,
        }


async def _call(listener: Callable[..., Any], *args: Any) -> None:
    result = listener(*args)
    if inspect.isawaitable(result):
        await result


class ConnectorHost:
    """The connector instances of one worker, their lifecycle and their delivery rules."""

    def __init__(self, service: LineageService, registry: ConnectorRegistry) -> None:
        self.service = service
        self.registry = registry
        self.connectors: list[RunningConnector] = [self._build(c, r) for c, r in registry.configured]
        self.all_started = asyncio.Event()
        # Each event parsed once for all connector streams: the doors of this worker remember
        # what they publish for as many readers as there are connector streams here.
        self._parsed = parsed_events(service)
        self._parsed.readers = sum(1 for rc in self.connectors if rc.connector.consumes_openlineage)

    # ------------------------------------------------------------------ building

    def _build(self, config: ConnectorConfig, registered: Registered) -> RunningConnector:
        cls = registered.load()
        where = f"connector {config.name!r} ({registered.name})"
        try:
            settings = cls.settings_model.model_validate(config.settings)
        except ValidationError as exc:
            raise ConnectorConfigError(
                f"{where}: bad settings:\n  " + _pydantic_lines(exc, "settings")
            ) from None
        try:
            policy = FailurePolicy.model_validate({**cls.failure_policy.model_dump(), **config.failure})
        except ValidationError as exc:
            raise ConnectorConfigError(
                f"{where}: bad failure policy:\n  " + _pydantic_lines(exc, "failure")
            ) from None
        context = ConnectorContext(
            name=config.name,
            connector=registered.name,
            settings=settings,
            service=self.service,
            consumes_openlineage=cls.consumes_openlineage,
        )
        connector = cls(context)
        retry_topic = retry_topic_name(self.service, config.name) if policy.then == "retry-topic" else None
        return RunningConnector(
            config=config,
            registered=registered,
            connector=connector,
            context=context,
            policy=policy,
            retry_topic=retry_topic,
            circuit=Circuit(open_for_s=policy.circuit_open_s),
            sources=list(connector.kafka_sources()),
        )

    def by_name(self, name: str) -> RunningConnector | None:
        return next((rc for rc in self.connectors if rc.name == name), None)

    def instances_of(self, registered: Registered) -> list[RunningConnector]:
        return [rc for rc in self.connectors if rc.registered == registered]

    # ------------------------------------------------------------------ lifecycle

    async def start_all(self) -> None:
        """Start every connector (in parallel), then let the agents deliver."""
        try:
            await asyncio.gather(*(self._start(rc) for rc in self.connectors))
        finally:
            self.all_started.set()
        for rc in self.connectors:
            if rc.status is ConnectorStatus.FAILED:
                self.service.app.add_future(self._keep_starting(rc))
            else:
                self.service.app.add_future(self._refresh(rc))  # off the start path: it may take long
            if rc.config.refresh_interval_s:
                self.service.app.add_future(self._refresh_every(rc, rc.config.refresh_interval_s))
        running = [rc.name for rc in self.connectors if rc.status is ConnectorStatus.RUNNING]
        log.info("Connectors running: %s", ", ".join(running) or "none")

    async def _start(self, rc: RunningConnector) -> None:
        rc.context.openlineage_listeners.clear()
        rc.context.asset_manager_listeners.clear()
        rc.status = ConnectorStatus.STARTING
        try:
            await rc.connector.start()
        except Exception as exc:
            rc.status, rc.error = ConnectorStatus.FAILED, f"start failed: {type(exc).__name__}: {exc}"
            self.service.metrics.connector_failures.labels(connector=rc.name).inc()
            log.exception("Connector %r failed to start; its events follow its failure policy", rc.name)
            return
        rc.status, rc.error = ConnectorStatus.RUNNING, None

    async def _keep_starting(self, rc: RunningConnector) -> None:
        attempt = 0
        while rc.status is ConnectorStatus.FAILED:
            attempt += 1
            await asyncio.sleep(min(_START_BACKOFF_MAX_S, 2.0**attempt))
            try:
                await rc.connector.stop()
            except Exception:
                log.debug("stop() of %r before restarting it raised", rc.name, exc_info=True)
            await self._start(rc)
        log.info("Connector %r started after %d retries", rc.name, attempt)
        await self._refresh(rc)

    async def _refresh(self, rc: RunningConnector) -> None:
        try:
            await rc.connector.refresh()
        except Exception:
            self.service.metrics.connector_failures.labels(connector=rc.name).inc()
            log.exception("Connector %r: refresh failed", rc.name)

    async def _refresh_every(self, rc: RunningConnector, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            if rc.status is ConnectorStatus.RUNNING:
                await self._refresh(rc)

    async def stop_all(self) -> None:
        for rc in self.connectors:
            if rc.status is not ConnectorStatus.RUNNING:
                continue
            try:
                await asyncio.wait_for(rc.connector.stop(), timeout=10.0)
            except Exception:
                log.exception("Connector %r: stop failed", rc.name)
            rc.status = ConnectorStatus.STOPPED

    # ------------------------------------------------------------------ delivery

    async def deliver_openlineage(self, rc: RunningConnector, event: Any) -> None:
        """Hand one internal-topic event to one connector, under its failure policy."""
        raw: bytes = event.value or b""
        if event.headers.get(HEADER_ORIGIN) == rc.context.origin.encode():
            self._parsed.take(raw)  # counted as a reader all the same
            return  # its own event: "publish to all other connectors"
        await self.all_started.wait()
        parsed = self._parsed.take_or_parse(raw)
        if parsed is None:
            await self._dead_letter(rc, event, "the internal topic holds a record that is not a valid event")
            return
        now = time.monotonic()
        backlog = rc.circuit.is_open(now) or not rc.retry_idle(now)
        if rc.retry_topic is not None and rc.circuit.tripped and backlog:
            await self._divert(rc, event)  # keep order: behind what already waits for the target
            return
        # After a failure, one try per event until one works: a connector failing on every
        # event then costs one call per event, not its retries and backoff.
        retries = 0 if rc.circuit.tripped else rc.policy.retries
        failure = await self._attempt(rc, lambda: rc.handle_openlineage(parsed, raw), retries)
        if failure is None:
            rc.circuit.close()
            rc.delivered += 1
            return
        if isinstance(failure, PermanentConnectorError):
            await self._dead_letter(rc, event, _describe(failure))
            return
        rc.circuit.trip()
        if rc.retry_topic is None:
            await self._dead_letter(rc, event, _describe(failure))
        else:
            await self._divert(rc, event)

    async def flush(self, rc: RunningConnector) -> None:
        """What the connector left in progress is done before its stream commits (raises: the
        batch is delivered again)."""
        if rc.status is ConnectorStatus.RUNNING:
            await rc.connector.flush()

    async def deliver_retry(self, rc: RunningConnector, event: Any) -> None:
        """Retry one event from the connector's retry topic until it is delivered (or given up)."""
        await self.all_started.wait()
        raw: bytes = event.value or b""
        parsed, _ = validate_event(raw)
        if parsed is None:
            await self._dead_letter(rc, event, "the retry topic holds a record that is not a valid event")
            return
        rc.retry_busy = True
        try:
            attempt = 0
            while True:
                rc.retry_active_at = time.monotonic()
                try:
                    await rc.handle_openlineage(parsed, raw)
                    await self.flush(rc)  # one event per commit here: its work done first
                except asyncio.CancelledError:
                    raise
                except PermanentConnectorError as exc:
                    await self._dead_letter(rc, event, _describe(exc))
                    return
                except Exception as exc:
                    attempt += 1
                    self._count_failure(rc, exc, attempt, retrying=True)
                    if rc.policy.retry_max_attempts is not None and attempt >= rc.policy.retry_max_attempts:
                        await self._dead_letter(
                            rc, event, f"gave up after {attempt} retries: {_describe(exc)}"
                        )
                        return
                    rc.circuit.trip()
                    await asyncio.sleep(rc.policy.delay(attempt, cap=rc.policy.retry_backoff_max_s))
                    continue
                rc.delivered += 1
                if attempt:
                    log.info(
                        "Connector %r: delivered a retried event after %d more attempts", rc.name, attempt
                    )
                return
        finally:
            rc.retry_busy = False
            rc.retry_active_at = time.monotonic()

    async def dispatch_asset_manager(self, event: AssetManagerOutTopicEvent, raw: bytes, record: Any) -> int:
        """Hand an Asset Manager event to every listener registered for its type; returns how many
        connectors had one. A connector whose listener keeps failing gets a dead letter."""
        await self.all_started.wait()
        handled = 0
        for rc in self.connectors:
            listeners = rc.context.wants_asset_manager(event.eventType)
            if not listeners:
                continue
            handled += 1
            call = functools.partial(rc.handle_asset_manager, listeners, event, raw)
            failure = await self._attempt(rc, call, rc.policy.retries)
            if failure is not None:
                await self._dead_letter(rc, record, _describe(failure), stream=f"asset-manager:{rc.name}")
            else:
                rc.delivered += 1
        return handled

    async def _attempt(
        self, rc: RunningConnector, call: Callable[[], Awaitable[None]], retries: int
    ) -> BaseException | None:
        """Call, retrying in line; None when it worked, else the last exception."""
        attempt = 0
        while True:
            try:
                await call()
                return None
            except asyncio.CancelledError:
                raise
            except PermanentConnectorError as exc:
                self._count_failure(rc, exc, attempt + 1, retrying=False)
                return exc
            except Exception as exc:
                attempt += 1
                self._count_failure(rc, exc, attempt, retrying=attempt <= retries)
                if attempt > retries:
                    return exc
                await asyncio.sleep(rc.policy.delay(attempt))

    def _count_failure(
        self, rc: RunningConnector, exc: BaseException, attempt: int, *, retrying: bool
    ) -> None:
        """Count every failure; log at most one line every _LOG_EVERY_S per connector (saying how
        many failures it did not show), so a connector failing on every event cannot flood the log."""
        rc.failures += 1
        self.service.metrics.connector_failures.labels(connector=rc.name).inc()
        now = time.monotonic()
        if now - rc.logged_at < _LOG_EVERY_S:
            rc.unlogged += 1
            return
        more = f" ({rc.unlogged} more failures since the last report)" if rc.unlogged else ""
        rc.logged_at, rc.unlogged = now, 0
        log.warning(
            "Connector %r failed (attempt %d%s): %s%s",
            rc.name,
            attempt,
            ", will retry" if retrying else "",
            _describe(exc),
            more,
            exc_info=not isinstance(exc, ConnectorError),
        )

    async def _divert(self, rc: RunningConnector, event: Any) -> None:
        assert rc.retry_topic is not None
        headers = [(k, v) for k, v in event.headers.items()] + [(HEADER_CONNECTOR, rc.name.encode())]
        await self.service.topic(rc.retry_topic).send(key=event.key, value=event.value, headers=headers)
        rc.diverted += 1
        self.service.metrics.events_out.labels(role=f"connector-retry:{rc.name}").inc()

    async def _dead_letter(
        self, rc: RunningConnector, record: Any, reason: str, stream: str | None = None
    ) -> None:
        message = getattr(record, "message", record)
        rc.dead_lettered += 1
        await send_dead_letter(
            self.service,
            stream=stream or f"connector:{rc.name}",
            source=SourceRecord.of(message),
            key=message.key,
            value=message.value,
            reason=f"connector {rc.name}: {reason}",
            extra_headers=[(HEADER_CONNECTOR, rc.name.encode())],
        )

    # ------------------------------------------------------------------ reports

    def report(self) -> dict[str, Any]:
        return {"source": self.registry.source, "connectors": [rc.report() for rc in self.connectors]}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _pydantic_lines(exc: ValidationError, prefix: str) -> str:
    return "\n  ".join(
        f"{prefix}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        for err in exc.errors(include_url=False)
    )


def connector_host(service: LineageService) -> ConnectorHost | None:
    """The host of this service's connectors (None when the runner is not installed)."""
    host = service.extensions.get(EXTENSION_KEY)
    return host if isinstance(host, ConnectorHost) else None


def install(service: LineageService) -> None:
    """Build every configured connector and add its agents; start them with the worker."""
    host = ConnectorHost(service, build_registry(service.settings.connectors))
    service.extensions[EXTENSION_KEY] = host
    app = service.app
    for rc in host.connectors:
        if rc.connector.consumes_openlineage:
            _add_connector_agent(service, host, rc)
        if rc.retry_topic is not None:
            _add_retry_agent(service, host, rc)
        if rc.sources:
            overlap = set(rc.sources) & set(service.names.openlineage_inbound)
            if overlap:
                log.warning(
                    "Connector %r reads %s, which LINEAGE_OPENLINEAGE_TOPICS reads too: its events arrive twice",
                    rc.name,
                    sorted(overlap),
                )
            install_intake_agent(service, rc.sources, f"connector-source:{rc.name}")

    @app.task
    async def start_connectors() -> None:
        await host.start_all()

    @app.on_before_shutdown.connect  # type: ignore[arg-type]  # mode types its signals loosely
    async def stop_connectors(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        await host.stop_all()


@dataclass(frozen=True, slots=True)
class _Delivery:
    """A consumed record as the delivery code reads it: the record, its key, value and headers."""

    message: Any
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def _add_connector_agent(service: LineageService, host: ConnectorHost, rc: RunningConnector) -> None:
    """The connector's own batch stream (own consumer group) on the internal topic.

    Its own group: its offsets move with its own handling, so a slow connector holds back
    no other connector's commits.
    """

    async def deliver(record: Any, key: bytes | None, value: bytes | None) -> None:
        headers = {name: data for name, data in record.headers or ()}
        await host.deliver_openlineage(rc, _Delivery(record, key, value, headers))

    service.add_record_agent(
        service.internal_topic,
        f"connector.{rc.name}",
        deliver,
        before_commit=functools.partial(host.flush, rc),
    )


def _add_retry_agent(service: LineageService, host: ConnectorHost, rc: RunningConnector) -> None:
    assert rc.retry_topic is not None
    topic = service.topic(rc.retry_topic, partitions=service.settings.topic_partitions)

    @service.app.agent(topic, name=f"connector-retry:{rc.name}")
    async def connector_retry_agent(stream: Any) -> None:
        async for event in stream.events():
            await host.deliver_retry(rc, event)
