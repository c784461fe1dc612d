"""Readiness: the named conditions a worker must meet before `GET /ready` answers 200.

Liveness (`/health`) is only "the process runs"; readiness is "it holds its partitions,
has read the state it serves, and has done what it must do on start". Whoever knows a
condition adds it as a check (a callable answering whether it is met now), so the web
layer never needs to know who they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Readiness:
    def __init__(self) -> None:
        self._checks: dict[str, Callable[[], bool]] = {}
        self._stopping = False

    def stopping(self) -> None:
        """The worker is stopping: not ready from now on, and the checks (which may read
        state that is about to close) are no longer asked."""
        self._stopping = True

    def add(self, name: str, check: Callable[[], bool]) -> None:
        self._checks[name] = check

    def add_event(self, name: str, event: asyncio.Event) -> None:
        """A condition met once `event` is set."""
        self._checks[name] = event.is_set

    def conditions(self) -> dict[str, bool]:
        if self._stopping:
            return {"running": False}
        return {name: bool(check()) for name, check in self._checks.items()}

    @property
    def ready(self) -> bool:
        return not self._stopping and all(check() for check in self._checks.values())

    async def wait(self, interval_s: float = 0.2) -> None:
        """Return once every condition is met (checked every `interval_s`: they are callables)."""
        while not self.ready:  # noqa: ASYNC110  # conditions are checks, not events
            await asyncio.sleep(interval_s)

    def report(self) -> dict[str, object]:
        conditions = self.conditions()
        return {"ready": all(conditions.values()), "conditions": conditions}
