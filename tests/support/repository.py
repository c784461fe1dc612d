"""A client of Egeria's repository services REST API on one worker, as Egeria's REST
repository connector calls it (the paths of `app/web/repository.py`'s table, with a user id)."""

from __future__ import annotations

from typing import Any

import requests

from tests.support.workers import WorkerProcess


class Repository:
    """Egeria's repository services REST API of one worker."""

    def __init__(self, worker: WorkerProcess, server: str, headers: dict[str, str] | None = None) -> None:
        self.root = f"{worker.base_url}/servers/{server}/open-metadata/repository-services/users/tests"
        self.http = requests.Session()
        self.http.headers.update(headers or {})

    def call(self, path: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get(self.root + path, timeout=10).json()
        return answer

    def entity(self, guid: str) -> dict[str, Any] | None:
        """The entity this server holds (soft-deleted ones included), None when it holds none."""
        found: dict[str, Any] | None = self.call(f"/instances/entity/{guid}/existence").get("entity")
        return found

    def relationship(self, guid: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.call(f"/instances/relationship/{guid}/existence").get(
            "relationship"
        )
        return found
