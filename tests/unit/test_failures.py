"""One place decides what a failure means, and one helper retries (runtime/failures.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
)

from runtime.failures import Failure, Interrupted, Rejected, TransientError, classify, retrying
from runtime.producer import SendFailed


@pytest.mark.parametrize(
    "error",
    [
        KafkaConnectionError(),
        RequestTimedOutError(),
        NotLeaderForPartitionError(),
        TimeoutError(),
        TransientError("down"),
    ],
)
def test_what_is_outside_the_record_is_transient(error: BaseException) -> None:
    assert classify(error) is Failure.TRANSIENT


@pytest.mark.parametrize(
    "error",
    [
        MessageSizeTooLargeError(),
        TopicAuthorizationFailedError(),
        UnicodeEncodeError("utf-8", "x", 0, 1, "surrogate"),
        KeyError("x"),
    ],
)
def test_what_the_record_brings_is_the_records(error: BaseException) -> None:
    assert classify(error) is Failure.RECORD


def test_a_refused_send_is_judged_by_its_cause() -> None:
    too_large = SendFailed("not stored", None)
    too_large.__cause__ = MessageSizeTooLargeError()
    assert classify(too_large) is Failure.RECORD
    timed_out = SendFailed("not stored", None)
    timed_out.__cause__ = RequestTimedOutError()
    assert classify(timed_out) is Failure.TRANSIENT
    assert classify(Rejected("bad", [])) is Failure.REJECTED


def test_retrying_gives_up_after_its_attempts_with_the_last_error() -> None:
    calls = 0

    async def run() -> None:
        nonlocal calls
        async for attempt in retrying(lambda e: True, attempts=3, wait_initial_s=0.01, wait_max_s=0.02):
            with attempt:
                calls += 1
                raise ValueError(f"call {calls}")

    with pytest.raises(ValueError, match="call 3"):
        asyncio.run(run())
    assert calls == 3


def test_retrying_raises_at_once_what_it_does_not_retry() -> None:
    calls = 0

    async def run() -> None:
        nonlocal calls
        async for attempt in retrying(attempts=5, wait_initial_s=0.01):
            with attempt:
                calls += 1
                raise KeyError("not transient")

    with pytest.raises(KeyError):
        asyncio.run(run())
    assert calls == 1


def test_an_interrupt_cuts_a_long_wait_short() -> None:
    async def run() -> float:
        interrupt = asyncio.Event()
        asyncio.get_running_loop().call_later(0.1, interrupt.set)
        started = time.monotonic()

        async def keep_failing() -> None:
            async for attempt in retrying(
                lambda e: True, wait_initial_s=30, wait_max_s=30, interrupt=interrupt
            ):
                with attempt:
                    raise TransientError("down")

        with pytest.raises(Interrupted):
            await keep_failing()
        return time.monotonic() - started

    assert asyncio.run(run()) < 5
