"""Readiness: the named conditions a worker must meet before `GET /ready` answers 200.

Liveness (`/health`) is only "the process runs"; readiness is "it has its partitions and
has done what it must do on start". Other modules add conditions (the cohort registry adds
"registered") so the web layer never needs to know who they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Readiness:
    conditions: dict[str, bool] = field(default_factory=lambda: {"partitions_assigned": False})

    def require(self, name: str) -> None:
        """Add a condition, initially unmet."""
        self.conditions.setdefault(name, False)

    def set(self, name: str, met: bool = True) -> None:
        self.conditions[name] = met

    @property
    def ready(self) -> bool:
        return all(self.conditions.values())

    def report(self) -> dict[str, object]:
        return {"ready": self.ready, "conditions": dict(self.conditions)}
