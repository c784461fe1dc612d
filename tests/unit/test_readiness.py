"""Readiness: every condition met, and never ready (nor asked) once the worker is stopping."""

from __future__ import annotations

import asyncio

from runtime.readiness import Readiness


def test_ready_only_when_every_condition_is_met() -> None:
    readiness = Readiness()
    joined = asyncio.Event()
    readiness.add_event("stream:x", joined)
    readiness.add("registered", lambda: True)
    assert not readiness.ready
    assert readiness.report() == {"ready": False, "conditions": {"stream:x": False, "registered": True}}
    joined.set()
    assert readiness.ready


def test_a_stopping_worker_is_not_ready_and_its_checks_are_not_asked() -> None:
    readiness = Readiness()

    def closed_store() -> bool:
        raise RuntimeError("the store is closed")

    readiness.add("registered", closed_store)
    readiness.stopping()
    assert not readiness.ready
    assert readiness.report() == {"ready": False, "conditions": {"running": False}}
