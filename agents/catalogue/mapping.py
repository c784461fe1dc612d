"""PURE: one OpenLineage event -> the open metadata instances it says exist.

No I/O, no clock: the same event always gives the same contributions, on every replica and
on every replay. A *contribution* is what one event says about one instance (an entity or a
relationship): its deterministic guid, its Egeria type, and some of its values, each stamped
with the event's time. `state.merge` folds the contributions of all events into the
instance; this module never decides what changed.

Rules (Egeria's own cataloguer design, `DeployedSoftwareComponent::{ns}::{name}` naming):

- job -> `DeployedSoftwareComponent` (a Process) `DeployedSoftwareComponent::{ns}::{name}`;
  `documentation` -> description, `sql` -> formula (formulaType `SQL[:dialect]`),
  `ownership` -> `Ownership` classification (first owner), `jobType` -> additional properties.
- `parent` run facet -> a Process for the parent and for the root job, and `ProcessHierarchy`
  (OWNED) root -> parent -> job.
- dataset -> a DataSet asset whose type fits the namespace (`TableDataSet` for databases and
  warehouses, `KafkaTopic` for kafka://, `DataFile` / `FileFolder` (name ending in `/`) for
  object stores and file systems, else `DataSet`), `{type}::{ns}::{name}`.
- `symlinks`: a dataset that names a TABLE identifier is catalogued under that identifier,
  so a table seen by its path and by its table name is one asset; the other names are kept
  in its additional properties (`symlink:{ns}::{name}`) so lookups by any name find it.
- inputs -> job -> outputs: `DataFlow` (input -> process, process -> output).
- `schema` -> `TabularSchemaType` (`AssetSchemaType` from the asset) with a `TabularColumn` per
  field (`AttributeForSchema`; nested fields by `NestedSchemaAttribute`), the field's type in
  a `TypeEmbeddedAttribute` classification.
- `columnLineage` -> `LineageMapping` from each input column to the output column.
- a facet marked `_deleted` removes what it set (a tombstone with the event's time).

Guids: uuid5 of the qualified name for entities, of `{type}:{end1}:{end2}` for relationships,
in a namespace fixed forever, so every replica and every replay names an instance the same.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from schemas.omrs import to_epoch_ms
from schemas.openlineage import (
    ColumnLineageDatasetFacet,
    Dataset,
    DatasetEvent,
    DeletedFacet,
    DocumentationFacet,
    JobEvent,
    JobTypeJobFacet,
    OpenLineageEvent,
    OwnershipFacet,
    RunEvent,
    SchemaDatasetFacet,
    SchemaField,
    SQLJobFacet,
    SymlinksDatasetFacet,
)

GUID_NAMESPACE = uuid.UUID("0b9f3a52-6e0d-5c1e-8f7a-4c2d9e1b7a30")
"""uuid5 namespace of every guid the cataloguer mints: never change it (guids would move)."""

PROCESS_TYPE = "DeployedSoftwareComponent"
SCHEMA_TYPE = "TabularSchemaType"
COLUMN_TYPE = "TabularColumn"

# Value keys of a contribution: `p:` an entity/relationship property, `a:` an entry of its
# additionalProperties map, `c:` a classification (its properties, or None once removed).
P, A, C = "p:", "a:", "c:"
NS_KEY, NAME_KEY, FIELD_KEY = "openLineageNamespace", "openLineageName", "openLineageField"

TABLE_SCHEMES = frozenset(
    {
        "postgres", "postgresql", "mysql", "mariadb", "mssql", "sqlserver", "oracle", "db2", "redshift",
        "snowflake", "bigquery", "trino", "presto", "hive", "awsathena", "athena", "teradata", "spanner",
        "crate", "oceanbase", "azurekusto", "synapse", "databricks", "duckdb", "sqlite", "clickhouse",
        "vertica", "fabric-warehouse", "arn", "unitycatalog", "glue", "dremio", "impala", "greenplum",
        "cockroachdb", "singlestore", "starrocks", "doris", "exasol", "firebolt", "netezza", "sybase",
    }
)  # fmt: skip
FILE_SCHEMES = frozenset(
    {
        "s3",
        "s3a",
        "s3n",
        "gs",
        "gcs",
        "wasb",
        "wasbs",
        "abfs",
        "abfss",
        "adl",
        "hdfs",
        "dbfs",
        "file",
        "local",
    }
)
TOPIC_SCHEMES = frozenset({"kafka"})


SYMLINK_PREFIX = "symlink:"


def symlink_key(namespace: str, name: str) -> str:
    """The additional property recording another name of a dataset: `symlink:{ns}::{name}`."""
    return f"{SYMLINK_PREFIX}{namespace}::{name}"


def parse_symlink_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(SYMLINK_PREFIX) or "::" not in key:
        return None
    namespace, _, name = key[len(SYMLINK_PREFIX) :].partition("::")
    return namespace, name


def asset_type(namespace: str, name: str) -> str:
    """The Egeria DataSet type fitting a dataset's namespace (and, for files, its name)."""
    scheme = namespace.split("://", 1)[0].lower() if "://" in namespace else namespace.lower()
    scheme = scheme.split("+", 1)[0]
    if scheme in TOPIC_SCHEMES:
        return "KafkaTopic"
    if scheme in FILE_SCHEMES:
        return "FileFolder" if name.endswith("/") else "DataFile"
    if scheme in TABLE_SCHEMES:
        return "TableDataSet"
    return "DataSet"


def qualified_name(type_name: str, namespace: str, name: str) -> str:
    return f"{type_name}::{namespace}::{name}"


def entity_guid(qualified: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, qualified))


def relationship_guid(type_name: str, end1: str, end2: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{type_name}:{end1}:{end2}"))


@dataclass(frozen=True, slots=True)
class EntityRef:
    """One end of a relationship: what a proxy of it carries."""

    guid: str
    type_name: str
    qualified_name: str


@dataclass(slots=True)
class Contribution:
    """What one event says about one instance."""

    kind: str  # "entity" | "relationship"
    guid: str
    type_name: str
    time: int
    values: dict[str, Any] = field(default_factory=dict)
    end1: EntityRef | None = None
    end2: EntityRef | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "guid": self.guid,
            "type": self.type_name,
            "t": self.time,
            "values": self.values,
        }
        for key, end in (("end1", self.end1), ("end2", self.end2)):
            if end is not None:
                data[key] = [end.guid, end.type_name, end.qualified_name]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Contribution:
        ends = [EntityRef(*data[k]) if data.get(k) else None for k in ("end1", "end2")]
        return cls(
            kind=data["kind"],
            guid=data["guid"],
            type_name=data["type"],
            time=int(data["t"]),
            values=dict(data.get("values") or {}),
            end1=ends[0],
            end2=ends[1],
        )


@dataclass(frozen=True, slots=True)
class DatasetId:
    namespace: str
    name: str

    @property
    def node_id(self) -> str:
        return f"dataset:{self.namespace}:{self.name}"


AliasResolver = Callable[[str, str], tuple[str, str] | None]
"""(namespace, name) -> the canonical (namespace, name) already catalogued for it, if any."""


class _Builder:
    """Collects the contributions of one event, merging those for the same guid."""

    def __init__(self, time: int) -> None:
        self.time = time
        self.items: dict[str, Contribution] = {}

    def entity(self, type_name: str, qualified: str, values: dict[str, Any]) -> EntityRef:
        guid = entity_guid(qualified)
        found = self.items.get(guid)
        if found is None:
            values = {f"{P}qualifiedName": qualified, **values}
            self.items[guid] = Contribution("entity", guid, type_name, self.time, values)
        else:
            found.values.update(values)
        return EntityRef(guid, type_name, qualified)

    def relationship(
        self, type_name: str, end1: EntityRef, end2: EntityRef, values: dict[str, Any] | None = None
    ) -> None:
        guid = relationship_guid(type_name, end1.guid, end2.guid)
        found = self.items.get(guid)
        if found is None:
            self.items[guid] = Contribution(
                "relationship", guid, type_name, self.time, dict(values or {}), end1, end2
            )
        elif values:
            found.values.update(values)


def map_event(event: OpenLineageEvent, resolve_alias: AliasResolver | None = None) -> list[Contribution]:
    """Every contribution of one event, in a stable order (entities before relationships)."""
    build = _Builder(to_epoch_ms(event.event_time))
    datasets: list[Dataset] = []
    if isinstance(event, DatasetEvent):
        datasets.append(event.dataset)
    else:
        datasets.extend(event.inputs or [])
        datasets.extend(event.outputs or [])
    aliases = _event_aliases(datasets)

    def canonical(namespace: str, name: str) -> DatasetId:
        found = aliases.get((namespace, name))
        if (found is None or found == DatasetId(namespace, name)) and resolve_alias is not None:
            resolved = resolve_alias(namespace, name)
            found = DatasetId(*resolved) if resolved else found
        return found or DatasetId(namespace, name)

    assets: dict[int, EntityRef] = {}
    for ds in datasets:
        assets[id(ds)] = _dataset(build, ds, canonical)

    if not isinstance(event, DatasetEvent):
        process = _job(build, event)
        if isinstance(event, RunEvent):
            _parents(build, event, process)
        for ds in event.inputs or []:
            build.relationship("DataFlow", assets[id(ds)], process)
        for ds in event.outputs or []:
            build.relationship("DataFlow", process, assets[id(ds)])

    for ds in datasets:
        _column_lineage(build, ds, canonical)

    items = list(build.items.values())
    return [c for c in items if c.kind == "entity"] + [c for c in items if c.kind == "relationship"]


# --------------------------------------------------------------------------- jobs


def _process(build: _Builder, namespace: str, name: str, values: dict[str, Any] | None = None) -> EntityRef:
    identity = {f"{P}name": name, f"{A}{NS_KEY}": namespace, f"{A}{NAME_KEY}": name}
    return build.entity(
        PROCESS_TYPE, qualified_name(PROCESS_TYPE, namespace, name), {**identity, **(values or {})}
    )


def _description(doc: Any) -> dict[str, Any]:
    """The description a documentation facet sets (None when the facet was deleted)."""
    if isinstance(doc, DocumentationFacet):
        return {f"{P}description": doc.description}
    if isinstance(doc, DeletedFacet):
        return {f"{P}description": None}
    return {}


def _job(build: _Builder, event: RunEvent | JobEvent) -> EntityRef:
    values: dict[str, Any] = {}
    facets = event.job.facets
    if facets is not None:
        values.update(_description(facets.documentation))
        sql = facets.sql
        if isinstance(sql, SQLJobFacet):
            values[f"{P}formula"] = sql.query
            values[f"{P}formulaType"] = f"SQL:{sql.dialect}" if sql.dialect else "SQL"
        elif isinstance(sql, DeletedFacet):
            values[f"{P}formula"] = values[f"{P}formulaType"] = None
        job_type = facets.jobType
        if isinstance(job_type, JobTypeJobFacet):
            values[f"{A}processingType"] = job_type.processingType
            values[f"{A}integration"] = job_type.integration
            values[f"{A}jobType"] = job_type.jobType
        values.update(_ownership(facets.ownership))
    return _process(build, event.job.namespace, event.job.name, values)


def _parents(build: _Builder, event: RunEvent, process: EntityRef) -> None:
    parent = event.parent
    if parent is None:
        return
    parent_ref = _process(build, parent.job.namespace, parent.job.name)
    chain = [parent_ref, process]
    if parent.root is not None:
        root = parent.root.job
        root_ref = _process(build, root.namespace, root.name)
        chain.insert(0, root_ref)
    containment = {f"{P}containmentType": "OWNED"}
    for upper, lower in itertools.pairwise(chain):
        if upper.guid != lower.guid:
            build.relationship("ProcessHierarchy", upper, lower, containment)


def _ownership(facet: Any) -> dict[str, Any]:
    if isinstance(facet, OwnershipFacet):
        owners = facet.owners or []
        if owners:
            owner = owners[0]
            return {f"{C}Ownership": {"owner": owner["name"], "ownerPropertyName": "name"}}
        return {f"{C}Ownership": None}
    if isinstance(facet, DeletedFacet):
        return {f"{C}Ownership": None}
    return {}


# --------------------------------------------------------------------------- datasets


def _event_aliases(datasets: Iterable[Dataset]) -> dict[tuple[str, str], DatasetId]:
    """Every name a dataset of this event is known by -> its canonical identity."""
    aliases: dict[tuple[str, str], DatasetId] = {}
    for ds in datasets:
        ident = canonical_identity(ds)
        aliases[(ds.namespace, ds.name)] = ident
        for namespace, name, _ in _symlinks(ds):
            aliases.setdefault((namespace, name), ident)
    return aliases


def _symlinks(ds: Dataset) -> list[tuple[str, str, str]]:
    facet = ds.facets.symlinks if ds.facets else None
    if not isinstance(facet, SymlinksDatasetFacet):
        return []
    return [(i["namespace"], i["name"], i.get("type") or "") for i in facet.identifiers or []]


def canonical_identity(ds: Dataset) -> DatasetId:
    """The identity a dataset is catalogued under: its TABLE symlink when it has one (the
    smallest, so the choice does not depend on the order producers list them), else its own."""
    tables = sorted((ns, name) for ns, name, kind in _symlinks(ds) if kind.upper() == "TABLE")
    if tables:
        return DatasetId(*tables[0])
    return DatasetId(ds.namespace, ds.name)


def asset_ref(ident: DatasetId) -> EntityRef:
    type_name = asset_type(ident.namespace, ident.name)
    qualified = qualified_name(type_name, ident.namespace, ident.name)
    return EntityRef(entity_guid(qualified), type_name, qualified)


def _asset(build: _Builder, ident: DatasetId, values: dict[str, Any] | None = None) -> EntityRef:
    ref = asset_ref(ident)
    identity = {f"{P}name": ident.name, f"{A}{NS_KEY}": ident.namespace, f"{A}{NAME_KEY}": ident.name}
    return build.entity(ref.type_name, ref.qualified_name, {**identity, **(values or {})})


def _dataset(build: _Builder, ds: Dataset, canonical: Callable[[str, str], DatasetId]) -> EntityRef:
    ident = canonical(ds.namespace, ds.name)
    values: dict[str, Any] = {}
    facets = ds.facets
    own = (ds.namespace, ds.name)
    if (ident.namespace, ident.name) != own:
        values[f"{A}{symlink_key(ds.namespace, ds.name)}"] = "ALIAS"
    for namespace, name, kind in _symlinks(ds):
        if (namespace, name) != (ident.namespace, ident.name):
            values[f"{A}{symlink_key(namespace, name)}"] = kind or "ALIAS"
    if facets is not None:
        values.update(_description(facets.documentation))
        values.update(_ownership(facets.ownership))
    asset = _asset(build, ident, values)
    schema = facets.schema_ if facets is not None else None
    if isinstance(schema, SchemaDatasetFacet) and schema.fields:
        _schema(build, ident, asset, schema.fields)
    return asset


def _schema_ref(build: _Builder, ident: DatasetId, asset: EntityRef) -> EntityRef:
    schema = build.entity(
        SCHEMA_TYPE,
        qualified_name(SCHEMA_TYPE, ident.namespace, ident.name),
        {f"{P}displayName": ident.name, f"{A}{NS_KEY}": ident.namespace, f"{A}{NAME_KEY}": ident.name},
    )
    build.relationship("AssetSchemaType", asset, schema)
    return schema


def _schema(build: _Builder, ident: DatasetId, asset: EntityRef, fields: list[SchemaField]) -> None:
    schema = _schema_ref(build, ident, asset)

    def add(parent: EntityRef, items: list[SchemaField], prefix: str, nested: bool) -> None:
        for position, item in enumerate(items):
            path = f"{prefix}{item['name']}"
            ordinal = item.get("ordinal_position")
            values: dict[str, Any] = {f"{P}position": ordinal if ordinal is not None else position}
            if item.get("description") is not None:
                values[f"{P}description"] = item.get("description")
            if item.get("type") is not None:
                values[f"{C}TypeEmbeddedAttribute"] = {
                    "schemaTypeName": "PrimitiveSchemaType",
                    "dataType": item.get("type"),
                }
            column = _column(build, ident, path, item["name"], values)
            build.relationship("NestedSchemaAttribute" if nested else "AttributeForSchema", parent, column)
            children = item.get("fields")
            if children:
                add(column, children, f"{path}.", True)

    add(schema, fields, "", False)


def _column(
    build: _Builder, ident: DatasetId, path: str, display: str, values: dict[str, Any] | None = None
) -> EntityRef:
    identity = {
        f"{P}displayName": display,
        f"{A}{NS_KEY}": ident.namespace,
        f"{A}{NAME_KEY}": ident.name,
        f"{A}{FIELD_KEY}": path,
    }
    return build.entity(
        COLUMN_TYPE, f"{COLUMN_TYPE}::{ident.namespace}::{ident.name}::{path}", {**identity, **(values or {})}
    )


def _column_in(build: _Builder, ident: DatasetId, path: str) -> EntityRef:
    """A column named by column lineage: the column, its schema and asset, and their links
    (identity only: its type and position come from a schema facet, wherever that is seen)."""
    asset = _asset(build, ident)
    schema = _schema_ref(build, ident, asset)
    parts = path.split(".")
    parent, prefix = schema, ""
    for depth, part in enumerate(parts):
        column = _column(build, ident, prefix + part, part)
        build.relationship("NestedSchemaAttribute" if depth else "AttributeForSchema", parent, column)
        parent, prefix = column, f"{prefix}{part}."
    return parent


def _column_lineage(build: _Builder, ds: Dataset, canonical: Callable[[str, str], DatasetId]) -> None:
    facet = ds.facets.columnLineage if ds.facets else None
    if not isinstance(facet, ColumnLineageDatasetFacet):
        return
    target_ident = canonical(ds.namespace, ds.name)
    for column_name, lineage in sorted(facet.fields.items()):
        target = _column_in(build, target_ident, column_name)
        for source in lineage["inputFields"]:
            source_ident = canonical(source["namespace"], source["name"])
            src = _column_in(build, source_ident, source["field"])
            build.relationship("LineageMapping", src, target)
