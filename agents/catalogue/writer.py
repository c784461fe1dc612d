"""PURE: the cataloguing operations of Egeria's Lineage Integrator context, as contributions.

`CatalogueWriter` collects what a batch of operations says, all stamped with one time (the
time the third party says it happened, or now): create / update / remove processes, ports,
data assets, schema types and attributes, and set up / clear the relationships between
them (ProcessHierarchy, ProcessPort, PortDelegation, PortSchema, AssetSchemaType,
AttributeForSchema / NestedSchemaAttribute, DataFlow, ControlFlow, ProcessCall,
LineageMapping). It does no I/O: `api.LineageCatalogue` sends what it collects.

The operations are named and typed after Egeria 5's types; the writer's `layout`
(`layout.Layout`) writes them with the types of the cohort's Egeria release (Egeria 6:
`TabularDataSet`, `Schema`, an asset's name in `displayName` / `resourceName`...), so every
value it collects is one that release's type defines.

Every element is named by the third party's own identifiers, a source (what OpenLineage
calls a namespace) and an id within it: its qualified name is `{type}::{source}::{id}`, the
type as its release names it, and its guid the uuid5 of that, so a repeat names the same
instance and changes nothing.
Operations on one element in one batch merge into one contribution for its guid.

Removals cascade as Egeria's anchors do, as far as the read model (`reader`) knows the
element's relationships: an element's relationships go with it, and so do the elements it
anchors (an asset's schema type, a schema's attributes, a process's ports and runs, the
aliases delegating to a port). Only what this catalogue minted is removed (its guids are
derived from names; another member's instances are never touched).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agents.catalogue.contribution import (
    ACTIVE,
    DELETED,
    ENTITY,
    NAME_KEY,
    NS_KEY,
    PURGED,
    RELATIONSHIP,
    STATUS,
    A,
    C,
    Contribution,
    EntityRef,
    P,
    clean_text,
    clean_value,
    entity_guid,
    qualified_name,
    relationship_guid,
)
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
from agents.catalogue.layout import EGERIA_5, PARENT_LINKS, Layout
from agents.catalogue.read_model import CatalogueReader, RelationshipSummary
from schemas import open_metadata_types

PROCESS_TYPE = "DeployedSoftwareComponent"
DATA_ASSET_TYPE = "DataSet"
SCHEMA_TYPE = "TabularSchemaType"
COLUMN_TYPE = "TabularColumn"
PORT_IMPLEMENTATION, PORT_ALIAS = "PortImplementation", "PortAlias"

_ANCHORED_BY_END1 = frozenset(
    {"AssetSchemaType", "Schema", "AttributeForSchema", "NestedSchemaAttribute", "ProcessPort"}
)
"""Relationship types whose end 1 anchors end 2: removing end 1 removes end 2 (an asset its
schema type - `AssetSchemaType`, Egeria 6's `Schema` -, a schema its attributes, a process its
ports). A port does not own the schema its PortSchema names."""


def _kind_of(type_name: str, wanted: str) -> bool:
    return open_metadata_types.is_kind_of(type_name, (), frozenset({wanted}))


class CatalogueWriter:
    """Collects the contributions of one batch of cataloguing operations."""

    def __init__(
        self, time_ms: int, reader: CatalogueReader | None = None, layout: Layout = EGERIA_5
    ) -> None:
        self.time = int(time_ms)
        self.reader = reader
        self.layout = layout
        self._items: dict[str, Contribution] = {}

    # ------------------------------------------------------------------ output

    def contributions(self) -> list[Contribution]:
        """Everything collected, entities before relationships, each guid once."""
        items = list(self._items.values())
        return [c for c in items if c.kind == ENTITY] + [c for c in items if c.kind == RELATIONSHIP]

    def __len__(self) -> int:
        return len(self._items)

    # ------------------------------------------------------------------ building blocks

    def _put(
        self,
        kind: str,
        guid: str,
        type_name: str,
        values: Mapping[str, Any],
        end1: EntityRef | None = None,
        end2: EntityRef | None = None,
    ) -> None:
        found = self._items.get(guid)
        if found is None:
            self._items[guid] = Contribution(kind, guid, type_name, self.time, dict(values), end1, end2)
            return
        found.values.update(values)
        if found.end1 is None and end1 is not None:
            found.end1, found.end2 = end1, end2

    def ref(self, type_name: str, source: str, identifier: str) -> EntityRef:
        """The element a type and the third party's (source, id) name, without saying anything of it."""
        wire = self.layout.entity_type(type_name)
        qualified = qualified_name(wire, clean_text(source), clean_text(identifier))
        return EntityRef(entity_guid(qualified), wire, qualified)

    def entity(
        self, type_name: str, source: str, identifier: str, values: Mapping[str, Any] | None = None
    ) -> EntityRef:
        """Create (or say again) an entity of any type: its identity, status ACTIVE and `values`."""
        ref = self.ref(type_name, source, identifier)
        identity = {
            f"{P}qualifiedName": ref.qualified_name,
            **self.layout.entity_values(type_name, clean_text(source)),
            f"{A}{NS_KEY}": clean_text(source),
            f"{A}{NAME_KEY}": clean_text(identifier),
            STATUS: ACTIVE,
        }
        said = self.layout.values(ref.type_name, {**identity, **clean_value(dict(values or {}))})
        self._put(ENTITY, ref.guid, ref.type_name, said)
        return ref

    def update(self, element: EntityRef, values: Mapping[str, Any]) -> None:
        """Set values of an element (it is not created if nothing else ever did)."""
        said = self.layout.values(element.type_name, clean_value(dict(values)))
        self._put(ENTITY, element.guid, element.type_name, said)

    def relationship(
        self, type_name: str, end1: EntityRef, end2: EntityRef, values: Mapping[str, Any] | None = None
    ) -> str | None:
        """Set up a relationship (status ACTIVE); returns its guid, None when the layout's
        release has no such relationship (Egeria 6 and `PortSchema`)."""
        wire = self.layout.relationship_type(type_name)
        if wire is None:
            return None
        guid = relationship_guid(wire, end1.guid, end2.guid)
        said = self.layout.values(wire, {STATUS: ACTIVE, **clean_value(dict(values or {}))})
        self._put(RELATIONSHIP, guid, wire, said, end1, end2)
        return guid

    def _link(
        self, type_name: str, end1: EntityRef, end2: EntityRef, values: Mapping[str, Any] | None = None
    ) -> str:
        """A relationship every release defines (DataFlow, ProcessPort...); its guid."""
        guid = self.relationship(type_name, end1, end2, values)
        if guid is None:
            raise ValueError(f"Egeria {self.layout.release} has no relationship type {type_name}")
        return guid

    def clear_relationship(
        self,
        type_name: str,
        end1: EntityRef,
        end2: EntityRef,
        method: DeleteMethod = DeleteMethod.SOFT_DELETE,
    ) -> None:
        """Remove the relationship of a type between two elements."""
        wire = self.layout.relationship_type(type_name)
        if wire is None:
            return
        guid = relationship_guid(wire, end1.guid, end2.guid)
        self._put(RELATIONSHIP, guid, wire, {STATUS: _status(method)}, end1, end2)

    # ------------------------------------------------------------------ processes

    def create_process(
        self,
        source: str,
        identifier: str,
        properties: ProcessProperties | None = None,
        *,
        type_name: str = PROCESS_TYPE,
    ) -> EntityRef:
        """A process (`DeployedSoftwareComponent` unless another Process subtype is named)."""
        values = (properties or ProcessProperties()).values()
        values.setdefault(f"{P}name", clean_text(identifier))
        return self.entity(type_name, source, identifier, values)

    def update_process(
        self, process: EntityRef, properties: ProcessProperties, *, replace: bool = False
    ) -> None:
        self.update(process, properties.values(replace))

    def remove_process(self, process: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE) -> None:
        self.remove(process, method)

    def setup_process_parent(
        self, parent: EntityRef, child: EntityRef, containment: ContainmentType = ContainmentType.OWNED
    ) -> str:
        """ProcessHierarchy parent -> child (a process is never its own parent)."""
        if parent.guid == child.guid:
            raise ValueError(f"a process cannot be its own parent: {parent.qualified_name}")
        return self._link("ProcessHierarchy", parent, child, {f"{P}containmentType": containment.value})

    def clear_process_parent(self, parent: EntityRef, child: EntityRef) -> None:
        self.clear_relationship("ProcessHierarchy", parent, child)

    # ------------------------------------------------------------------ ports

    def create_port(
        self,
        process: EntityRef,
        source: str,
        identifier: str,
        properties: PortProperties | None = None,
        *,
        alias: bool = False,
    ) -> EntityRef:
        """A port of a process (`PortImplementation`, or `PortAlias` on a composed process)
        and the ProcessPort linking them."""
        values = (properties or PortProperties()).values()
        values.setdefault(f"{P}displayName", clean_text(identifier))
        port = self.entity(PORT_ALIAS if alias else PORT_IMPLEMENTATION, source, identifier, values)
        self.setup_process_port(process, port)
        return port

    def update_port(self, port: EntityRef, properties: PortProperties, *, replace: bool = False) -> None:
        self.update(port, properties.values(replace))

    def remove_port(self, port: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE) -> None:
        self.remove(port, method)

    def setup_process_port(self, process: EntityRef, port: EntityRef) -> str:
        return self._link("ProcessPort", process, port)

    def clear_process_port(self, process: EntityRef, port: EntityRef) -> None:
        self.clear_relationship("ProcessPort", process, port)

    def setup_port_delegation(self, alias: EntityRef, implementation: EntityRef) -> str:
        """PortDelegation: the composed process's port delegates to the implementing one."""
        return self._link("PortDelegation", alias, implementation)

    def clear_port_delegation(self, alias: EntityRef, implementation: EntityRef) -> None:
        self.clear_relationship("PortDelegation", alias, implementation)

    def setup_port_schema_type(self, port: EntityRef, schema_type: EntityRef) -> str | None:
        """PortSchema: the structure of the data passing through the port. Egeria 6 has no
        PortSchema, and its `Schema` lets one element describe a schema type (the asset):
        nothing is written there (None)."""
        return self.relationship("PortSchema", port, schema_type)

    def clear_port_schema_type(self, port: EntityRef, schema_type: EntityRef) -> None:
        self.clear_relationship("PortSchema", port, schema_type)

    # ------------------------------------------------------------------ data assets

    def create_data_asset(
        self,
        source: str,
        identifier: str,
        properties: DataAssetProperties | None = None,
        *,
        type_name: str = DATA_ASSET_TYPE,
    ) -> EntityRef:
        """A data asset: a DataSet or DataStore subtype fitting the technology
        (`TableDataSet`, `KafkaTopic`, `DataFile`, `FileFolder`, ...)."""
        values = (properties or DataAssetProperties()).values()
        values.setdefault(f"{P}name", clean_text(identifier))
        return self.entity(type_name, source, identifier, values)

    def update_data_asset(
        self, asset: EntityRef, properties: DataAssetProperties, *, replace: bool = False
    ) -> None:
        self.update(asset, properties.values(replace))

    def remove_data_asset(
        self,
        asset: EntityRef,
        method: DeleteMethod = DeleteMethod.SOFT_DELETE,
        *,
        archive_properties: Mapping[str, str] | None = None,
    ) -> None:
        self.remove(asset, method, archive_properties=archive_properties)

    def set_ownership(self, element: EntityRef, owner: str | None) -> None:
        """The `Ownership` classification (None removes it)."""
        value = {"owner": owner, "ownerPropertyName": "name"} if owner else None
        self.update(element, {f"{C}Ownership": value})

    # ------------------------------------------------------------------ schemas

    def create_schema_type(
        self,
        source: str,
        identifier: str,
        properties: SchemaTypeProperties | None = None,
        *,
        type_name: str = SCHEMA_TYPE,
        asset: EntityRef | None = None,
    ) -> EntityRef:
        """A schema type; with `asset`, linked to it (AssetSchemaType)."""
        values = (properties or SchemaTypeProperties()).values()
        values.setdefault(f"{P}displayName", clean_text(identifier))
        schema = self.entity(type_name, source, identifier, values)
        if asset is not None:
            self.setup_schema_type_parent(asset, schema)
        return schema

    def update_schema_type(
        self, schema_type: EntityRef, properties: SchemaTypeProperties, *, replace: bool = False
    ) -> None:
        self.update(schema_type, properties.values(replace))

    def remove_schema_type(
        self, schema_type: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE
    ) -> None:
        self.remove(schema_type, method)

    def setup_schema_type_parent(self, asset: EntityRef, schema_type: EntityRef) -> str:
        """AssetSchemaType (Egeria 6: `Schema`): the asset's schema type."""
        return self._link("AssetSchemaType", asset, schema_type)

    def clear_schema_type_parent(self, asset: EntityRef, schema_type: EntityRef) -> None:
        self.clear_relationship("AssetSchemaType", asset, schema_type)

    def create_schema_attribute(
        self,
        parent: EntityRef,
        source: str,
        identifier: str,
        properties: SchemaAttributeProperties | None = None,
        *,
        type_name: str = COLUMN_TYPE,
    ) -> EntityRef:
        """A schema attribute of a schema type (AttributeForSchema) or nested in another
        attribute (NestedSchemaAttribute)."""
        values = (properties or SchemaAttributeProperties()).values()
        values.setdefault(f"{P}displayName", clean_text(identifier))
        link_values = self._position_to_link(values)
        attribute = self.entity(type_name, source, identifier, values)
        link = PARENT_LINKS[0] if _kind_of(parent.type_name, "SchemaType") else PARENT_LINKS[1]
        self._link(link, parent, attribute, link_values)
        return attribute

    def update_schema_attribute(
        self, attribute: EntityRef, properties: SchemaAttributeProperties, *, replace: bool = False
    ) -> None:
        """Set an attribute's properties; where its release puts the position on the
        relationship from the parent, that relationship (as the read model knows it) gets it."""
        values = properties.values(replace)
        link_values = self._position_to_link(values)
        if link_values and self.reader is not None:
            for rel in self.reader.relationships(attribute.guid):
                if rel.type_name in PARENT_LINKS and rel.end2.guid == attribute.guid and _minted(rel):
                    said = self.layout.values(rel.type_name, link_values)
                    self._put(RELATIONSHIP, rel.guid, rel.type_name, said, rel.end1, rel.end2)
        self.update(attribute, values)

    def _position_to_link(self, values: dict[str, Any]) -> dict[str, Any]:
        """Take the position out of an attribute's values where the layout's release defines
        it on the relationship from the parent; the values that relationship gets."""
        key = f"{P}position"
        if not self.layout.position_on_link or key not in values:
            return {}
        return {key: values.pop(key)}

    def remove_schema_attribute(
        self, attribute: EntityRef, method: DeleteMethod = DeleteMethod.SOFT_DELETE
    ) -> None:
        self.remove(attribute, method)

    # ------------------------------------------------------------------ lineage relationships

    def setup_data_flow(
        self, supplier: EntityRef, consumer: EntityRef, properties: DataFlowProperties | None = None
    ) -> str:
        return self._link("DataFlow", supplier, consumer, (properties or DataFlowProperties()).values())

    def clear_data_flow(self, supplier: EntityRef, consumer: EntityRef) -> None:
        self.clear_relationship("DataFlow", supplier, consumer)

    def setup_control_flow(
        self, current: EntityRef, next_step: EntityRef, properties: ControlFlowProperties | None = None
    ) -> str:
        values = (properties or ControlFlowProperties()).values()
        return self._link("ControlFlow", current, next_step, values)

    def clear_control_flow(self, current: EntityRef, next_step: EntityRef) -> None:
        self.clear_relationship("ControlFlow", current, next_step)

    def setup_process_call(
        self, caller: EntityRef, called: EntityRef, properties: ProcessCallProperties | None = None
    ) -> str:
        return self._link("ProcessCall", caller, called, (properties or ProcessCallProperties()).values())

    def clear_process_call(self, caller: EntityRef, called: EntityRef) -> None:
        self.clear_relationship("ProcessCall", caller, called)

    def setup_lineage_mapping(
        self, source: EntityRef, destination: EntityRef, properties: LineageMappingProperties | None = None
    ) -> str:
        values = (properties or LineageMappingProperties()).values()
        return self._link("LineageMapping", source, destination, values)

    def clear_lineage_mapping(self, source: EntityRef, destination: EntityRef) -> None:
        self.clear_relationship("LineageMapping", source, destination)

    # ------------------------------------------------------------------ removal

    def remove(
        self,
        element: EntityRef,
        method: DeleteMethod = DeleteMethod.SOFT_DELETE,
        *,
        archive_properties: Mapping[str, str] | None = None,
    ) -> None:
        """Remove an element: archive it (a `Memento` classification, nothing else changes)
        or delete / purge it with its relationships and what it anchors."""
        if method is DeleteMethod.ARCHIVE:
            memento = {"archiveProcess": "lineage-integrator cataloguer"}
            if archive_properties:
                memento["archiveProperties"] = dict(archive_properties)  # type: ignore[assignment]
            self.update(element, {f"{C}Memento": memento})
            return
        self._remove(element, _status(method), set())

    def _remove(self, element: EntityRef, status: str, seen: set[str]) -> None:
        if element.guid in seen:
            return
        seen.add(element.guid)
        self._put(ENTITY, element.guid, element.type_name, {STATUS: status})
        if self.reader is None:
            return
        for rel in self.reader.relationships(element.guid):
            if not _minted(rel):
                continue
            self._put(RELATIONSHIP, rel.guid, rel.type_name, {STATUS: status}, rel.end1, rel.end2)
            anchored = _anchored(element, rel)
            if anchored is not None and entity_guid(anchored.qualified_name) == anchored.guid:
                self._remove(anchored, status, seen)

    def replace_relationships(
        self, element: EntityRef, type_name: str, keep: Iterable[str], *, end: int
    ) -> list[RelationshipSummary]:
        """Soft-delete the relationships of a type with `element` at end `end` (1 or 2) that
        are not in `keep` (a complete snapshot replaced the old ones); returns them."""
        if self.reader is None:
            return []
        kept, cleared = set(keep), []
        for rel in self.reader.relationships(element.guid, type_name):
            here = rel.end1 if end == 1 else rel.end2
            if here.guid == element.guid and rel.guid not in kept and _minted(rel):
                self._put(RELATIONSHIP, rel.guid, rel.type_name, {STATUS: DELETED}, rel.end1, rel.end2)
                cleared.append(rel)
        return cleared


def _status(method: DeleteMethod) -> str:
    if method is DeleteMethod.PURGE:
        return PURGED
    if method is DeleteMethod.SOFT_DELETE:
        return DELETED
    raise ValueError(f"{method} is not a delete")


def _minted(rel: RelationshipSummary) -> bool:
    """Whether this catalogue made the relationship (its guid follows from its type and ends)."""
    return relationship_guid(rel.type_name, rel.end1.guid, rel.end2.guid) == rel.guid


def _anchored(element: EntityRef, rel: RelationshipSummary) -> EntityRef | None:
    """The element `rel` says `element` anchors, if any."""
    if rel.type_name in _ANCHORED_BY_END1 and rel.end1.guid == element.guid:
        return rel.end2
    if (
        rel.type_name == "PortDelegation"
        and rel.end2.guid == element.guid
        and rel.end1.type_name == PORT_ALIAS
    ):
        return rel.end1
    if (
        rel.type_name == "ProcessHierarchy"
        and rel.end1.guid == element.guid
        and _kind_of(rel.end2.type_name, "TransientEmbeddedProcess")
    ):
        return rel.end2
    return None
