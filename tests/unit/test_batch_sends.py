"""A batch is committed only when every record it sent was stored (app/producer.py)."""

from __future__ import annotations

import asyncio

import pytest

from app.producer import BatchSends, SendFailed, track_send


def _stored() -> asyncio.Future[str]:
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    future.set_result("stored")
    return future


def test_a_refused_record_fails_the_batch() -> None:
    """The broker refusing one record (too large for the topic, not authorised) must stop the
    commit: a flush alone returns all the same, and the event would be lost."""

    async def run() -> None:
        refused = asyncio.get_running_loop().create_future()
        refused.set_exception(RuntimeError("MessageSizeTooLargeError"))
        with BatchSends() as sends:
            track_send(_stored())
            track_send(refused)
            track_send(_stored())
        with pytest.raises(SendFailed, match="MessageSizeTooLargeError"):
            await sends.check()

    asyncio.run(run())


def test_a_cancelled_send_fails_the_batch() -> None:
    async def run() -> None:
        cancelled = asyncio.get_running_loop().create_future()
        cancelled.cancel()
        with BatchSends() as sends:
            track_send(cancelled)
        with pytest.raises(SendFailed, match="cancelled"):
            await sends.check()

    asyncio.run(run())


def test_check_waits_for_acknowledgements_still_to_come() -> None:
    async def run() -> None:
        later: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        with BatchSends() as sends:
            track_send(later)
        asyncio.get_running_loop().call_later(0.01, later.set_result, "stored")
        await sends.check()
        assert later.done()

    asyncio.run(run())


def test_sends_outside_a_batch_or_in_another_task_are_not_counted() -> None:
    """REST handlers wait for their own sends; two batch streams of a worker never share a batch."""

    async def other_stream() -> int:
        with BatchSends() as sends:
            track_send(_stored())
            return len(sends)

    async def run() -> None:
        track_send(_stored())  # no batch open: nothing to count it in
        with BatchSends() as sends:
            track_send(_stored())
            assert await asyncio.create_task(other_stream()) == 1
            track_send(_stored())
        track_send(_stored())  # the batch closed: not counted any more
        assert len(sends) == 2
        await sends.check()

    asyncio.run(run())


def test_a_task_spawned_in_a_batch_stops_counting_when_the_batch_closes() -> None:
    async def run() -> None:
        go_on = asyncio.Event()

        async def background() -> None:
            await go_on.wait()
            track_send(_stored())

        with BatchSends() as sends:
            task = asyncio.create_task(background())
        go_on.set()
        await task
        assert len(sends) == 0

    asyncio.run(run())
