"""PURE: Marquez's JSON shapes, built from the read model's stored records.

Field names and meanings follow Marquez's model classes (MarquezProject/marquez, commit
a89b89cad27f87c90dd964c40dae8dfb3f64031f): `api/src/main/java/marquez/service/models/`
`Namespace.java`, `Job.java`, `Run.java`, `Dataset.java` (+ `DbTable.java`),
`DatasetVersion.java`, `ColumnLineage.java`, `ColumnLineageInputField.java`;
`api/src/main/java/marquez/common/models/` `Field.java`, `RunState.java`, `JobType.java`,
`InputDatasetVersion.java`, `OutputDatasetVersion.java`; `api/src/main/java/marquez/api/models/SearchResult.java`;
and `spec/openapi.yml`. Marquez writes Instants as ISO 8601 (`WRITE_DATES_AS_TIMESTAMPS`
disabled, `common/Utils.java`); optional values here are written as null.

Where Marquez's shape cannot hold what this server knows, fields are added, never taken
away: `nodeId` on jobs, datasets and fields; `processingType` / `integration` on jobs;
`aliases` on datasets; `transitions` on runs; `transformations` (type, subtype, description,
masking) on column-lineage input fields.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from agents.explorer.keys import iso, millis_between

NAMESPACE_OWNER = "anonymous"
"""The owner Marquez gives namespaces created from OpenLineage events (`OpenLineageDao.DEFAULT_NAMESPACE_OWNER`)."""
DEFAULT_SOURCE = "default"
"""The source name Marquez gives datasets without a dataSource facet (`OpenLineageDao.DEFAULT_SOURCE_NAME`)."""

IDS = uuid.UUID("6c1b0f0e-3f5e-5a52-9d27-0e4c7b7d2a11")
"""uuid5 namespace of the version ids this read model mints: never change it."""

RUN_STATE = {
    "START": "RUNNING",
    "RUNNING": "RUNNING",
    "COMPLETE": "COMPLETED",
    "ABORT": "ABORTED",
    "FAIL": "FAILED",
}
"""OpenLineage event type to Marquez RunState (`RunState.forType`)."""
TERMINAL = frozenset({"COMPLETE", "ABORT", "FAIL"})
JOB_TYPE = {"BATCH": "BATCH", "STREAMING": "STREAM", "STREAM": "STREAM", "SERVICE": "SERVICE"}


def node_id(kind: str, namespace: str, name: str, field: str | None = None) -> str:
    """Marquez's node id: `dataset:{ns}:{name}`, `job:{ns}:{name}`, `datasetField:{ns}:{name}:{field}`."""
    if field is not None:
        return f"datasetField:{namespace}:{name}:{field}"
    return f"{kind}:{namespace}:{name}"


@lru_cache(maxsize=1 << 14)
def mint(*parts: str) -> str:
    """A uuid5 of the parts (remembered: a job's version is minted again for each of its runs)."""
    return str(uuid.uuid5(IDS, "\n".join(parts)))


def live_facets(stored: dict[str, list[Any]] | None) -> dict[str, Any]:
    """The latest value of each facet, facets deleted by their producer left out."""
    out: dict[str, Any] = {}
    for name, (_, value) in sorted((stored or {}).items()):
        if isinstance(value, dict) and value.get("_deleted"):
            continue
        out[name] = value
    return out


def dataset_type(namespace: str) -> str:
    """Marquez's DatasetType: a Kafka topic is a STREAM, anything else a DB_TABLE."""
    return "STREAM" if namespace.split("://", 1)[0].lower() == "kafka" else "DB_TABLE"


def facet(facets: dict[str, Any], name: str) -> dict[str, Any]:
    """One facet as a dict ({} when absent or not an object)."""
    found = facets.get(name)
    return found if isinstance(found, dict) else {}


def namespace(name: str, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "createdAt": iso(record["createdAt"]),
        "updatedAt": iso(record["updatedAt"]),
        "ownerName": NAMESPACE_OWNER,
        "description": None,
        "isHidden": False,
    }


def fields(schema: list[dict[str, Any]] | None, ns: str, name: str) -> list[dict[str, Any]]:
    """Marquez `Field`s of a schema facet's fields (nested fields kept under `fields`)."""
    out = []
    for f in schema or []:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            continue
        item: dict[str, Any] = {
            "name": f["name"],
            "type": f.get("type"),
            "tags": [],
            "description": f.get("description"),
            "nodeId": node_id("datasetField", ns, name, f["name"]),
        }
        if f.get("fields"):
            item["fields"] = f["fields"]
        out.append(item)
    return out


def dataset(
    ns: str,
    name: str,
    record: dict[str, Any],
    *,
    current_version: str | None,
    column_lineage: list[dict[str, Any]] | None,
    aliases: list[dict[str, str]],
) -> dict[str, Any]:
    facets = live_facets(record.get("facets"))
    schema = facet(facets, "schema").get("fields")
    source = facet(facets, "dataSource")
    documentation = facet(facets, "documentation")
    lifecycle = facet(facets, "lifecycleStateChange")
    state = lifecycle.get("lifecycleStateChange")
    return {
        "id": {"namespace": ns, "name": name},
        "type": dataset_type(ns),
        "name": name,
        "physicalName": name,
        "createdAt": iso(record["createdAt"]),
        "updatedAt": iso(record["updatedAt"]),
        "namespace": ns,
        "sourceName": source.get("name") or DEFAULT_SOURCE,
        "fields": fields(schema, ns, name),
        "tags": [],
        "lastModifiedAt": iso(record.get("lastModifiedAt")),
        "lastLifecycleState": state,
        "description": documentation.get("description"),
        "currentVersion": current_version,
        "columnLineage": column_lineage,
        "facets": facets,
        "deleted": str(state or "").upper() == "DROP",
        "nodeId": node_id("dataset", ns, name),
        "aliases": aliases,
    }


def run(
    run_id: str,
    record: dict[str, Any],
    *,
    inputs: list[Any],
    outputs: list[Any],
    transitions: list[Any] | None,
) -> dict[str, Any]:
    """Marquez `Run`: the state of its latest transition; started at the first START of the
    attempt that transition belongs to (a run re-run under one runId starts again after each
    end; several STARTs of one attempt do not move its start); ended, with a duration, only
    when that transition ends the run."""
    state_sk, state_type = record["state"] if record.get("state") else (None, None)
    state_time = state_sk.split("|", 1)[0] if state_sk else None
    last_end = max((e for e in record.get("ends") or [] if state_time and e < state_time), default=None)
    started = min(
        (
            s
            for s in record.get("starts") or []
            if (state_time is None or s <= state_time) and (last_end is None or s > last_end)
        ),
        default=None,
    )
    ended = state_time if state_type in TERMINAL else None
    facets = live_facets(record.get("facets"))
    nominal = facet(facets, "nominalTime")
    job_ns, job_name = record["job"][1], record["job"][2]
    answer = {
        "id": run_id,
        "createdAt": iso(record["createdAt"]),
        "updatedAt": iso(record["updatedAt"]),
        "nominalStartTime": nominal.get("nominalStartTime"),
        "nominalEndTime": nominal.get("nominalEndTime"),
        "state": RUN_STATE.get(state_type or "", "NEW"),
        "startedAt": iso(started),
        "endedAt": iso(ended),
        "durationMs": millis_between(started, ended) if started and ended else None,
        "args": {},
        "jobVersion": {
            "namespace": job_ns,
            "name": job_name,
            "version": record.get("jobVersion") or job_version(job_ns, job_name, record),
        },
        "inputDatasetVersions": inputs,
        "outputDatasetVersions": outputs,
        "facets": facets,
    }
    if transitions is not None:
        answer["transitions"] = transitions
    return answer


def job_version(ns: str, name: str, record: dict[str, Any]) -> str:
    """The job version of a run: one per distinct set of inputs and outputs of the job."""
    io = {
        side: [n.split("\x00", 1) for n in record.get(key) or {}]
        for side, key in (("in", "inputs"), ("out", "outputs"))
    }
    return io_version(ns, name, io)


def io_version(ns: str, name: str, io: dict[str, list[list[str]]] | None) -> str:
    """A job version id: one per distinct set of inputs and outputs."""
    ins = sorted(f"{a}\x00{b}" for a, b in (io or {}).get("in", []))
    outs = sorted(f"{a}\x00{b}" for a, b in (io or {}).get("out", []))
    return mint("job", ns, name, *ins, "->", *outs)


def job(
    ns: str,
    name: str,
    record: dict[str, Any],
    *,
    io: dict[str, list[list[str]]] | None,
    latest_runs: list[dict[str, Any]],
) -> dict[str, Any]:
    facets = live_facets(record.get("facets"))
    job_type = facet(facets, "jobType")
    documentation = facet(facets, "documentation")
    location = facet(facets, "sourceCodeLocation")
    held_parent = record.get("parent")
    parent: dict[str, Any] | None = held_parent[1] if held_parent else None
    processing = job_type.get("processingType")
    inputs = [{"namespace": a, "name": b} for a, b in (io or {}).get("in", [])]
    outputs = [{"namespace": a, "name": b} for a, b in (io or {}).get("out", [])]
    simple = name
    if parent and name.startswith(parent["name"] + ".") and parent["namespace"] == ns:
        simple = name[len(parent["name"]) + 1 :]
    return {
        "id": {"namespace": ns, "name": name},
        "type": JOB_TYPE.get(str(processing or "BATCH").upper(), "BATCH"),
        "name": name,
        "simpleName": simple,
        "parentJobName": parent["name"] if parent else None,
        "parentJobUuid": parent.get("uuid") or mint("job", parent["namespace"], parent["name"])
        if parent
        else None,
        "createdAt": iso(record["createdAt"]),
        "updatedAt": iso(record["updatedAt"]),
        "namespace": ns,
        "inputs": inputs,
        "outputs": outputs,
        "location": location.get("url"),
        "description": documentation.get("description"),
        "latestRun": latest_runs[0] if latest_runs else None,
        "latestRuns": latest_runs,
        "facets": facets,
        "currentVersion": (
            record.get("currentVersion") if io == record.get("io") else io_version(ns, name, io)
        )
        if io
        else None,
        "labels": [],
        "tags": [],
        "nodeId": node_id("job", ns, name),
        "processingType": processing,
        "integration": job_type.get("integration"),
        "parentJob": {"namespace": parent["namespace"], "name": parent["name"]} if parent else None,
    }


def dataset_version(
    ns: str,
    name: str,
    *,
    version: str,
    created_at: str,
    schema: list[dict[str, Any]] | None,
    schema_digest: str | None,
    created_by_run: dict[str, Any] | None,
    record: dict[str, Any],
) -> dict[str, Any]:
    facets = live_facets(record.get("facets"))
    source = facet(facets, "dataSource")
    documentation = facet(facets, "documentation")
    return {
        "id": {"namespace": ns, "name": name},
        "type": dataset_type(ns),
        "name": name,
        "physicalName": name,
        "createdAt": iso(created_at),
        "version": version,
        "namespace": ns,
        "sourceName": source.get("name") or DEFAULT_SOURCE,
        "fields": fields(schema, ns, name),
        "tags": [],
        "lifecycleState": None,
        "description": documentation.get("description"),
        "currentSchemaVersion": str(uuid.UUID(schema_digest)) if schema_digest else None,
        "createdByRun": created_by_run,
        "facets": {"schema": {"fields": schema}} if schema is not None else {},
    }


def column_input(
    found: dict[str, Any], ns: str, dataset_name: str, field: str, version: str | None
) -> dict[str, Any]:
    """One input field of a column, Marquez's `InputFieldNodeData` plus `transformations`."""
    return {
        "namespace": ns,
        "dataset": dataset_name,
        "datasetVersion": version,
        "field": field,
        "transformationDescription": found.get("transformationDescription") or _description(found),
        "transformationType": found.get("transformationType") or _type(found),
        "transformations": found.get("transformations") or [],
    }


def _type(found: dict[str, Any]) -> str | None:
    kinds = [
        t.get("subtype") or t.get("type") for t in found.get("transformations") or [] if isinstance(t, dict)
    ]
    return kinds[0] if kinds else None


def _description(found: dict[str, Any]) -> str | None:
    texts = [t.get("description") for t in found.get("transformations") or [] if isinstance(t, dict)]
    return next((t for t in texts if t), None)


def search_result(
    kind: str, namespace_name: str, name: str, field: str | None, updated_at: str | None
) -> dict[str, Any]:
    """Marquez `SearchResult` (type, name, updatedAt, namespace, nodeId); namespaces and
    columns add the types NAMESPACE and DATASET_FIELD (and a field's `dataset` and `field`)."""
    if kind == "namespace":
        return {
            "type": "NAMESPACE",
            "name": namespace_name,
            "updatedAt": iso(updated_at),
            "namespace": namespace_name,
            "nodeId": None,
        }
    if kind == "field":
        assert field is not None
        return {
            "type": "DATASET_FIELD",
            "name": field,
            "updatedAt": iso(updated_at),
            "namespace": namespace_name,
            "nodeId": node_id("datasetField", namespace_name, name, field),
            "dataset": name,
            "field": field,
        }
    return {
        "type": "JOB" if kind == "job" else "DATASET",
        "name": name,
        "updatedAt": iso(updated_at),
        "namespace": namespace_name,
        "nodeId": node_id(kind, namespace_name, name),
    }
