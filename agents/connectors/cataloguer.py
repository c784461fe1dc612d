"""The cataloguer connector: OpenLineage in, open metadata out (Egeria's OpenLineage cataloguer).

Every OpenLineage event (any event type, in any order: START, RUNNING, COMPLETE, FAIL,
ABORT, OTHER, job and dataset events) is mapped to the instances it describes
(`agents.catalogue.mapping`) and sent, per instance guid, to the catalogue
(`agents.catalogue.catalogue`), which shares what changed with the cohort. Lineage therefore
exists from a job's first event: a streaming job that never completes, a run that fails or
is aborted, or a COMPLETE that overtakes its START all give the same catalogue as the
tidy case, and a duplicate or replayed event changes nothing.

A dataset named by one of its aliases (a symlink seen earlier) is catalogued under the
name it was first catalogued as, as this server's lineage graph knows it.
"""

from __future__ import annotations

from typing import ClassVar

from agents.catalogue.mapping import map_event
from agents.connectors.base import Connector, FailurePolicy, NoSettings
from agents.connectors.context import ConnectorContext
from schemas.openlineage import OpenLineageEvent


class CataloguerConnector(Connector[NoSettings]):
    """Catalogues jobs, datasets, schemas and their lineage as open metadata in the cohort."""

    description: ClassVar[str] = (
        "Catalogues OpenLineage jobs, datasets, schemas and lineage (DataFlow, LineageMapping, "
        "ProcessHierarchy) as open metadata shared with the cohort"
    )
    failure_policy: ClassVar[FailurePolicy] = FailurePolicy(retries=5, backoff_s=0.5, backoff_max_s=10.0)

    def __init__(self, context: ConnectorContext) -> None:
        super().__init__(context)
        cataloguing = context.services.cataloguing
        if cataloguing is None:
            raise RuntimeError("the cataloguer needs the catalogue, which this worker does not run")
        self.cataloguing = cataloguing

    async def start(self) -> None:
        self.context.register_openlineage_listener(self.on_event)

    async def on_event(self, event: OpenLineageEvent, raw: bytes) -> None:
        await self.cataloguing.send(map_event(event, resolve_alias=self.cataloguing.resolve_alias))
