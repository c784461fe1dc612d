"""What a failure means for the record being handled, decided in one place for every stream.

A stream handles records one at a time; when handling one raises, the runtime asks
`classify` what to do:

- `TRANSIENT`: the cause is outside the record (the broker is down or slow, a request
  timed out). Nothing is skipped: the batch is handled again after a back-off, without a
  limit on attempts, until it works or the stream loses the partitions.
- `REJECTED`: the handler said the record itself is bad (`Rejected`): it goes to the
  dead-letter topic at once, with the handler's reason and errors.
- `RECORD`: anything else (a bug, an encoding the code did not expect, a record the broker
  refuses for its size). The record is tried again a bounded number of times
  (`POISON_ATTEMPTS`), then dead-lettered with the last error, and the stream moves on.

`retrying` is the one retry helper: every loop that waits and tries again (a stream's
batch, a store's recovery, a connector's in-line retries, start-up checks) goes through
it, with exponential back-off and jitter (tenacity). A wait can be cut short by an event
(`interrupt`): a stream losing its partitions must not sit out a back-off first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import Any

import tenacity
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError, RequestTimedOutError

from schemas.errors import FieldError

POISON_ATTEMPTS = 3
"""How many times a record that fails for a reason of its own is handled before it is dead-lettered."""


class Failure(Enum):
    TRANSIENT = "transient"
    REJECTED = "rejected"
    RECORD = "record"


class Rejected(Exception):
    """The record is bad and always will be: dead-letter it now with this reason and these errors."""

    def __init__(
        self,
        reason: str,
        errors: Sequence[FieldError] = (),
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = list(errors)
        self.headers = list(headers)
        """Extra headers for the dead letter (the connector it failed in, say)."""


class TransientError(Exception):
    """A failure outside the record (a dependency down or slow): handle it again later."""


_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    TransientError,
    KafkaConnectionError,
    KafkaTimeoutError,
    RequestTimedOutError,
    TimeoutError,
    ConnectionError,
)


def classify(exc: BaseException) -> Failure:
    """TRANSIENT, REJECTED or RECORD (see the module docstring); follows `__cause__` chains."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Rejected):
            return Failure.REJECTED
        if isinstance(current, _TRANSIENT_TYPES):
            return Failure.TRANSIENT
        if isinstance(current, KafkaError) and getattr(current, "retriable", False):
            return Failure.TRANSIENT
        current = current.__cause__
    return Failure.RECORD


def is_transient(exc: BaseException) -> bool:
    return classify(exc) is Failure.TRANSIENT


class Interrupted(Exception):
    """A retry's wait was cut short by its `interrupt` event: give up on this operation."""


def retrying(
    on: Callable[[BaseException], bool] = is_transient,
    *,
    attempts: int | None = None,
    timeout_s: float | None = None,
    wait_initial_s: float = 0.5,
    wait_max_s: float = 30.0,
    interrupt: asyncio.Event | None = None,
) -> tenacity.AsyncRetrying:
    """Attempts of one operation: `async for attempt in retrying(): with attempt: ...`.

    Retries the failures `on` accepts (by default the transient ones), forever unless
    `attempts` or `timeout_s` says otherwise, waiting `wait_initial_s` doubling up to
    `wait_max_s`, with jitter; anything else is raised at once, and so is the last failure
    when attempts run out. When `interrupt` is set during a wait, `Interrupted` is raised.
    """
    stop: Any = tenacity.stop_never
    if attempts is not None:
        stop = tenacity.stop_after_attempt(attempts)
    if timeout_s is not None:
        stop = (
            tenacity.stop_after_delay(timeout_s)
            if attempts is None
            else stop | tenacity.stop_after_delay(timeout_s)
        )
    return tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(on),
        stop=stop,
        wait=tenacity.wait_exponential_jitter(
            multiplier=wait_initial_s, max=wait_max_s, jitter=wait_initial_s
        ),
        sleep=_sleep_unless_interrupted(interrupt),
        reraise=True,
    )


def _sleep_unless_interrupted(interrupt: asyncio.Event | None) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        if interrupt is None:
            await asyncio.sleep(seconds)
        elif await sleep_unless(interrupt, seconds):
            raise Interrupted("the wait before the next attempt was cut short")

    return sleep


async def sleep_unless(event: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` or until `event` is set; True when the event cut the sleep short."""
    if event.is_set():
        return True
    try:
        await asyncio.wait_for(event.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


class Throttled:
    """A warning logged at most once every `every_s` seconds: a failure that repeats on every
    poll (the broker away) is said, not flooded."""

    def __init__(self, logger: logging.Logger, every_s: float = 30.0) -> None:
        self.logger = logger
        self.every_s = every_s
        self._logged_at = float("-inf")

    def warning(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now - self._logged_at >= self.every_s:
            self._logged_at = now
            self.logger.warning(message, *args)
