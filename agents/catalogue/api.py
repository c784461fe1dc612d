"""The cataloguing API a connector uses: Egeria's Lineage Integrator context operations.

    catalogue = LineageCatalogue(send, reader)          # the context gives connectors one
    async with catalogue.batch() as w:                  # one send for many operations
        job = w.create_process("scheduler", "load_orders", ProcessProperties(description="..."))
        orders = w.create_data_asset("postgres://db:5432", "shop.public.orders", type_name="TableDataSet")
        w.setup_data_flow(orders, job)
    port = await catalogue.create_port(job, "scheduler", "load_orders.in", PortProperties(...))

Every operation takes the third party's own identifiers and returns (or takes) `EntityRef`s,
whose guids follow from those identifiers: a repeat changes nothing, and everything about
one element goes to the catalogue under its guid, so it is applied in order. A batch's
operations are stamped with one time: the `time_ms` given (the time the third party says
it happened, so that a late report of an old fact does not overwrite a newer one) or now.

`send(contributions)` hands contributions to the catalogue (the service's catalogue topic,
keyed by guid), which merges them per guid and shares what changed with the cohort, this
server as home. The `find` and `get` operations read `reader`, the read model built from
the cohort's instance events (`read_model.KeyValueCatalogue`): they see what has been
shared, a moment after it is sent.

Operations name Egeria 5's types (`TableDataSet`, `KafkaTopic`...); the catalogue's `layout`
(the cohort's Egeria release, `layout.Layout`) decides what is written: the same names in
Egeria 5, Egeria 6's types and properties in Egeria 6 (the `EntityRef`s returned carry the
type as written).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from agents.catalogue.contribution import Contribution, EntityRef
from agents.catalogue.elements import (
    ContainmentType,
    ControlFlowProperties,
    DataAssetProperties,
    DataFlowProperties,
    DeleteMethod,
    LineageMappingProperties,
    PortProperties,
    ProcessCallProperties,
    ProcessProperties,
    SchemaAttributeProperties,
    SchemaTypeProperties,
)
from agents.catalogue.layout import EGERIA_5, Layout
from agents.catalogue.read_model import (
    CatalogueReader,
    ElementSummary,
    KeyValueCatalogue,
    RelationshipSummary,
)
from agents.catalogue.writer import COLUMN_TYPE, DATA_ASSET_TYPE, PROCESS_TYPE, SCHEMA_TYPE, CatalogueWriter
from schemas.omrs import now_ms

Send = Callable[[list[Contribution]], Awaitable[None]]
"""Hands contributions to the catalogue; returns once they are stored (durably, in order)."""


class CatalogueNotReadable(RuntimeError):
    """A find or get operation on a catalogue given no read model."""


class LineageCatalogue:
    """Catalogue lineage as open metadata: processes, ports, data assets, schemas and flows."""

    def __init__(
        self,
        send: Send,
        reader: CatalogueReader | None = None,
        clock: Callable[[], int] = now_ms,
        layout: Layout | Callable[[], Layout] = EGERIA_5,
    ) -> None:
        self._send = send
        self.reader = reader
        self._clock = clock
        self._layout = layout

    @property
    def layout(self) -> Layout:
        """The Egeria release whose types this catalogue writes (asked again for each batch:
        the cohort's release may become known)."""
        return self._layout if isinstance(self._layout, Layout) else self._layout()

    def writer(self, time_ms: int | None = None, layout: Layout | None = None) -> CatalogueWriter:
        """A writer for a batch stamped `time_ms` (now when None), writing `layout`'s types
        (the catalogue's when None); send it with `send`."""
        stamp = self._clock() if time_ms is None else time_ms
        return CatalogueWriter(stamp, self.reader, layout or self.layout)

    async def send(self, writer: CatalogueWriter) -> None:
        contributions = writer.contributions()
        if contributions:
            await self._send(contributions)

    @asynccontextmanager
    async def batch(
        self, time_ms: int | None = None, layout: Layout | None = None
    ) -> AsyncIterator[CatalogueWriter]:
        """Operations in the block go in one send when it ends (nothing is sent if it raises)."""
        writer = self.writer(time_ms, layout)
        yield writer
        await self.send(writer)

    async def _one(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        writer = self.writer(kwargs.pop("time_ms", None))
        result = operation(writer, *args, **kwargs)
        await self.send(writer)
        return result

    # ------------------------------------------------------------------ processes

    async def create_process(
        self,
        source: str,
        identifier: str,
        properties: ProcessProperties | None = None,
        *,
        type_name: str = PROCESS_TYPE,
        time_ms: int | None = None,
    ) -> EntityRef:
        ref: EntityRef = await self._one(
            CatalogueWriter.create_process,
            source,
            identifier,
            properties,
            type_name=type_name,
            time_ms=time_ms,
        )
        return ref

    async def update_process(
        self, process: EntityRef, properties: ProcessProperties, *, replace: bool = False
    ) -> None:
        await self._one(CatalogueWriter.update_process, process, properties, replace=replace)

    async def remove_process(
        self, process: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE
    ) -> None:
        await self._one(CatalogueWriter.remove_process, process, method)

    async def setup_process_parent(
        self, parent: EntityRef, child: EntityRef, containment: ContainmentType = ContainmentType.OWNED
    ) -> None:
        await self._one(CatalogueWriter.setup_process_parent, parent, child, containment)

    async def clear_process_parent(self, parent: EntityRef, child: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_process_parent, parent, child)

    def find_processes(self, search: str, limit: int = 100) -> list[ElementSummary]:
        return self._index().find(search, "Process", limit)

    def get_process_parent(self, process: EntityRef) -> list[EntityRef]:
        return self._index().related(process.guid, "ProcessHierarchy", at_end=1)

    def get_sub_processes(self, process: EntityRef) -> list[EntityRef]:
        return self._index().related(process.guid, "ProcessHierarchy", at_end=2)

    # ------------------------------------------------------------------ ports

    async def create_port(
        self,
        process: EntityRef,
        source: str,
        identifier: str,
        properties: PortProperties | None = None,
        *,
        alias: bool = False,
        time_ms: int | None = None,
    ) -> EntityRef:
        ref: EntityRef = await self._one(
            CatalogueWriter.create_port, process, source, identifier, properties, alias=alias, time_ms=time_ms
        )
        return ref

    async def update_port(
        self, port: EntityRef, properties: PortProperties, *, replace: bool = False
    ) -> None:
        await self._one(CatalogueWriter.update_port, port, properties, replace=replace)

    async def remove_port(self, port: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE) -> None:
        await self._one(CatalogueWriter.remove_port, port, method)

    async def setup_process_port(self, process: EntityRef, port: EntityRef) -> None:
        await self._one(CatalogueWriter.setup_process_port, process, port)

    async def clear_process_port(self, process: EntityRef, port: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_process_port, process, port)

    async def setup_port_delegation(self, alias: EntityRef, implementation: EntityRef) -> None:
        await self._one(CatalogueWriter.setup_port_delegation, alias, implementation)

    async def clear_port_delegation(self, alias: EntityRef, implementation: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_port_delegation, alias, implementation)

    async def setup_port_schema_type(self, port: EntityRef, schema_type: EntityRef) -> None:
        """PortSchema (nothing in Egeria 6, see `CatalogueWriter.setup_port_schema_type`)."""
        await self._one(CatalogueWriter.setup_port_schema_type, port, schema_type)

    async def clear_port_schema_type(self, port: EntityRef, schema_type: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_port_schema_type, port, schema_type)

    def find_ports(self, search: str, limit: int = 100) -> list[ElementSummary]:
        return self._index().find(search, "Port", limit)

    def get_ports_for_process(self, process: EntityRef) -> list[EntityRef]:
        return self._index().related(process.guid, "ProcessPort", at_end=2)

    def get_port_delegation(self, alias: EntityRef) -> list[EntityRef]:
        """The port an alias delegates to."""
        return self._index().related(alias.guid, "PortDelegation", at_end=2)

    def get_port_use(self, port: EntityRef) -> list[EntityRef]:
        """The aliases that delegate to a port."""
        return self._index().related(port.guid, "PortDelegation", at_end=1)

    # ------------------------------------------------------------------ data assets

    async def create_data_asset(
        self,
        source: str,
        identifier: str,
        properties: DataAssetProperties | None = None,
        *,
        type_name: str = DATA_ASSET_TYPE,
        time_ms: int | None = None,
    ) -> EntityRef:
        ref: EntityRef = await self._one(
            CatalogueWriter.create_data_asset,
            source,
            identifier,
            properties,
            type_name=type_name,
            time_ms=time_ms,
        )
        return ref

    async def update_data_asset(
        self, asset: EntityRef, properties: DataAssetProperties, *, replace: bool = False
    ) -> None:
        await self._one(CatalogueWriter.update_data_asset, asset, properties, replace=replace)

    async def remove_data_asset(
        self, asset: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE
    ) -> None:
        await self._one(CatalogueWriter.remove_data_asset, asset, method)

    def find_data_assets(self, search: str, limit: int = 100) -> list[ElementSummary]:
        return [e for e in self._index().find(search, "Asset", limit) if not _is_process(e)]

    # ------------------------------------------------------------------ schemas

    async def create_schema_type(
        self,
        source: str,
        identifier: str,
        properties: SchemaTypeProperties | None = None,
        *,
        type_name: str = SCHEMA_TYPE,
        asset: EntityRef | None = None,
        time_ms: int | None = None,
    ) -> EntityRef:
        ref: EntityRef = await self._one(
            CatalogueWriter.create_schema_type,
            source,
            identifier,
            properties,
            type_name=type_name,
            asset=asset,
            time_ms=time_ms,
        )
        return ref

    async def update_schema_type(
        self, schema_type: EntityRef, properties: SchemaTypeProperties, *, replace: bool = False
    ) -> None:
        await self._one(CatalogueWriter.update_schema_type, schema_type, properties, replace=replace)

    async def setup_schema_type_parent(self, asset: EntityRef, schema_type: EntityRef) -> None:
        await self._one(CatalogueWriter.setup_schema_type_parent, asset, schema_type)

    async def clear_schema_type_parent(self, asset: EntityRef, schema_type: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_schema_type_parent, asset, schema_type)

    async def remove_schema_type(
        self, schema_type: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE
    ) -> None:
        await self._one(CatalogueWriter.remove_schema_type, schema_type, method)

    async def create_schema_attribute(
        self,
        parent: EntityRef,
        source: str,
        identifier: str,
        properties: SchemaAttributeProperties | None = None,
        *,
        type_name: str = COLUMN_TYPE,
        time_ms: int | None = None,
    ) -> EntityRef:
        ref: EntityRef = await self._one(
            CatalogueWriter.create_schema_attribute,
            parent,
            source,
            identifier,
            properties,
            type_name=type_name,
            time_ms=time_ms,
        )
        return ref

    async def update_schema_attribute(
        self, attribute: EntityRef, properties: SchemaAttributeProperties, *, replace: bool = False
    ) -> None:
        await self._one(CatalogueWriter.update_schema_attribute, attribute, properties, replace=replace)

    async def remove_schema_attribute(
        self, attribute: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE
    ) -> None:
        await self._one(CatalogueWriter.remove_schema_attribute, attribute, method)

    def find_schema_attributes(self, search: str, limit: int = 100) -> list[ElementSummary]:
        return self._index().find(search, "SchemaAttribute", limit)

    # ------------------------------------------------------------------ lineage relationships

    async def setup_data_flow(
        self, supplier: EntityRef, consumer: EntityRef, properties: DataFlowProperties | None = None
    ) -> None:
        await self._one(CatalogueWriter.setup_data_flow, supplier, consumer, properties)

    async def clear_data_flow(self, supplier: EntityRef, consumer: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_data_flow, supplier, consumer)

    def get_data_flow_consumers(self, supplier: EntityRef) -> list[EntityRef]:
        return self._index().related(supplier.guid, "DataFlow", at_end=2)

    def get_data_flow_suppliers(self, consumer: EntityRef) -> list[EntityRef]:
        return self._index().related(consumer.guid, "DataFlow", at_end=1)

    async def setup_control_flow(
        self, current: EntityRef, next_step: EntityRef, properties: ControlFlowProperties | None = None
    ) -> None:
        await self._one(CatalogueWriter.setup_control_flow, current, next_step, properties)

    async def clear_control_flow(self, current: EntityRef, next_step: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_control_flow, current, next_step)

    def get_control_flow_next_steps(self, current: EntityRef) -> list[EntityRef]:
        return self._index().related(current.guid, "ControlFlow", at_end=2)

    def get_control_flow_previous_steps(self, current: EntityRef) -> list[EntityRef]:
        return self._index().related(current.guid, "ControlFlow", at_end=1)

    async def setup_process_call(
        self, caller: EntityRef, called: EntityRef, properties: ProcessCallProperties | None = None
    ) -> None:
        await self._one(CatalogueWriter.setup_process_call, caller, called, properties)

    async def clear_process_call(self, caller: EntityRef, called: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_process_call, caller, called)

    def get_process_called(self, caller: EntityRef) -> list[EntityRef]:
        return self._index().related(caller.guid, "ProcessCall", at_end=2)

    def get_process_callers(self, called: EntityRef) -> list[EntityRef]:
        return self._index().related(called.guid, "ProcessCall", at_end=1)

    async def setup_lineage_mapping(
        self, source: EntityRef, destination: EntityRef, properties: LineageMappingProperties | None = None
    ) -> None:
        await self._one(CatalogueWriter.setup_lineage_mapping, source, destination, properties)

    async def clear_lineage_mapping(self, source: EntityRef, destination: EntityRef) -> None:
        await self._one(CatalogueWriter.clear_lineage_mapping, source, destination)

    def get_destination_lineage_mappings(self, source: EntityRef) -> list[EntityRef]:
        return self._index().related(source.guid, "LineageMapping", at_end=2)

    def get_source_lineage_mappings(self, destination: EntityRef) -> list[EntityRef]:
        return self._index().related(destination.guid, "LineageMapping", at_end=1)

    # ------------------------------------------------------------------ reads

    def get_element(self, guid: str) -> ElementSummary | None:
        return self._index().element(guid)

    def get_relationships(
        self, element: EntityRef, type_name: str | None = None
    ) -> list[RelationshipSummary]:
        return self._index().relationships(element.guid, type_name)

    def _index(self) -> KeyValueCatalogue:
        if not isinstance(self.reader, KeyValueCatalogue):
            raise CatalogueNotReadable("this catalogue has no read model to find elements in")
        return self.reader


def _is_process(element: ElementSummary) -> bool:
    from schemas import open_metadata_types

    return open_metadata_types.is_kind_of(element.type_name, (), frozenset({"Process"}))
