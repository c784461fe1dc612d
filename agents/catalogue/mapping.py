"""PURE: one OpenLineage event -> the cataloguing operations it implies -> contributions.

The built-in cataloguer's rules, written with the cataloguing API (`writer.CatalogueWriter`,
the same operations a connector uses), after Egeria's OpenLineage cataloguer
(`open-lineage-cataloguing.md`). No I/O, no clock: the same event and read model always give
the same contributions, on every replica and every replay, stamped with the event's time.

- job -> `DeployedSoftwareComponent::{ns}::{name}`: `documentation` its description, `sql`
  its formula (formulaType `SQL[:dialect]`), `sourceCode` its implementation language,
  `ownership` an `Ownership` classification (first owner), `jobType` and
  `sourceCodeLocation` additional properties (`jobType.processingType`, ...).
- `parent` run facet -> processes for the parent and the root job, `ProcessHierarchy`
  (OWNED) root -> parent -> job.
- `jobDependencies` run facet -> a process per upstream / downstream job, `ControlFlow`
  upstream -> job -> downstream (label: dependency type, guard: status trigger rule,
  description: sequence trigger rule, as Egeria).
- dataset -> an asset typed by its namespace (`naming.asset_type`), `{type}::{ns}::{name}`,
  the namespace cleaned of credentials first; `documentation`, `ownership`, `version`,
  `dataSource`, `storage`, `symlinks`, `lifecycleStateChange` set its properties.
- `symlinks`: a dataset naming a TABLE identifier is catalogued under that identifier (the
  smallest, whatever order they come in), so a table seen by its path and by its table name
  is one asset; its other names are aliases (`symlink:{ns}::{name}`) that later events are
  resolved through (the read model), so any name finds it.
- `schema` -> a `TabularSchemaType` (AssetSchemaType) with a `TabularColumn` per field
  (`AttributeForSchema`, nested fields `NestedSchemaAttribute`), the type as a
  `TypeEmbeddedAttribute` classification.
- inputs -> job -> outputs: `DataFlow` input -> process -> output; and a port per input and
  output (`PortImplementation`, INPUT_PORT / OUTPUT_PORT, `ProcessPort`, `PortSchema` to the
  dataset's schema when the event has one); with a parent job, a `PortAlias` on the parent
  delegating to each of them (`PortDelegation`).
- `jobType.emissionPattern.eventContentMode` COMPLETE_SNAPSHOT: the event's inputs and
  outputs replace the job's earlier ones (flows and ports it no longer has are
  soft-deleted); ACCUMULATIVE (or no pattern) adds to them.
- `columnLineage` -> `LineageMapping` from each input column to the output column, label and
  description from its transformations (`DIRECT:IDENTITY`, `INDIRECT:FILTER (masked)`, as
  Egeria writes them); dataset-wide entries map the input column to the output asset.
- `lifecycleStateChange` DROP -> the asset is removed as configured (soft delete by default,
  purge, or archive) with what it anchors and its relationships, and takes no part in the
  event's lineage; RENAME -> the asset under its new name, the old name an alias of it
  (`previousIdentifier`), the old asset archived (a `Memento` whose archive properties say
  `renamedTo`) so its history stays visible and lineage joins old and new.
- the `lineage` job facet (OpenLineage 1.53) -> for a DATASET entry, DataFlow job -> dataset
  and input -> dataset; for a JOB entry, ControlFlow job -> job (DataFlow dataset -> job);
  its fields, and the outputs' `lineage` dataset facets, LineageMappings and DataFlows as
  Egeria's `syncExplicitLineage` makes them.
- runs (optional, off by default as in Egeria) -> a `TransientEmbeddedProcess` per run
  under the job's process: its last event type, first start, last completion, nominal
  times, parent and root run ids, error message.
- a facet marked `_deleted` clears what it set.

The names above are Egeria 5's; the writer's layout (`layout.Layout`) writes them with the
types of the cohort's release (Egeria 6: `TabularDataSet`, `Topic`, `Schema`, no `PortSchema`,
an asset's name as `displayName` / `resourceName`, a column's position on its parent link).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agents.catalogue.contribution import (
    FIELD_KEY,
    NAME_KEY,
    NS_KEY,
    A,
    Contribution,
    EntityRef,
    P,
    clean_text,
    entity_guid,
    qualified_name,
    relationship_guid,
)
from agents.catalogue.elements import (
    ContainmentType,
    ControlFlowProperties,
    DataFlowProperties,
    DeleteMethod,
    LineageMappingProperties,
    PortProperties,
    PortType,
    SchemaAttributeProperties,
    SchemaTypeProperties,
)
from agents.catalogue.layout import EGERIA_5, Layout
from agents.catalogue.naming import asset_type, clean_namespace
from agents.catalogue.read_model import CatalogueReader, parse_symlink_key, symlink_key
from agents.catalogue.writer import COLUMN_TYPE, PROCESS_TYPE, SCHEMA_TYPE, CatalogueWriter
from schemas.omrs import to_epoch_ms
from schemas.openlineage import (
    ColumnLineageDatasetFacet,
    Dataset,
    DatasetEvent,
    DatasetVersionDatasetFacet,
    DatasourceDatasetFacet,
    DeletedFacet,
    DocumentationFacet,
    JobDependenciesRunFacet,
    JobEvent,
    JobTypeJobFacet,
    LifecycleStateChangeDatasetFacet,
    OpenLineageEvent,
    OwnershipFacet,
    RunEvent,
    SchemaDatasetFacet,
    SchemaField,
    SourceCodeJobFacet,
    SourceCodeLocationJobFacet,
    SQLJobFacet,
    StorageDatasetFacet,
    SymlinksDatasetFacet,
)

__all__ = [
    "FIELD_KEY",
    "NAME_KEY",
    "NS_KEY",
    "CataloguerOptions",
    "Contribution",
    "DatasetId",
    "EntityRef",
    "asset_type",
    "entity_guid",
    "map_event",
    "parse_symlink_key",
    "qualified_name",
    "relationship_guid",
    "symlink_key",
]

RUN_TYPE = "TransientEmbeddedProcess"
_UNSET = object()


@dataclass(frozen=True, slots=True)
class CataloguerOptions:
    """What the cataloguer catalogues beyond the lineage itself (Egeria's configuration
    properties `catalogRuns`, `catalogSchemas`), how a DROP removes, and whether ports are made."""

    catalog_runs: bool = False
    catalog_schemas: bool = True
    ports: bool = True
    drop_method: DeleteMethod = DeleteMethod.SOFT_DELETE


@dataclass(frozen=True, slots=True)
class DatasetId:
    namespace: str
    name: str

    @property
    def node_id(self) -> str:
        return f"dataset:{self.namespace}:{self.name}"


def event_time(event: OpenLineageEvent) -> int:
    """The time an event's contributions are stamped with (epoch ms)."""
    return to_epoch_ms(event.event_time)


def catalogue_event(
    writer: CatalogueWriter, event: OpenLineageEvent, options: CataloguerOptions | None = None
) -> None:
    """Write what one event says into `writer` (stamped `event_time(event)`; its reader is
    the read model alias resolution, removals and snapshots use)."""
    _EventMapper(event, writer, options or CataloguerOptions()).map()


def map_event(
    event: OpenLineageEvent,
    reader: CatalogueReader | None = None,
    options: CataloguerOptions | None = None,
    layout: Layout = EGERIA_5,
) -> list[Contribution]:
    """Every contribution of one event, in a stable order (entities before relationships)."""
    writer = CatalogueWriter(event_time(event), reader, layout)
    catalogue_event(writer, event, options)
    return writer.contributions()


@dataclass(frozen=True, slots=True)
class _Job:
    """A job as catalogued: its process and its (cleaned) namespace and name."""

    ref: EntityRef
    namespace: str
    name: str


@dataclass(slots=True)
class _Catalogued:
    """A dataset of the event as catalogued."""

    ident: DatasetId
    asset: EntityRef
    schema: EntityRef | None


class _EventMapper:
    def __init__(self, event: OpenLineageEvent, writer: CatalogueWriter, options: CataloguerOptions) -> None:
        self.event = event
        self.reader = writer.reader
        self.options = options
        self.writer = writer
        self.aliases: dict[tuple[str, str], DatasetId] = {}
        self.schemas: dict[str, EntityRef] = {}
        self.dropped: set[DatasetId] = set()
        self.renamed_from: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------ the event

    def map(self) -> None:
        event = self.event
        datasets: list[Dataset] = []
        if isinstance(event, DatasetEvent):
            datasets.append(event.dataset)
        else:
            datasets.extend(event.inputs or [])
            datasets.extend(event.outputs or [])
        self.aliases = _event_aliases(datasets)
        # Names this event renames are read as themselves: the alias the rename makes must
        # not change how a replay of the event reads them.
        self.renamed_from = _renamed_from(datasets)
        self.dropped = {
            self._canonical(d.namespace, d.name) for d in datasets if d.name and d.namespace and _dropped(d)
        }
        catalogued = {id(ds): self._dataset(ds) for ds in datasets}
        for ds in datasets:
            self._column_lineage(ds)
        if isinstance(event, DatasetEvent):
            return
        process = self._job(event)
        parent = self._parents(event, process) if isinstance(event, RunEvent) else None
        inputs = [c for ds in event.inputs or [] if (c := catalogued[id(ds)]) is not None]
        outputs = [c for ds in event.outputs or [] if (c := catalogued[id(ds)]) is not None]
        flows, ports = self._flows(event, process, parent, inputs, outputs)
        if _snapshot(event):
            self.writer.replace_relationships(process, "DataFlow", flows, end=1)
            self.writer.replace_relationships(process, "DataFlow", flows, end=2)
            self._replace_ports(process, ports)
        self._explicit_lineage(event, process, outputs)
        if isinstance(event, RunEvent):
            self._dependencies(event, process)
            if self.options.catalog_runs:
                self._run(event, process)

    # ------------------------------------------------------------------ jobs

    def _process(self, namespace: str, name: str, values: dict[str, Any] | None = None) -> EntityRef:
        w = self.writer
        ref = w.create_process(clean_namespace(namespace), name)
        if values:
            w.update(ref, values)
        return ref

    def _job(self, event: RunEvent | JobEvent) -> EntityRef:
        values: dict[str, Any] = {}
        owner: Any = _UNSET
        facets = event.job.facets
        if facets is not None:
            values.update(_description(facets.documentation))
            values.update(_sql(facets.sql))
            values.update(_job_type(facets.jobType))
            values.update(_source_code(facets.sourceCode, facets.sourceCodeLocation))
            owner = _owner(facets.ownership)
        process = self._process(event.job.namespace, event.job.name, values)
        if owner is not _UNSET:
            self.writer.set_ownership(process, owner)
        return process

    def _parents(self, event: RunEvent, process: EntityRef) -> _Job | None:
        """The parent and root processes and their hierarchy; the parent job."""
        parent = event.parent
        if parent is None:
            return None
        job = parent.job
        direct = _Job(
            self._process(job.namespace, job.name), clean_namespace(job.namespace), clean_text(job.name)
        )
        chain = [direct.ref, process]
        if parent.root is not None:
            chain.insert(0, self._process(parent.root.job.namespace, parent.root.job.name))
        for upper, lower in itertools.pairwise(chain):
            if upper.guid != lower.guid:
                self.writer.setup_process_parent(upper, lower, ContainmentType.OWNED)
        return direct if direct.ref.guid != process.guid else None

    def _dependencies(self, event: RunEvent, process: EntityRef) -> None:
        facet = event.run.facets.jobDependencies if event.run.facets else None
        if not isinstance(facet, JobDependenciesRunFacet):
            return
        for direction, dependencies in (("up", facet.upstream or []), ("down", facet.downstream or [])):
            for dependency in dependencies:
                other = self._process(dependency.job.namespace, dependency.job.name)
                if other.guid == process.guid:
                    continue
                properties = ControlFlowProperties(
                    label=dependency.dependency_type,
                    guard=dependency.status_trigger_rule,
                    description=dependency.sequence_trigger_rule,
                )
                first, then = (other, process) if direction == "up" else (process, other)
                self.writer.setup_control_flow(first, then, properties)

    def _run(self, event: RunEvent, process: EntityRef) -> None:
        job, run_id = event.job, event.run.runId
        values: dict[str, Any] = {f"{P}name": f"{job.name} run {run_id}", f"{A}runId": run_id}
        if event.eventType:
            values[f"{A}lastEventType"] = event.eventType
            if event.eventType == "START":
                values[f"{A}^startTime"] = event.eventTime
            if event.is_terminal:
                values[f"{A}completionTime"] = event.eventTime
        facets = event.run.facets
        if facets is not None:
            values.update(_run_facets(facets))
        run = self.writer.entity(RUN_TYPE, clean_namespace(job.namespace), f"{job.name}::{run_id}", values)
        self.writer.setup_process_parent(process, run, ContainmentType.OWNED)

    # ------------------------------------------------------------------ datasets

    def _canonical(self, namespace: str, name: str, *, read: bool = True) -> DatasetId:
        """The identity a dataset name is catalogued under: through the event's symlinks, then
        (`read`) the aliases the read model knows."""
        namespace = clean_namespace(namespace)
        name = clean_text(name)
        found = self.aliases.get((namespace, name))
        if found is not None and found != DatasetId(namespace, name):
            return found
        if read and self.reader is not None and (namespace, name) not in self.renamed_from:
            resolved = self.reader.resolve_alias(namespace, name)
            if resolved is not None:
                return DatasetId(*resolved)
        return found or DatasetId(namespace, name)

    def _asset_ref(self, ident: DatasetId) -> EntityRef:
        return self.writer.ref(asset_type(ident.namespace, ident.name), ident.namespace, ident.name)

    def _dataset(self, ds: Dataset) -> _Catalogued | None:
        """Catalogue one dataset; None when it takes no part in the event's lineage (dropped, unnamed)."""
        if not ds.name or not ds.namespace:
            return None
        facets = ds.facets
        lifecycle = facets.lifecycleStateChange if facets is not None else None
        change = (
            lifecycle.lifecycleStateChange.upper()
            if isinstance(lifecycle, LifecycleStateChangeDatasetFacet)
            else ""
        )
        w = self.writer
        # A drop names what it drops: an alias the read model knows (an old name since renamed)
        # is not followed, so what is dropped never depends on what was read before.
        ident = self._canonical(ds.namespace, ds.name, read=change != "DROP")
        if change == "DROP":
            reason = {"reason": "OpenLineage lifecycleStateChange DROP"}
            w.remove_data_asset(self._asset_ref(ident), self.options.drop_method, archive_properties=reason)
            return None
        if ident in self.dropped:
            return None  # dropped by this very event: it takes no part in its lineage
        values = self._dataset_values(ds, ident)
        if change == "RENAME" and isinstance(lifecycle, LifecycleStateChangeDatasetFacet):
            values.update(self._rename(lifecycle, ident))
        asset = w.create_data_asset(
            ident.namespace, ident.name, type_name=asset_type(ident.namespace, ident.name)
        )
        w.update(asset, values)
        if facets is not None:
            owner = _owner(facets.ownership)
            if owner is not _UNSET:
                w.set_ownership(asset, owner)
        schema = facets.schema_ if facets is not None else None
        if self.options.catalog_schemas and isinstance(schema, SchemaDatasetFacet) and schema.fields:
            self._schema(ident, asset, schema.fields)
        return _Catalogued(ident, asset, self.schemas.get(asset.guid))

    def _dataset_values(self, ds: Dataset, ident: DatasetId) -> dict[str, Any]:
        values: dict[str, Any] = {}
        own = DatasetId(clean_namespace(ds.namespace), clean_text(ds.name))
        if own != ident:
            values[A + symlink_key(own.namespace, own.name)] = "ALIAS"
        for namespace, name, kind in _symlinks(ds):
            if (namespace, name) != (ident.namespace, ident.name):
                values[A + symlink_key(namespace, name)] = kind or "ALIAS"
        facets = ds.facets
        if facets is None:
            return values
        values.update(_description(facets.documentation))
        source = facets.dataSource
        if isinstance(source, DatasourceDatasetFacet):
            values[f"{A}dataSource.name"] = clean_namespace(source.name) if source.name else None
            values[f"{A}dataSource.uri"] = clean_namespace(source.uri) if source.uri else None
        storage = facets.storage
        if isinstance(storage, StorageDatasetFacet):
            values[f"{A}storage.storageLayer"] = storage.storageLayer
            values[f"{A}storage.fileFormat"] = storage.fileFormat
        version = facets.version
        if isinstance(version, DatasetVersionDatasetFacet):
            values[f"{P}versionIdentifier"] = version.datasetVersion
        lifecycle = facets.lifecycleStateChange
        if isinstance(lifecycle, LifecycleStateChangeDatasetFacet):
            values[f"{A}lastLifecycleStateChange"] = lifecycle.lifecycleStateChange
        return values

    def _rename(self, lifecycle: LifecycleStateChangeDatasetFacet, ident: DatasetId) -> dict[str, Any]:
        """The old asset archived and pointing to the new one; the values the new one gets."""
        previous = lifecycle.previousIdentifier
        if previous is None or not previous.name:
            return {}
        old = self._canonical(previous.namespace, previous.name)
        if old == ident:
            return {}
        old_ref = self._asset_ref(old)
        new_name = f"{ident.namespace}/{ident.name}"
        self.writer.remove(
            old_ref,
            DeleteMethod.ARCHIVE,
            archive_properties={"reason": "OpenLineage lifecycleStateChange RENAME", "renamedTo": new_name},
        )
        return {
            f"{A}previousIdentifier": f"{old.namespace}/{old.name}",
            A + symlink_key(old.namespace, old.name): "RENAME",
        }

    def _schema_ref(self, ident: DatasetId, asset: EntityRef) -> EntityRef:
        found = self.schemas.get(asset.guid)
        if found is None:
            found = self.writer.create_schema_type(
                ident.namespace, ident.name, SchemaTypeProperties(), type_name=SCHEMA_TYPE, asset=asset
            )
            self.schemas[asset.guid] = found
        return found

    def _schema(self, ident: DatasetId, asset: EntityRef, fields: list[SchemaField]) -> None:
        schema = self._schema_ref(ident, asset)
        first = self.writer.layout.first_position

        def add(parent: EntityRef, items: list[SchemaField], prefix: str) -> None:
            for position, item in enumerate(items):
                if not item.get("name"):
                    continue
                path = f"{prefix}{item['name']}"
                ordinal = item.get("ordinal_position")
                properties = SchemaAttributeProperties(
                    display_name=item["name"],
                    description=item.get("description") or None,
                    position=ordinal if ordinal is not None else position + first,
                    data_type=item.get("type") or None,
                    additional_properties=_column_identity(ident, path),
                )
                column = self.writer.create_schema_attribute(
                    parent, ident.namespace, f"{ident.name}::{path}", properties, type_name=COLUMN_TYPE
                )
                children = item.get("fields")
                if children:
                    add(column, children, f"{path}.")

        add(schema, fields, "")

    def _column_in(self, ident: DatasetId, path: str) -> EntityRef:
        """A column named by column lineage: the column, its schema and asset, and their links
        (identity only: its type and position come from a schema facet, wherever that is seen)."""
        w = self.writer
        asset = w.create_data_asset(
            ident.namespace, ident.name, type_name=asset_type(ident.namespace, ident.name)
        )
        parent, prefix = self._schema_ref(ident, asset), ""
        for part in path.split("."):
            properties = SchemaAttributeProperties(
                display_name=part, additional_properties=_column_identity(ident, prefix + part)
            )
            parent = w.create_schema_attribute(
                parent, ident.namespace, f"{ident.name}::{prefix}{part}", properties
            )
            prefix = f"{prefix}{part}."
        return parent

    def _column_lineage(self, ds: Dataset) -> None:
        facet = ds.facets.columnLineage if ds.facets else None
        if not isinstance(facet, ColumnLineageDatasetFacet) or not ds.name or not ds.namespace:
            return
        target_ident = self._canonical(ds.namespace, ds.name)
        if target_ident in self.dropped:
            return
        for column_name, lineage in sorted(facet.fields.items()):
            if not column_name:
                continue
            target = self._column_in(target_ident, column_name)
            fallback = LineageMappingProperties(
                label=lineage.get("transformationType") or None,
                description=lineage.get("transformationDescription") or None,
            )
            for source in lineage["inputFields"]:
                src = self._source_column(source)
                if src is not None:
                    self.writer.setup_lineage_mapping(src, target, _mapping_properties(source) or fallback)
        asset = self._asset_ref(target_ident)
        for source in facet.dataset or []:
            src = self._source_column(source)
            if src is not None:
                self.writer.setup_lineage_mapping(src, asset, _mapping_properties(source))

    def _source_column(self, source: Mapping[str, Any]) -> EntityRef | None:
        if not source.get("name") or not source.get("namespace") or not source.get("field"):
            return None
        ident = self._canonical(source["namespace"], source["name"])
        return None if ident in self.dropped else self._column_in(ident, source["field"])

    # ------------------------------------------------------------------ explicit lineage

    def _explicit_lineage(
        self, event: RunEvent | JobEvent, process: EntityRef, outputs: list[_Catalogued]
    ) -> None:
        """The `lineage` job facet's entries and the outputs' `lineage` dataset facets."""
        facet = event.job.facets.get("lineage") if event.job.facets else None
        for entry in _items(getattr(facet, "entries", None)):
            if str(entry.get("type", "")).upper() == "DATASET":
                target = self._lineage_dataset(entry)
                if target is None:
                    continue
                self.writer.setup_data_flow(process, target)
                self._lineage_inputs(target, entry, process)
            else:
                job = self._lineage_job(entry, process)
                if job is not None:
                    self._lineage_inputs(job, entry, process)
        for output in outputs:
            ds = next(
                (d for d in event.outputs or [] if self._canonical(d.namespace, d.name) == output.ident),
                None,
            )
            dataset_facet = ds.facets.get("lineage") if ds is not None and ds.facets else None
            if dataset_facet is not None and not isinstance(dataset_facet, DeletedFacet):
                self._lineage_inputs(output.asset, dataset_facet.model_dump(), process, ident=output.ident)

    def _lineage_dataset(self, item: dict[str, Any]) -> EntityRef | None:
        if not item.get("namespace") or not item.get("name"):
            return None
        ident = self._canonical(str(item["namespace"]), str(item["name"]))
        if ident in self.dropped:
            return None
        return self.writer.create_data_asset(
            ident.namespace, ident.name, type_name=asset_type(ident.namespace, ident.name)
        )

    def _lineage_job(self, item: dict[str, Any], process: EntityRef) -> EntityRef | None:
        if not item.get("name"):
            return process  # no name: the event's own job
        return (
            self._process(str(item.get("namespace") or ""), str(item["name"]))
            if item.get("namespace")
            else None
        )

    def _lineage_inputs(
        self, target: EntityRef, entry: dict[str, Any], process: EntityRef, ident: DatasetId | None = None
    ) -> None:
        """DataFlow (or ControlFlow, job to job) from each input, LineageMapping per field."""
        target_is_job = target.type_name == PROCESS_TYPE
        for item in _items(entry.get("inputs")):
            is_job = str(item.get("type", "")).upper() == "JOB"
            source = self._lineage_job(item, process) if is_job else self._lineage_dataset(item)
            if source is None or source.guid == target.guid:
                continue
            label = _mapping_properties(item)
            if is_job and target_is_job:
                self.writer.setup_control_flow(
                    source, target, ControlFlowProperties(label=label.label if label else None)
                )
            else:
                self.writer.setup_data_flow(
                    source, target, DataFlowProperties(label=label.label if label else None)
                )
        if target_is_job:
            return
        fields = entry.get("fields")
        target_ident = ident or self._canonical(str(entry.get("namespace")), str(entry.get("name")))
        for column, field_entry in sorted((fields or {}).items()) if isinstance(fields, dict) else []:
            if not column or not isinstance(field_entry, dict):
                continue
            destination = self._column_in(target_ident, str(column))
            for item in _items(field_entry.get("inputs")):
                if str(item.get("type", "")).upper() != "DATASET":
                    continue
                source_column = self._source_column(item)
                if source_column is not None:
                    self.writer.setup_lineage_mapping(source_column, destination, _mapping_properties(item))

    # ------------------------------------------------------------------ flows and ports

    def _flows(
        self,
        event: RunEvent | JobEvent,
        process: EntityRef,
        parent: _Job | None,
        inputs: list[_Catalogued],
        outputs: list[_Catalogued],
    ) -> tuple[set[str], set[str]]:
        """DataFlows input -> process -> output, and the process's ports; their guids."""
        w, flows, ports = self.writer, set(), set()
        job_ns, job_name = clean_namespace(event.job.namespace), clean_text(event.job.name)
        for direction, items in (("input", inputs), ("output", outputs)):
            for item in items:
                if direction == "input":
                    flows.add(w.setup_data_flow(item.asset, process))
                else:
                    flows.add(w.setup_data_flow(process, item.asset))
                if not self.options.ports:
                    continue
                port_id = f"{job_name}::{direction}::{item.ident.namespace}::{item.ident.name}"
                port_type = PortType.INPUT_PORT if direction == "input" else PortType.OUTPUT_PORT
                port = w.create_port(
                    process,
                    job_ns,
                    port_id,
                    PortProperties(display_name=item.ident.name, port_type=port_type),
                )
                ports.add(port.guid)
                schema = self.schemas.get(item.asset.guid)
                if schema is not None:
                    w.setup_port_schema_type(port, schema)
                if parent is not None:
                    alias = w.create_port(
                        parent.ref,
                        parent.namespace,
                        f"{parent.name}::{job_ns}::{port_id}",
                        PortProperties(display_name=item.ident.name, port_type=port_type),
                        alias=True,
                    )
                    w.setup_port_delegation(alias, port)
        return flows, ports

    def _replace_ports(self, process: EntityRef, keep: set[str]) -> None:
        """Soft-delete the process's ports a complete snapshot no longer has."""
        if self.reader is None:
            return
        for rel in self.reader.relationships(process.guid, "ProcessPort"):
            port = rel.end2
            minted = entity_guid(port.qualified_name) == port.guid
            if rel.end1.guid == process.guid and port.guid not in keep and minted:
                self.writer.remove(port, DeleteMethod.SOFT_DELETE)


# ---------------------------------------------------------------------------------- facets


def _snapshot(event: RunEvent | JobEvent) -> bool:
    facet = event.job.facets.jobType if event.job.facets else None
    if not isinstance(facet, JobTypeJobFacet) or facet.emissionPattern is None:
        return False
    return facet.emissionPattern.eventContentMode.upper() == "COMPLETE_SNAPSHOT"


def _description(doc: Any) -> dict[str, Any]:
    """The description a documentation facet sets (None when the facet was deleted)."""
    if isinstance(doc, DocumentationFacet):
        return {f"{P}description": doc.description or None}
    if isinstance(doc, DeletedFacet):
        return {f"{P}description": None}
    return {}


def _sql(sql: Any) -> dict[str, Any]:
    if isinstance(sql, SQLJobFacet):
        return {f"{P}formula": sql.query, f"{P}formulaType": f"SQL:{sql.dialect}" if sql.dialect else "SQL"}
    if isinstance(sql, DeletedFacet):
        return {f"{P}formula": None, f"{P}formulaType": None}
    return {}


_JOB_TYPE_KEYS = (
    "jobType.processingType",
    "jobType.integration",
    "jobType.jobType",
    "jobType.emissionPattern.eventTrigger",
    "jobType.emissionPattern.eventContentMode",
    "jobType.emissionPattern.windowDuration",
)


def _job_type(facet: Any) -> dict[str, Any]:
    """Egeria's additional properties for the jobType facet (and its emission pattern)."""
    if isinstance(facet, DeletedFacet):
        return {A + key: None for key in _JOB_TYPE_KEYS}
    if not isinstance(facet, JobTypeJobFacet):
        return {}
    pattern = facet.emissionPattern
    values = (
        facet.processingType,
        facet.integration,
        facet.jobType,
        pattern.eventTrigger if pattern else None,
        pattern.eventContentMode if pattern else None,
        pattern.windowDuration if pattern else None,
    )
    return {A + key: value for key, value in zip(_JOB_TYPE_KEYS, values, strict=True)}


def _source_code(code: Any, location: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if isinstance(code, SourceCodeJobFacet):
        values[f"{P}implementationLanguage"] = code.language
    elif isinstance(code, DeletedFacet):
        values[f"{P}implementationLanguage"] = None
    names = ("type", "url", "repoUrl", "path", "version", "tag", "branch")
    if isinstance(location, SourceCodeLocationJobFacet):
        values.update({f"{A}sourceCodeLocation.{n}": getattr(location, n) for n in names})
    elif isinstance(location, DeletedFacet):
        values.update({f"{A}sourceCodeLocation.{n}": None for n in names})
    return values


def _owner(facet: Any) -> Any:
    """The owner an ownership facet names (None: none or deleted; _UNSET: no facet)."""
    if isinstance(facet, OwnershipFacet):
        owners = facet.owners or []
        return owners[0]["name"] if owners and owners[0].get("name") else None
    if isinstance(facet, DeletedFacet):
        return None
    return _UNSET


def _run_facets(facets: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    nominal = facets.nominalTime
    if nominal is not None and not isinstance(nominal, DeletedFacet):
        values[f"{A}nominalStartTime"] = nominal.nominalStartTime
        values[f"{A}nominalEndTime"] = nominal.nominalEndTime
    parent = facets.parent
    if parent is not None and not isinstance(parent, DeletedFacet):
        values[f"{A}parentRunId"] = parent.run.runId
        values[f"{A}rootRunId"] = parent.root.run.runId if parent.root else None
    engine = facets.processing_engine
    if engine is not None and not isinstance(engine, DeletedFacet):
        values[f"{A}processingEngine.name"] = engine.name
        values[f"{A}processingEngine.version"] = engine.version
    error = facets.errorMessage
    if error is not None and not isinstance(error, DeletedFacet):
        values[f"{A}errorMessage"] = error.message
        values[f"{A}errorMessage.programmingLanguage"] = error.programmingLanguage
    return values


def _mapping_properties(source: Mapping[str, Any]) -> LineageMappingProperties | None:
    """Label and description of a LineageMapping from a column's transformations, as Egeria's
    cataloguer writes them: `TYPE[:SUBTYPE][ (masked)]` joined by `, `, descriptions by `; `."""
    labels, descriptions = [], []
    for item in source.get("transformations") or []:
        kind = item.get("type")
        if kind:
            label = f"{kind}:{item['subtype']}" if item.get("subtype") else kind
            labels.append(f"{label} (masked)" if item.get("masking") is True else label)
        if item.get("description"):
            descriptions.append(str(item["description"]))
    if not labels and not descriptions:
        return None
    return LineageMappingProperties(
        label=", ".join(labels) or None, description="; ".join(descriptions) or None
    )


def _items(value: Any) -> list[dict[str, Any]]:
    """The dicts of a list a generic facet carries (anything else is ignored)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _column_identity(ident: DatasetId, path: str) -> dict[str, str | None]:
    return {NAME_KEY: ident.name, FIELD_KEY: path}


def _renamed_from(datasets: Iterable[Dataset]) -> set[tuple[str, str]]:
    found = set()
    for ds in datasets:
        facet = ds.facets.lifecycleStateChange if ds.facets else None
        if isinstance(facet, LifecycleStateChangeDatasetFacet) and facet.previousIdentifier is not None:
            previous = facet.previousIdentifier
            if facet.lifecycleStateChange.upper() == "RENAME":
                found.add((clean_namespace(previous.namespace), clean_text(previous.name)))
    return found


def _dropped(ds: Dataset) -> bool:
    facet = ds.facets.lifecycleStateChange if ds.facets else None
    return (
        isinstance(facet, LifecycleStateChangeDatasetFacet) and facet.lifecycleStateChange.upper() == "DROP"
    )


def _event_aliases(datasets: Iterable[Dataset]) -> dict[tuple[str, str], DatasetId]:
    """Every name a dataset of this event is known by -> its canonical identity."""
    aliases: dict[tuple[str, str], DatasetId] = {}
    for ds in datasets:
        ident = canonical_identity(ds)
        aliases[(clean_namespace(ds.namespace), clean_text(ds.name))] = ident
        for namespace, name, _ in _symlinks(ds):
            aliases.setdefault((namespace, name), ident)
    return aliases


def _symlinks(ds: Dataset) -> list[tuple[str, str, str]]:
    facet = ds.facets.symlinks if ds.facets else None
    if not isinstance(facet, SymlinksDatasetFacet):
        return []
    return [
        (clean_namespace(i["namespace"]), clean_text(i["name"]), i.get("type") or "")
        for i in facet.identifiers or []
        if i.get("name") and i.get("namespace")
    ]


def canonical_identity(ds: Dataset) -> DatasetId:
    """The identity a dataset is catalogued under: its TABLE symlink when it has one (the
    smallest, so the choice does not depend on the order producers list them), else its own."""
    tables = sorted((ns, name) for ns, name, kind in _symlinks(ds) if kind.upper() == "TABLE")
    if tables:
        return DatasetId(*tables[0])
    return DatasetId(clean_namespace(ds.namespace), clean_text(ds.name))


def asset_ref(ident: DatasetId, layout: Layout = EGERIA_5) -> EntityRef:
    """The asset a dataset identity names (in a release's layout)."""
    type_name = layout.entity_type(asset_type(ident.namespace, ident.name))
    qualified = qualified_name(type_name, ident.namespace, ident.name)
    return EntityRef(entity_guid(qualified), type_name, qualified)


def process_ref(namespace: str, name: str, layout: Layout = EGERIA_5) -> EntityRef:
    """The process a job names (in a release's layout)."""
    type_name = layout.entity_type(PROCESS_TYPE)
    qualified = qualified_name(type_name, clean_namespace(namespace), clean_text(name))
    return EntityRef(entity_guid(qualified), type_name, qualified)
