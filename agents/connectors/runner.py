"""Run the configured connectors: a stream each on the internal topic, and what happens when
one fails.

Why a stream (a consumer group) per connector: each one reads the internal topic at its
own pace and commits its own offsets, so every connector gets every event at least once,
in order per job (per partition), and a slow or failing connector delays no other one.

What a failing listener does, by the connector's `FailurePolicy`:
- it is retried in line (`retries`, with back-off); once an event has failed that way, the
  next ones get a single try each until one works;
- `PermanentConnectorError`, or retries spent under `then: dead-letter`: the event goes to
  the dead-letter topic with `lineage.connector: <name>` in its headers (the other
  connectors have it already, so only this one needs it replayed);
- retries spent under `then: retry-topic` (the API log store's default): the event goes to
  the connector's own retry topic `...lineageintegrator.connector.<name>.retry`, read by a
  second stream of the connector that retries it with growing back-off until it is
  delivered (or dead-letters it after `retry_max_attempts`). For `circuit_open_s` after a
  failure, the connector's new events go straight to the retry topic (in order, no
  attempt), so a target that is down costs nothing on the internal topic; after that one
  event is tried directly, once this worker's retry stream has gone idle.

The event receiver's topics (`Connector.kafka_sources`) get an intake stream of their own.
Lifecycle: every connector is built (settings validated) when the worker is built, so a bad
setting stops the worker with a message; started before the streams deliver; one that
fails to start is retried in the background while its events follow its failure policy;
`refresh()` runs after start and every `refresh_interval_s`; `stop()` after the streams stop.
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
from typing import Any

from pydantic import ValidationError

from agents.connectors.base import (
    AssetManagerListener,
    Connector,
    ConnectorError,
    ConnectorNotRunning,
    FailurePolicy,
    PermanentConnectorError,
)
from agents.connectors.context import ConnectorContext, ConnectorServices
from agents.connectors.registry import ConnectorConfig, ConnectorConfigError, ConnectorRegistry, Registered
from agents.openlineage_intake import OpenLineageIntake
from agents.openlineage_publish import origin_of
from runtime.dead_letters import DeadLetters
from runtime.failures import Interrupted, Rejected, retrying, sleep_unless
from runtime.metrics import Metrics
from runtime.producer import Producer, SourceRecord
from runtime.stream import StreamFactory, current_interrupt
from schemas.asset_manager import AssetManagerOutTopicEvent
from schemas.errors import EventValidationError
from schemas.openlineage import OpenLineageEvent, read_accepted_event

log = logging.getLogger(__name__)

HEADER_CONNECTOR = "lineage.connector"

_RETRY_IDLE_S = 1.0
"""How long the retry stream must have been idle before the main path tries directly again."""
_START_BACKOFF_MAX_S = 60.0
_LOG_EVERY_S = 10.0


def retry_topic_name(prefix: str, instance: str) -> str:
    """`prefix` is `<root>.server.<server>.omis.lineageintegrator`."""
    return f"{prefix}.connector.{instance}.retry"


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

    def _check_running(self) -> None:
        if self.status is not ConnectorStatus.RUNNING:
            raise ConnectorNotRunning(f"connector {self.name!r} is {self.status.value}: {self.error or ''}")

    async def handle_openlineage(self, event: OpenLineageEvent, raw: bytes) -> None:
        self._check_running()
        for listener in self.context.openlineage_listeners:
            await _call(listener, event, raw)

    async def handle_asset_manager(
        self, listeners: list[AssetManagerListener], event: AssetManagerOutTopicEvent, raw: bytes
    ) -> None:
        self._check_running()
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

    def __init__(
        self,
        registry: ConnectorRegistry,
        services: ConnectorServices,
        *,
        producer: Producer,
        dead_letters: DeadLetters,
        metrics: Metrics,
        retry_topic_prefix: str,
    ) -> None:
        self.registry = registry
        self.services = services
        self.producer = producer
        self.dead_letters = dead_letters
        self.metrics = metrics
        self.retry_topic_prefix = retry_topic_prefix
        self.connectors: list[RunningConnector] = [self._build(c, r) for c, r in registry.configured]
        self._tasks: set[asyncio.Task[None]] = set()

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
            services=self.services,
            consumes_openlineage=cls.consumes_openlineage,
        )
        connector = cls(context)
        retry_topic = (
            retry_topic_name(self.retry_topic_prefix, config.name) if policy.then == "retry-topic" else None
        )
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

    def add_streams(self, streams: StreamFactory, internal_topic: str, intake: OpenLineageIntake) -> None:
        """The streams of every connector: on the internal topic, on its retry topic, and on its
        own Kafka sources."""
        for rc in self.connectors:
            if rc.connector.consumes_openlineage:
                streams.stream(
                    f"connector.{rc.name}",
                    [internal_topic],
                    _bind(self.deliver_openlineage, rc),
                    before_commit=_bind(self.flush, rc),
                )
            if rc.retry_topic is not None:
                streams.stream(f"connector.{rc.name}.retry", [rc.retry_topic], _bind(self.deliver_retry, rc))
            if rc.sources:
                streams.stream(f"connector-source.{rc.name}", rc.sources, intake.handle)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start every connector (in parallel); one that fails is retried in the background."""
        await asyncio.gather(*(self._start(rc) for rc in self.connectors))
        for rc in self.connectors:
            if rc.status is ConnectorStatus.FAILED:
                self._background(self._keep_starting(rc))
            else:
                self._background(self._refresh(rc))  # off the start path: it may take long
            if rc.config.refresh_interval_s:
                self._background(self._refresh_every(rc, rc.config.refresh_interval_s))
        running = [rc.name for rc in self.connectors if rc.status is ConnectorStatus.RUNNING]
        log.info("Connectors running: %s", ", ".join(running) or "none")

    def _background(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _start(self, rc: RunningConnector) -> None:
        rc.context.openlineage_listeners.clear()
        rc.context.asset_manager_listeners.clear()
        rc.status = ConnectorStatus.STARTING
        try:
            await rc.connector.start()
        except Exception as exc:
            rc.status, rc.error = ConnectorStatus.FAILED, f"start failed: {type(exc).__name__}: {exc}"
            self.metrics.connector_failures.labels(connector=rc.name).inc()
            log.exception("Connector %r failed to start; its events follow its failure policy", rc.name)
            return
        rc.status, rc.error = ConnectorStatus.RUNNING, None

    async def _keep_starting(self, rc: RunningConnector) -> None:
        async for attempt in retrying(lambda _: True, wait_initial_s=2.0, wait_max_s=_START_BACKOFF_MAX_S):
            with attempt:
                try:
                    await rc.connector.stop()
                except Exception:
                    log.debug("stop() of %r before restarting it raised", rc.name, exc_info=True)
                await self._start(rc)
                if rc.status is ConnectorStatus.FAILED:
                    raise ConnectorError(rc.error or "start failed")
        log.info("Connector %r started after retries", rc.name)
        await self._refresh(rc)

    async def _refresh(self, rc: RunningConnector) -> None:
        try:
            await rc.connector.refresh()
        except Exception:
            self.metrics.connector_failures.labels(connector=rc.name).inc()
            log.exception("Connector %r: refresh failed", rc.name)

    async def _refresh_every(self, rc: RunningConnector, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            if rc.status is ConnectorStatus.RUNNING:
                await self._refresh(rc)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for rc in self.connectors:
            if rc.status is not ConnectorStatus.RUNNING:
                continue
            try:
                await asyncio.wait_for(rc.connector.stop(), timeout=10.0)
            except Exception:
                log.exception("Connector %r: stop failed", rc.name)
            rc.status = ConnectorStatus.STOPPED

    # ------------------------------------------------------------------ delivery

    async def deliver_openlineage(self, rc: RunningConnector, record: Any) -> None:
        """Hand one internal-topic event to one connector, under its failure policy."""
        if origin_of(record.headers) == rc.context.origin.encode():
            return  # its own event: "publish to all other connectors"
        raw: bytes = record.value or b""
        parsed = _accepted(raw)
        if parsed is None:
            raise self._rejected(rc, "the internal topic holds a record that is not a valid event")
        now = time.monotonic()
        backlog = rc.circuit.is_open(now) or not rc.retry_idle(now)
        if rc.retry_topic is not None and rc.circuit.tripped and backlog:
            await self._divert(rc, record)  # keep order: behind what already waits for the target
            return
        # After a failure, one try per event until one works: a connector failing on every
        # event then costs one call per event, not its retries and back-off.
        retries = 0 if rc.circuit.tripped else rc.policy.retries
        failure = await self._attempt(rc, lambda: rc.handle_openlineage(parsed, raw), retries)
        if failure is None:
            rc.circuit.close()
            rc.delivered += 1
            return
        if isinstance(failure, PermanentConnectorError):
            raise self._rejected(rc, _describe(failure))
        rc.circuit.trip()
        if rc.retry_topic is None:
            raise self._rejected(rc, _describe(failure))
        await self._divert(rc, record)

    async def flush(self, rc: RunningConnector) -> None:
        """What the connector left in progress is done before its stream commits (raises: the
        batch is delivered again)."""
        if rc.status is ConnectorStatus.RUNNING:
            await rc.connector.flush()

    async def deliver_retry(self, rc: RunningConnector, record: Any) -> None:
        """Retry one event from the connector's retry topic until it is delivered (or given up)."""
        raw: bytes = record.value or b""
        parsed = _accepted(raw)
        if parsed is None:
            raise self._rejected(rc, "the retry topic holds a record that is not a valid event")
        rc.retry_busy = True
        attempts = 0

        def again(exc: BaseException) -> bool:
            nonlocal attempts
            attempts += 1
            if isinstance(exc, PermanentConnectorError | Interrupted):
                return False
            self._count_failure(rc, exc, attempts, retrying=True)
            rc.circuit.trip()
            return True

        try:
            async for attempt in retrying(
                again,
                attempts=rc.policy.retry_max_attempts,
                wait_initial_s=rc.policy.backoff_s,
                wait_max_s=rc.policy.retry_backoff_max_s,
                interrupt=current_interrupt(),
            ):
                with attempt:
                    rc.retry_active_at = time.monotonic()
                    await rc.handle_openlineage(parsed, raw)
                    await self.flush(rc)  # one event per commit here: its work done first
        except Interrupted:
            raise
        except PermanentConnectorError as exc:
            raise self._rejected(rc, _describe(exc)) from exc
        except Exception as exc:
            raise self._rejected(rc, f"gave up after {attempts} retries: {_describe(exc)}") from exc
        finally:
            rc.retry_busy = False
            rc.retry_active_at = time.monotonic()
        rc.delivered += 1
        if attempts:
            log.info("Connector %r: delivered a retried event after %d more attempts", rc.name, attempts)

    async def dispatch_asset_manager(self, event: AssetManagerOutTopicEvent, raw: bytes, record: Any) -> int:
        """Hand an Asset Manager event to every listener registered for its type; returns how many
        connectors had one. A connector whose listener keeps failing gets a dead letter."""
        handled = 0
        for rc in self.connectors:
            listeners = rc.context.wants_asset_manager(event.eventType)
            if not listeners:
                continue
            handled += 1
            call = functools.partial(rc.handle_asset_manager, listeners, event, raw)
            failure = await self._attempt(rc, call, rc.policy.retries)
            if failure is None:
                rc.delivered += 1
                continue
            rc.dead_lettered += 1
            await self.dead_letters.send(
                stream=f"asset-manager:{rc.name}",
                source=SourceRecord.of(record),
                key=record.key,
                value=record.value,
                reason=f"connector {rc.name}: {_describe(failure)}",
                extra_headers=[(HEADER_CONNECTOR, rc.name.encode())],
            )
        return handled

    async def _attempt(
        self, rc: RunningConnector, call: Callable[[], Awaitable[None]], retries: int
    ) -> BaseException | None:
        """Call, retrying in line; None when it worked, else the last exception."""
        try:
            await call()  # nearly every call works the first time: no retry machinery for it
        except Interrupted:
            raise
        except Exception as first:
            permanent = isinstance(first, PermanentConnectorError)
            self._count_failure(rc, first, 1, retrying=retries > 0 and not permanent)
            if retries == 0 or permanent:
                return first
            return await self._retry(rc, call, retries)
        return None

    async def _retry(
        self, rc: RunningConnector, call: Callable[[], Awaitable[None]], retries: int
    ) -> BaseException | None:
        """The `retries` more attempts after a failed first one, the first of them after one
        backoff; None when one worked."""
        attempts = 1
        interrupt = current_interrupt()
        if interrupt is None:
            await asyncio.sleep(rc.policy.backoff_s)
        elif await sleep_unless(interrupt, rc.policy.backoff_s):
            raise Interrupted("the wait before the next attempt was cut short")

        def again(exc: BaseException) -> bool:
            nonlocal attempts
            attempts += 1
            if isinstance(exc, Interrupted):
                return False
            permanent = isinstance(exc, PermanentConnectorError)
            self._count_failure(rc, exc, attempts, retrying=not permanent and attempts <= retries)
            return not permanent

        try:
            async for attempt in retrying(
                again,
                attempts=retries,
                wait_initial_s=rc.policy.backoff_s,
                wait_max_s=rc.policy.backoff_max_s,
                interrupt=interrupt,
            ):
                with attempt:
                    await call()
        except Interrupted:
            raise
        except Exception as exc:
            return exc
        return None

    def _count_failure(
        self, rc: RunningConnector, exc: BaseException, attempt: int, *, retrying: bool
    ) -> None:
        """Count every failure; log at most one line every _LOG_EVERY_S per connector (saying how
        many failures it did not show), so a connector failing on every event cannot flood the log."""
        rc.failures += 1
        self.metrics.connector_failures.labels(connector=rc.name).inc()
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

    async def _divert(self, rc: RunningConnector, record: Any) -> None:
        assert rc.retry_topic is not None
        headers = [*(record.headers or ()), (HEADER_CONNECTOR, rc.name.encode())]
        await self.producer.send(rc.retry_topic, record.value, key=record.key, headers=headers)
        rc.diverted += 1
        self.metrics.events_out.labels(role=f"connector-retry:{rc.name}").inc()

    def _rejected(self, rc: RunningConnector, reason: str) -> Rejected:
        """What a stream dead-letters for this connector (the others have the event already)."""
        rc.dead_lettered += 1
        return Rejected(f"connector {rc.name}: {reason}", headers=[(HEADER_CONNECTOR, rc.name.encode())])

    # ------------------------------------------------------------------ reports

    def report(self) -> dict[str, Any]:
        return {"source": self.registry.source, "connectors": [rc.report() for rc in self.connectors]}


def _bind(method: Callable[..., Awaitable[None]], rc: RunningConnector) -> Callable[..., Awaitable[None]]:
    async def bound(*args: Any) -> None:
        await method(rc, *args)

    return bound


def _accepted(raw: bytes) -> OpenLineageEvent | None:
    """An event of the internal or a retry topic (accepted at a door), or None."""
    try:
        return read_accepted_event(raw)
    except EventValidationError:
        return None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _pydantic_lines(exc: ValidationError, prefix: str) -> str:
    return "\n  ".join(
        f"{prefix}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        for err in exc.errors(include_url=False)
    )
