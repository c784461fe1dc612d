"""The cataloguer connector: OpenLineage in, open metadata out (Egeria's OpenLineage cataloguer).

Every OpenLineage event (any event type, in any order: START, RUNNING, COMPLETE, FAIL,
ABORT, OTHER, job and dataset events) is written with the cataloguing API
(`ConnectorContext.catalogue`, the operations any connector uses) by the rules of
`agents.catalogue.mapping`, and handed, per instance guid, to the catalogue
(`agents.catalogue.catalogue`), which shares what changed with the cohort. Lineage therefore
exists from a job's first event: a streaming job that never completes, a run that fails or
is aborted, or a COMPLETE that overtakes its START all give the same catalogue as the tidy
case, and a duplicate or replayed event changes nothing.

The read model it resolves dataset aliases and cascades removals through is this replica's
catalogue read model (`agents.catalogue.read_model`): what every member, this server
included, shared on the cohort topics.

Settings: `catalog_runs` (a TransientEmbeddedProcess per run, off by default as in Egeria),
`catalog_schemas` (schemas and columns from the schema facet, on), `ports` (a port per
input and output, on), `drop_method` (what a DROP does: SOFT_DELETE, PURGE or ARCHIVE),
`types` (whose types it writes: "5" Egeria 5.2's, "6" Egeria 6.0's, "auto" the release the
cohorts' members announced, Egeria 5's until one did; `agents.catalogue.layout`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from agents.catalogue.elements import DeleteMethod
from agents.catalogue.layout import Layout, TypesSetting, layout_for
from agents.catalogue.mapping import CataloguerOptions, catalogue_event, event_time
from agents.connectors.base import Connector, FailurePolicy
from agents.connectors.context import ConnectorContext
from schemas.openlineage import OpenLineageEvent


class CataloguerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    catalog_runs: bool = False
    catalog_schemas: bool = True
    ports: bool = True
    drop_method: DeleteMethod = DeleteMethod.SOFT_DELETE
    types: TypesSetting = "auto"

    def options(self) -> CataloguerOptions:
        return CataloguerOptions(
            catalog_runs=self.catalog_runs,
            catalog_schemas=self.catalog_schemas,
            ports=self.ports,
            drop_method=self.drop_method,
        )


class CataloguerConnector(Connector[CataloguerSettings]):
    """Catalogues jobs, datasets, schemas and their lineage as open metadata in the cohort."""

    settings_model = CataloguerSettings
    description: ClassVar[str] = (
        "Catalogues OpenLineage jobs, ports, datasets, schemas and lineage (DataFlow, ControlFlow, "
        "LineageMapping, ProcessHierarchy) as open metadata shared with the cohort"
    )
    failure_policy: ClassVar[FailurePolicy] = FailurePolicy(retries=5, backoff_s=0.5, backoff_max_s=10.0)

    def __init__(self, context: ConnectorContext) -> None:
        super().__init__(context)
        self.api = context.catalogue
        self.options = self.settings.options()

    async def start(self) -> None:
        self.context.register_openlineage_listener(self.on_event)

    def layout(self) -> Layout:
        """The Egeria release whose types this event is written with."""
        return layout_for(self.settings.types, self.context.cohort_release())

    async def on_event(self, event: OpenLineageEvent, raw: bytes) -> None:
        async with self.api.batch(event_time(event), self.layout()) as writer:
            catalogue_event(writer, event, self.options)
