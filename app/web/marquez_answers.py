"""The answers of Marquez's read API (`app.web.explorer`), as documented models.

Field names, types and meanings are those of Marquez's model classes (MarquezProject/marquez
at a89b89cad27f87c90dd964c40dae8dfb3f64031f, `api/src/main/java/marquez/`:
`service/models/Namespace.java`, `Job.java`, `JobData.java`, `Run.java`, `Dataset.java`,
`DatasetData.java`, `DatasetVersion.java`, `ColumnLineage.java`, `ColumnLineageInputField.java`,
`Node.java`, `Edge.java`, `Lineage.java`; `common/models/Field.java`, `DatasetId.java`,
`JobId.java`, `DatasetVersionId.java`, `JobVersionId.java`, `InputDatasetVersion.java`;
`db/models/ColumnLineageNodeData.java`, `InputFieldNodeData.java`; `api/models/SearchResult.java`;
the list wrappers of `api/*Resource.java`), as `agents.explorer.marquez` builds them. Optional
values are written as null. The fields this server adds to Marquez's are marked "Added:".

These models describe answers; the handlers answer plain dicts. Facets are open-ended (any
facet an OpenLineage producer sent), so they are objects of any members.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from app.web.api_doc import Described

Time = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""An instant as Marquez's Jackson writes one: ISO 8601, UTC, `Z` (`2026-03-01T02:00:00Z`)."""
Facets = Annotated[
    dict[str, Any],
    Field(
        description="Facets by name, each the latest value an OpenLineage event gave it (deleted ones left out)."
    ),
]
NODE_ID = "Added: this entity's node id in `GET /api/v1/lineage` and `/api/v1/column-lineage`."


class DatasetId(Described):
    """A dataset by namespace and name (Marquez `DatasetId`)."""

    namespace: str
    name: str


class JobId(Described):
    """A job by namespace and name (Marquez `JobId`)."""

    namespace: str
    name: str


# ------------------------------------------------------------------ namespaces


class Namespace(Described):
    """A namespace of jobs and datasets (Marquez `Namespace`), made from the events that name it."""

    name: str
    created_at: Time
    updated_at: Time
    owner_name: str = Field(
        description="`anonymous`, as Marquez names the owner of namespaces made by events."
    )
    description: str | None
    is_hidden: bool


class NamespaceList(Described):
    namespaces: list[Namespace]
    total_count: int = Field(ge=0)


# ------------------------------------------------------------------ runs


class DatasetVersionId(Described):
    """A dataset version (Marquez `DatasetVersionId`)."""

    namespace: str
    name: str
    version: str | None = Field(
        description="The version in force when the run read or wrote it (null: none yet)."
    )


class RunDatasetVersion(Described):
    """A dataset a run read or wrote (Marquez `InputDatasetVersion` / `OutputDatasetVersion`)."""

    dataset_version_id: DatasetVersionId
    facets: Facets


class JobVersionId(Described):
    """The job version of a run (Marquez `JobVersionId`): one per distinct set of inputs and outputs."""

    namespace: str
    name: str
    version: str


class Transition(Described):
    """Added: one state change of a run."""

    event_type: str = Field(
        description="The OpenLineage eventType (START, RUNNING, COMPLETE, ABORT, FAIL, OTHER)."
    )
    transitioned_at: Time


RunState = Literal["NEW", "RUNNING", "COMPLETED", "ABORTED", "FAILED"]


class Run(Described):
    """A run (Marquez `Run`): the state of its latest transition, its start and end, what it
    read and wrote, its facets."""

    id: str = Field(description="The runId (a UUID).")
    created_at: Time
    updated_at: Time
    nominal_start_time: str | None
    nominal_end_time: str | None
    state: RunState
    started_at: Time | None
    ended_at: Time | None
    duration_ms: int | None
    args: dict[str, str]
    job_version: JobVersionId
    input_dataset_versions: list[RunDatasetVersion]
    output_dataset_versions: list[RunDatasetVersion]
    facets: Facets
    transitions: list[Transition] | None = Field(
        default=None,
        description="Added: the run's state changes, newest first (on `GET .../runs` and "
        "`GET /api/v1/jobs/runs/{id}`; not on a job's `latestRun(s)` or a version's `createdByRun`).",
    )


class RunList(Described):
    runs: list[Run]
    total_count: int = Field(ge=0)


# ------------------------------------------------------------------ jobs

JobType = Literal["BATCH", "STREAM", "SERVICE"]


class Job(Described):
    """A job (Marquez `Job`): its inputs and outputs of its latest run that names any, and its
    latest runs."""

    id: JobId
    type: JobType
    name: str
    simple_name: str
    parent_job_name: str | None
    parent_job_uuid: str | None
    created_at: Time
    updated_at: Time
    namespace: str
    inputs: list[DatasetId]
    outputs: list[DatasetId]
    location: str | None
    description: str | None
    latest_run: Run | None
    latest_runs: list[Run] = Field(description="The newest runs (at most 10), newest first.")
    facets: Facets
    current_version: str | None
    labels: list[str]
    tags: list[str]
    node_id: str = Field(description=NODE_ID)
    processing_type: str | None = Field(description="Added: the jobType facet's processingType, as sent.")
    integration: str | None = Field(description="Added: the jobType facet's integration.")
    parent_job: JobId | None = Field(description="Added: the parent job (ParentRunFacet).")


class JobList(Described):
    jobs: list[Job]
    total_count: int = Field(ge=0)


# ------------------------------------------------------------------ datasets


class DatasetField(Described):
    """A column of a dataset's schema (Marquez `Field`)."""

    name: str
    type: str | None
    tags: list[str]
    description: str | None
    node_id: str = Field(description=NODE_ID)
    fields: list[dict[str, Any]] | None = Field(
        default=None, description="Added: nested fields, as the schema facet gives them (when it has any)."
    )


class Transformation(Described):
    """Added: how a column derives from an input column (the columnLineage facet's
    transformation: type DIRECT or INDIRECT, subtype IDENTITY, TRANSFORMATION, AGGREGATION,
    FILTER, JOIN, ...; masking when the value is masked), members as the producer sent them."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    type: str
    subtype: str | None = None
    description: str | None = None
    masking: bool | None = None


class ColumnLineageInputField(Described):
    """An input column of a dataset's column (Marquez `ColumnLineageInputField`)."""

    namespace: str
    dataset: str
    field: str
    transformation_description: str | None
    transformation_type: str | None
    transformations: list[Transformation] = Field(description="Added: every transformation, as sent.")


class ColumnLineage(Described):
    """One output column and the input columns it derives from (Marquez `ColumnLineage`)."""

    name: str
    input_fields: list[ColumnLineageInputField]
    transformation_description: str | None
    transformation_type: str | None


DatasetType = Literal["DB_TABLE", "STREAM"]


class Dataset(Described):
    """A dataset (Marquez `Dataset`, `DbTable` or `Stream`): a Kafka topic is a STREAM,
    anything else a DB_TABLE."""

    id: DatasetId
    type: DatasetType
    name: str
    physical_name: str
    created_at: Time
    updated_at: Time
    namespace: str
    source_name: str = Field(description="The dataSource facet's name, else `default` (as Marquez).")
    fields: list[DatasetField]
    tags: list[str]
    last_modified_at: Time | None
    last_lifecycle_state: str | None
    description: str | None
    current_version: str | None
    column_lineage: list[ColumnLineage] | None
    facets: Facets
    deleted: bool
    node_id: str = Field(description=NODE_ID)
    aliases: list[DatasetId] = Field(description="Added: the dataset's other names (symlinks).")


class DatasetList(Described):
    datasets: list[Dataset]
    total_count: int = Field(ge=0)


class DatasetVersion(Described):
    """A version of a dataset (Marquez `DatasetVersion`): one per schema change, with the run
    that made it; a dataset seen before any schema starts with a version without fields."""

    id: DatasetId
    type: DatasetType
    name: str
    physical_name: str
    created_at: Time
    version: str
    namespace: str
    source_name: str
    fields: list[DatasetField]
    tags: list[str]
    lifecycle_state: str | None
    description: str | None
    current_schema_version: str | None
    created_by_run: Run | None
    facets: Facets


class DatasetVersionList(Described):
    versions: list[DatasetVersion]
    total_count: int = Field(ge=0)


# ------------------------------------------------------------------ search and events


class SearchResult(Described):
    """One match (Marquez `SearchResult`). Added: the types NAMESPACE and DATASET_FIELD (only
    with `filter=namespace`, `field`, `column` or `all`), and a column's `dataset` and `field`."""

    type: Literal["DATASET", "JOB", "NAMESPACE", "DATASET_FIELD"]
    name: str
    updated_at: Time | None
    namespace: str
    node_id: str | None = Field(description="The node id (null for a namespace).")
    dataset: str | None = Field(default=None, description="Added, on DATASET_FIELD: the column's dataset.")
    field: str | None = Field(default=None, description="Added, on DATASET_FIELD: the column's path.")


class SearchResults(Described):
    total_count: int = Field(ge=0, description="Every match, not only this page's.")
    results: list[SearchResult]
    truncated: bool | None = Field(
        default=None, description="Added: true when the query read its 5,000 index entries and stopped."
    )


class LineageEvents(Described):
    """OpenLineage events as received (Marquez's `Events` of `GET /api/v1/events/lineage`)."""

    events: list[dict[str, Any]] = Field(
        description="RunEvents, JobEvents and DatasetEvents (https://openlineage.io/spec/2-0-2/OpenLineage.json)."
    )
    total_count: int = Field(
        ge=0, description="The events between `after` and `before`, not only this page's."
    )


# ------------------------------------------------------------------ lineage graphs


class Edge(Described):
    origin: str
    destination: str


class InputFieldNodeData(Described):
    """An input column of a column-lineage node (Marquez `InputFieldNodeData`)."""

    namespace: str
    dataset: str
    dataset_version: str | None = Field(description="Always null: versioned node ids are refused.")
    field: str
    transformation_description: str | None
    transformation_type: str | None
    transformations: list[Transformation] = Field(description="Added: every transformation, as sent.")


class ColumnLineageNodeData(Described):
    """A column of Marquez's column-lineage graph (Marquez `ColumnLineageNodeData`)."""

    namespace: str
    dataset: str
    dataset_version: str | None = Field(description="Always null: versioned node ids are refused.")
    field: str
    field_type: str | None = Field(description="The column's type; an empty string on an input-only column.")
    transformation_description: str | None
    transformation_type: str | None
    input_fields: list[InputFieldNodeData]


class ColumnLineageNode(Described):
    """A column and its edges: `inEdges` from it to its inputs, `outEdges` from it to the
    columns it feeds (as Marquez's `ColumnLineageService.toLineage` draws them)."""

    id: str = Field(examples=["datasetField:postgres://db:5432:shop.marts.customers:revenue"])
    type: Literal["DATASET_FIELD"]
    data: ColumnLineageNodeData
    in_edges: list[Edge]
    out_edges: list[Edge]


class ColumnLineageGraph(Described):
    """Marquez's column-lineage graph (`GET /api/v1/column-lineage`, Marquez `Lineage`)."""

    graph: list[ColumnLineageNode]


class _MergedData(Described):
    """Node data merged from both read models: Marquez's fields from the OpenLineage read
    model, Egeria's from the cohort's lineage graph; either may be absent."""

    namespace: str
    name: str
    guids: list[str] | None = Field(default=None, description="Added: the cohort's entities for this node.")
    type_name: str | None = Field(default=None, description="Added: their open metadata type.")
    qualified_name: str | None = Field(default=None, description="Added: their qualifiedName.")
    home_metadata_collection_ids: list[str] | None = Field(
        default=None, description="Added: the metadata collections that own them."
    )
    owner: str | None = Field(default=None, description="Added: their Ownership classification's owner.")


class LineageJobData(_MergedData):
    """A job node's data (Marquez `JobData`, plus what the cohort knows)."""

    id: JobId
    type: JobType | None = None
    simple_name: str | None = None
    parent_job_name: str | None = None
    parent_job_uuid: str | None = None
    current_run_uuid: str | None = Field(default=None, description="The latest run (then, with `asOf`).")
    created_at: Time | None = None
    updated_at: Time | None = None
    inputs: list[DatasetId] = Field(description="Its inputs in this graph's sources (then, with `asOf`).")
    outputs: list[DatasetId]
    location: str | None = None
    description: str | None = None
    latest_run: Run | None = None
    facets: Facets | None = None
    current_version: str | None = None
    labels: list[str] | None = None
    tags: list[str] | None = None
    node_id: str | None = None
    processing_type: str | None = None
    integration: str | None = None
    parent_job: JobId | None = None
    sql: str | None = Field(default=None, description="Added: the cohort process's formula.")
    child_jobs: list[JobId] | None = Field(default=None, description="Added: the cohort's child processes.")


class LineageDatasetData(_MergedData):
    """A dataset node's data (Marquez `DatasetData`, plus what the cohort knows)."""

    id: DatasetId
    type: DatasetType | None = None
    physical_name: str | None = None
    created_at: Time | None = None
    updated_at: Time | None = None
    source_name: str | None = None
    fields: list[DatasetField] | None = None
    tags: list[str] | None = None
    last_modified_at: Time | None = None
    last_lifecycle_state: str | None = None
    description: str | None = None
    current_version: str | None = None
    facets: Facets | None = None
    deleted: bool | None = None
    node_id: str | None = None
    aliases: list[DatasetId] | None = None
    symlinks: list[str] | None = Field(
        default=None, description="Added: the cohort's other names of it, `{namespace}:{name}`."
    )


class LineageFieldInput(Described):
    """An input column of a column node."""

    namespace: str
    dataset: str
    field: str
    transformations: list[Transformation]


class LineageFieldData(Described):
    """A column node's data."""

    namespace: str
    dataset: str
    field: str
    field_type: str | None
    description: str | None
    input_fields: list[LineageFieldInput]


class _GraphNode(Described):
    id: str
    in_edges: list[Edge]
    out_edges: list[Edge]


class LineageJobNode(_GraphNode):
    id: str = Field(examples=["job:warehouse-etl:marts.customer_revenue"])
    type: Literal["JOB"]
    data: LineageJobData


class LineageDatasetNode(_GraphNode):
    id: str = Field(examples=["dataset:postgres://db:5432:shop.marts.customers"])
    type: Literal["DATASET"]
    data: LineageDatasetData


class LineageFieldNode(_GraphNode):
    id: str = Field(examples=["datasetField:postgres://db:5432:shop.marts.customers:revenue"])
    type: Literal["DATASET_FIELD"]
    data: LineageFieldData


LineageNode = Annotated[LineageJobNode | LineageDatasetNode | LineageFieldNode, Field(discriminator="type")]


class GraphAnswer(Described):
    """The lineage graph around a node (Marquez's `GET /api/v1/lineage` shape): its id, kind,
    what is known of it (`data`) and its edges within the answer."""

    graph: list[LineageNode]
