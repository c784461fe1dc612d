"""A batch is committed only when every record it sent was stored, and a refused record is
counted against the record whose handling sent it (runtime/producer.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runtime.producer import SendFailed, Sends, SourceRecord, current_sends


def done(result: Any = "stored", error: BaseException | None = None) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
    return future


def test_a_refused_record_fails_the_batch_naming_its_source() -> None:
    async def run() -> None:
        first, second = SourceRecord("t", 0, 5), SourceRecord("t", 1, 9)
        with Sends() as sends:
            sends.source = first
            sends.add(done())
            sends.source = second
            sends.add(done(error=RuntimeError("MessageSizeTooLargeError")))
        with pytest.raises(SendFailed, match="MessageSizeTooLargeError") as failed:
            await sends.check()
        assert failed.value.source == second

    asyncio.run(run())


def test_a_cancelled_send_fails_the_batch() -> None:
    async def run() -> None:
        cancelled: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        cancelled.cancel()
        with Sends() as sends:
            sends.add(cancelled)
        with pytest.raises(SendFailed, match="cancelled"):
            await sends.check()

    asyncio.run(run())


def test_check_waits_for_acknowledgements_still_to_come() -> None:
    async def run() -> None:
        later: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.05, later.set_result, "stored")
        with Sends() as sends:
            sends.add(later)
        await sends.check()
        assert later.done()

    asyncio.run(run())


def test_sends_of_another_task_or_after_close_are_not_counted() -> None:
    async def run() -> None:
        async def elsewhere() -> Sends | None:
            return current_sends()

        with Sends() as sends:
            assert current_sends() is sends
            other = asyncio.create_task(asyncio.sleep(0))
        assert current_sends() is None
        sends.add(done(error=RuntimeError("after close")))
        await sends.check()
        await other
        assert await asyncio.create_task(elsewhere()) is None

    asyncio.run(run())
