"""The cataloguer connector: OpenLineage in, open metadata out (Egeria's OpenLineage cataloguer).

Every OpenLineage event (any event type, in any order: START, RUNNING, COMPLETE, FAIL,
ABORT, OTHER, job and dataset events) is written with the cataloguing API
(`agents.catalogue.api.LineageCatalogue`, the operations any connector uses) by the rules
of `agents.catalogue.mapping`, and handed, per instance guid, to the catalogue agent
(`agents.catalogue.agent`), which publishes what changed to the cohort. Lineage therefore
exists from a job's first event: a streaming job that never completes, a run that fails or
is aborted, or a COMPLETE that overtakes its START all give the same catalogue as the tidy
case, and a duplicate or replayed event changes nothing.

The read model it resolves dataset aliases and cascades removals through is this worker's
lineage graph: what every member, this server included, shared on the cohort topics.

Settings: `catalog_runs` (a TransientEmbeddedProcess per run, off by default as in Egeria),
`catalog_schemas` (schemas and columns from the schema facet, on), `ports` (a port per
input and output, on), `drop_method` (what a DROP does: SOFT_DELETE, PURGE or ARCHIVE).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from agents import lineage_graph
from agents.catalogue import agent as catalogue_agent
from agents.catalogue.api import LineageCatalogue
from agents.catalogue.contribution import EntityRef
from agents.catalogue.elements import DeleteMethod
from agents.catalogue.mapping import CataloguerOptions, catalogue_event, event_time
from agents.catalogue.read_model import ElementSummary, RelationshipSummary
from agents.connectors.base import Connector, FailurePolicy
from agents.connectors.context import ConnectorContext
from agents.lineage_model import LineageGraph
from schemas import open_metadata_types
from schemas.openlineage import OpenLineageEvent


class CataloguerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    catalog_runs: bool = False
    catalog_schemas: bool = True
    ports: bool = True
    drop_method: DeleteMethod = DeleteMethod.SOFT_DELETE

    def options(self) -> CataloguerOptions:
        return CataloguerOptions(
            catalog_runs=self.catalog_runs,
            catalog_schemas=self.catalog_schemas,
            ports=self.ports,
            drop_method=self.drop_method,
        )


class GraphReader:
    """The cataloguing API's read model, answered by a worker's lineage graph."""

    def __init__(self, graph: lineage_graph.LineageGraphService) -> None:
        self.service = graph

    @property
    def graph(self) -> LineageGraph:
        return self.service.graph

    def _ref(self, guid: str) -> EntityRef:
        element = self.graph.elements.get(guid)
        if element is None:
            return EntityRef(guid, "", guid)
        return EntityRef(guid, element.type_name, element.qualified_name)

    def element(self, guid: str) -> ElementSummary | None:
        element = self.graph.elements.get(guid)
        if element is None:
            return None
        return ElementSummary(
            guid=guid,
            type_name=element.type_name,
            qualified_name=element.qualified_name,
            properties=element.props,
            classifications=tuple(sorted(element.classifications)),
            version=element.version,
            home=element.home,
        )

    def relationships(self, guid: str, type_name: str | None = None) -> list[RelationshipSummary]:
        wanted = frozenset({type_name}) if type_name else None
        return [
            RelationshipSummary(
                guid=link.guid,
                type_name=link.type_name,
                end1=self._ref(link.end1),
                end2=self._ref(link.end2),
                properties=link.props,
                version=link.version,
            )
            for link in self.graph.links_of(guid)
            if wanted is None or open_metadata_types.is_kind_of(link.type_name, (), wanted)
        ]

    def resolve_alias(self, namespace: str, name: str) -> tuple[str, str] | None:
        return self.graph.resolve_alias(namespace, name)


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
        # Built with the worker: the catalogue agent and the graph must exist before Faust starts.
        catalogue = catalogue_agent.install(context.service)
        self.api = LineageCatalogue(catalogue.send, GraphReader(lineage_graph.install(context.service)))
        self.options = self.settings.options()

    async def start(self) -> None:
        self.context.register_openlineage_listener(self.on_event)

    async def on_event(self, event: OpenLineageEvent, raw: bytes) -> None:
        async with self.api.batch(event_time(event)) as writer:
            catalogue_event(writer, event, self.options)
