"""PURE: fold one OpenLineage event into the read model kept in a KeyValue store.

`apply(kv, event)` takes a RunEvent, JobEvent or DatasetEvent (bytes, text, a dict, or a
parsed `schemas.openlineage` event) and updates namespaces, jobs, runs, datasets, dataset
versions, lineage edges and their validity in time, column lineage, the search index and the
raw events (key layout in `agents.explorer.layout`).

Order does not matter. Every stored value is a function of the *set* of events applied so
far, not of their order: the same events read in any order, any number of times, leave the
same bytes in the store. How:

- an event is named by the digest of its canonical JSON; one already stored is a no-op;
- a value chosen among events is the one with the greatest sort key (time, run-state rank,
  digest) or the least time (first seen): both are the same whichever event came first;
- sets (a run's inputs, a dataset's aliases, column-lineage edges) only grow;
- what depends on the order of events in *time* (a run's state, a job's inputs and outputs
  from one run to the next, dataset versions) is kept as a sorted index and each change
  recomputes only its neighbours in time: a COMPLETE read before its START, or a run
  replayed late, lands where its time puts it.

Lineage edges: from a time on, a job's inputs and outputs are those of its latest run that
names any (a run's are the union over its events; a JobEvent's are its own). An edge holds
over the intervals of time where that is so; a node's edges are one prefix scan, giving the
graph now (the edges whose last interval is open) and at any past time (asOf).

Datasets are named as the cataloguer names them: a dataset with a TABLE symlink is that
table (the smallest, as `agents.catalogue.mapping.canonical_identity`), its other names are
aliases; so this graph and the cohort's agree on node ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from agents.explorer import intervals, layout, search
from agents.explorer.keys import canonical, digest, key, normal_time, parts, sort_key
from agents.explorer.marquez import io_version, job_version, mint
from runtime.kv import KeyValue
from schemas.openlineage import (
    BaseEvent,
    DatasetEvent,
    JobEvent,
    OpenLineageEvent,
    RunEvent,
    event_dict,
    parse_event,
)

Node = tuple[str, str, str]
DatasetId = tuple[str, str]

RANK = {"START": 0, "RUNNING": 1, "OTHER": 2, "COMPLETE": 3, "ABORT": 3, "FAIL": 3}
STATE_TYPES = frozenset({"START", "RUNNING", "COMPLETE", "ABORT", "FAIL"})
TERMINAL_TYPES = frozenset({"COMPLETE", "ABORT", "FAIL"})
SEP = "\x00"
"""Separates namespace and name in the JSON keys of a run's inputs and outputs."""


def apply(kv: KeyValue, event: OpenLineageEvent | bytes | str | dict[str, Any]) -> bool:
    """Fold one valid OpenLineage event in; False when it was already there (nothing changes).

    One event makes several writes: give it a store whose writes for one call land together
    (a write batch that reads its own writes), or a crash between them can leave counts off.
    An invalid event raises `schemas.errors.EventValidationError` and changes nothing."""
    parsed = event if isinstance(event, BaseEvent) else parse_event(event)
    return _Fold(kv, parsed).run()


# --------------------------------------------------------------------------- small helpers


def load(kv: KeyValue, k: bytes) -> Any:
    raw = kv.get(k)
    return None if raw is None else _loads(raw)


def _loads(raw: bytes) -> Any:
    return orjson.loads(raw)


def save(kv: KeyValue, k: bytes, value: Any) -> None:
    """Write a value unless the store already holds exactly it."""
    data = canonical(value)
    if kv.get(k) != data:
        kv.put(k, data)


def bump(kv: KeyValue, k: bytes, delta: int = 1) -> None:
    held = kv.get(k)
    count = (int(held) if held else 0) + delta
    if count:
        kv.put(k, str(count).encode())
    else:
        kv.delete(k)


def count(kv: KeyValue, k: bytes) -> int:
    held = kv.get(k)
    return int(held) if held else 0


def dataset_node(ident: DatasetId) -> Node:
    return (layout.DATASET_KIND, ident[0], ident[1])


def job_node(ident: DatasetId) -> Node:
    return (layout.JOB_KIND, ident[0], ident[1])


def joined(ident: DatasetId) -> str:
    return f"{ident[0]}{SEP}{ident[1]}"


def split(text: str) -> DatasetId:
    ns, _, name = text.partition(SEP)
    return ns, name


def _covers(record: dict[str, Any], time: str) -> bool:
    """Whether a record of only `createdAt` and `updatedAt` already spans `time` (then
    folding `time` in leaves it as it is)."""
    created, updated = record.get("createdAt"), record.get("updatedAt")
    return len(record) == 2 and created is not None and updated is not None and created <= time <= updated


def _earlier(a: str | None, b: str) -> str:
    return b if a is None or b < a else a


def _later(a: str | None, b: str) -> str:
    return b if a is None or b > a else a


def merge_latest(
    held: dict[str, list[Any]] | None, incoming: dict[str, Any] | None, sk: str
) -> dict[str, Any]:
    """Each key keeps the value with the greatest sort key: `{key: [sort key, value]}`."""
    out = dict(held or {})
    for name, value in (incoming or {}).items():
        current = out.get(name)
        if current is None or current[0] < sk:
            out[name] = [sk, value]
    return out


def schema_fields(facets: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """The fields of a schema facet, None when there is none (or it was deleted)."""
    facet = (facets or {}).get("schema")
    if not isinstance(facet, dict) or facet.get("_deleted"):
        return None
    fields = facet.get("fields")
    return fields if isinstance(fields, list) else []


def canonical_identity(dataset: dict[str, Any]) -> DatasetId:
    """The smallest TABLE symlink of a dataset, else its own name (the cataloguer's rule)."""
    tables = sorted(
        (i["namespace"], i["name"]) for i in _symlinks(dataset) if str(i.get("type") or "").upper() == "TABLE"
    )
    return tables[0] if tables else (dataset["namespace"], dataset["name"])


def _symlinks(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    facet = (dataset.get("facets") or {}).get("symlinks")
    if not isinstance(facet, dict) or facet.get("_deleted"):
        return []
    return [i for i in facet.get("identifiers") or [] if isinstance(i, dict)]


def _io_edges(job: DatasetId, io: dict[str, list[list[str]]] | None) -> set[tuple[Node, Node]]:
    if not io:
        return set()
    me = job_node(job)
    edges = {(dataset_node((ns, name)), me) for ns, name in io.get("in", [])}
    edges |= {(me, dataset_node((ns, name))) for ns, name in io.get("out", [])}
    return edges


# --------------------------------------------------------------------------- the fold


class _Fold:
    def __init__(self, kv: KeyValue, event: OpenLineageEvent) -> None:
        self.kv = kv
        self.event = event
        self.doc = event_dict(event)
        self.raw = canonical(self.doc)
        self.digest = digest(self.raw)
        self.time = normal_time(event.eventTime)
        self.type = event.eventType if isinstance(event, RunEvent) else None
        self.sk = sort_key(self.time, RANK.get(self.type or "OTHER", 2), self.digest)
        self.aliases: dict[DatasetId, DatasetId] = {}
        self.namespaces: set[str] = set()
        self.job_records: dict[bytes, dict[str, Any]] = {}
        """The job records this event wrote, as written (not read and decoded again)."""
        self.last_io: dict[DatasetId, dict[str, Any] | None] = {}
        """The value of a job's last `jio/` entry (None: there is none), for the jobs where
        this event's snapshots tell it without a seek."""

    def run(self) -> bool:
        event_key = key(layout.EVENT, self.time, self.digest)
        if self.kv.get(event_key) is not None:
            return False
        if isinstance(self.event, RunEvent):
            self._run_event()
        elif isinstance(self.event, JobEvent):
            self._job_event()
        elif isinstance(self.event, DatasetEvent):
            self._dataset(self.doc["dataset"], "static")
        bump(self.kv, key(layout.EVENT_HOUR, self.time[:13]))
        self.kv.put(event_key, self.raw)  # last: an event cut short is folded again, not skipped
        return True

    # ------------------------------------------------------------------ events

    def _datasets(self) -> list[tuple[str, dict[str, Any]]]:
        found = [("input", d) for d in self.doc.get("inputs") or []]
        found += [("output", d) for d in self.doc.get("outputs") or []]
        for _, d in found:
            ident = canonical_identity(d)
            self.aliases[(d["namespace"], d["name"])] = ident
            for i in _symlinks(d):
                self.aliases.setdefault((i["namespace"], i["name"]), ident)
        return found

    def _run_event(self) -> None:
        job = (self.doc["job"]["namespace"], self.doc["job"]["name"])
        run_id = self.doc["run"]["runId"]
        run_facets = self.doc["run"].get("facets") or {}
        self._job(job, run_facets.get("parent"))
        datasets = self._datasets()
        touched: list[tuple[str, DatasetId, dict[str, Any]]] = []
        for role, d in datasets:
            ident = self._dataset(d, role, run_id, job)
            touched.append((role, ident, d))
        self._run(run_id, job, run_facets, touched)

    def _job_event(self) -> None:
        job = (self.doc["job"]["namespace"], self.doc["job"]["name"])
        self._job(job, None)
        io: dict[str, set[str]] = {"in": set(), "out": set()}
        for role, d in self._datasets():
            ident = self._dataset(d, role, None, job)
            io["in" if role == "input" else "out"].add(joined(ident))
        snapshot = _io_value(io)
        if snapshot is not None:
            self._snapshot(job, self.time, f"event:{self.digest}", snapshot)
            self._refresh_job(job)

    # ------------------------------------------------------------------ namespaces, jobs

    def _namespace(self, ns: str) -> None:
        if ns in self.namespaces:
            return
        self.namespaces.add(ns)
        k = key(layout.NAMESPACE, ns)
        held = load(self.kv, k)
        if held is not None and _covers(held, self.time):
            return
        if held is None:
            bump(self.kv, key(layout.COUNT, "ns"))
            search.index(self.kv, "namespace", ns, "")
            held = {}
        save(
            self.kv,
            k,
            {
                "createdAt": _earlier(held.get("createdAt"), self.time),
                "updatedAt": _later(held.get("updatedAt"), self.time),
            },
        )

    def _job(self, job: DatasetId, parent: Any) -> None:
        self._namespace(job[0])
        k = key(layout.JOB, *job)
        held = load(self.kv, k)
        if held is None:
            bump(self.kv, key(layout.COUNT, "jobs", job[0]))
            search.index(self.kv, "job", job[0], job[1])
            held = {}
        record = {
            "createdAt": _earlier(held.get("createdAt"), self.time),
            "updatedAt": _later(held.get("updatedAt"), self.time),
            "facets": merge_latest(held.get("facets"), self.doc["job"].get("facets"), self.sk),
            "parent": held.get("parent"),
            "latestRun": held.get("latestRun"),
            "io": held.get("io"),
            "currentVersion": held.get("currentVersion"),
        }
        if isinstance(parent, dict) and not parent.get("_deleted"):
            ref = {
                "namespace": parent["job"]["namespace"],
                "name": parent["job"]["name"],
                "runId": parent["run"]["runId"],
                "uuid": mint("job", parent["job"]["namespace"], parent["job"]["name"]),
            }
            if record["parent"] is None or record["parent"][0] < self.sk:
                record["parent"] = [self.sk, ref]
        save(self.kv, k, record)
        self.job_records[k] = record

    # ------------------------------------------------------------------ datasets

    def _dataset(
        self,
        d: dict[str, Any],
        role: str,
        run_id: str | None = None,
        job: DatasetId | None = None,
    ) -> DatasetId:
        ident = canonical_identity(d)
        own = (d["namespace"], d["name"])
        facets = d.get("facets") or {}
        self._namespace(ident[0])
        k = key(layout.DATASET, *ident)
        held = load(self.kv, k)
        fields = schema_fields(facets)
        if held is None:
            bump(self.kv, key(layout.COUNT, "datasets", ident[0]))
            search.index(self.kv, "dataset", *ident)
            held = {}
        writes = role == "output"
        seen: list[Any] = [
            self.time,
            self.digest,
            0 if writes or role == "static" else 1,
            run_id if writes else None,
        ]
        first: list[Any] = seen if held.get("first") is None or seen < held["first"] else held["first"]
        aliases = {(a[0], a[1]) for a in held.get("aliases") or []}
        for alias in [own, *((i["namespace"], i["name"]) for i in _symlinks(d))]:
            if alias != ident and alias not in aliases:
                aliases.add(alias)
                self.kv.put(key(layout.ALIAS, *alias, *ident), b"")
                search.index(self.kv, "dataset", *ident, label=alias[1])
        record = {
            "createdAt": _earlier(held.get("createdAt"), self.time),
            "updatedAt": _later(held.get("updatedAt"), self.time),
            "facets": merge_latest(held.get("facets"), facets, self.sk),
            "lastModifiedAt": held.get("lastModifiedAt"),
            "first": first,
            "initialVersion": held["initialVersion"]
            if first == held.get("first")
            else version_id(ident, str(first[0]), str(first[1]), "initial"),
            "currentVersion": held.get("currentVersion"),
            "aliases": sorted(list(a) for a in aliases),
        }
        if writes and self.type == "COMPLETE":
            record["lastModifiedAt"] = _later(held.get("lastModifiedAt"), self.time)
        save(self.kv, k, record)
        if held.get("initialVersion") != record["initialVersion"]:
            self.kv.put(key(layout.VERSION, *ident, "", ""), str(record["initialVersion"]).encode())
        for f in _flatten(fields or []):
            search.index(self.kv, "field", ident[0], ident[1], f)
        if fields is not None and role in ("output", "static"):
            self._observe(ident, fields, run_id, job)
        lineage = facets.get("columnLineage")
        if isinstance(lineage, dict) and not lineage.get("_deleted") and role in ("output", "static"):
            self._column_lineage(ident, lineage, run_id, job)
        return ident

    def _observe(
        self, ident: DatasetId, fields: list[dict[str, Any]], run_id: str | None, job: DatasetId | None
    ) -> None:
        """Record a schema seen on a dataset; keep `dsv/` marking where the schema changes."""
        scope = key(layout.OBSERVATION, *ident)
        k = scope + key(b"", self.time, self.digest)
        if self.kv.get(k) is not None:
            return
        schema = digest(canonical(fields))
        self.kv.put(
            k,
            canonical({"fields": fields, "schema": schema, "run": run_id, "job": list(job) if job else None}),
        )
        before = _neighbour(self.kv, scope, k, reverse=True)
        after = _neighbour(self.kv, scope, k, reverse=False)
        changed = self._mark_version(ident, k, before is None or load_schema(before[1]) != schema)
        if after is not None and self._mark_version(ident, after[0], load_schema(after[1]) != schema):
            changed = True
        if changed:  # the record's current version follows `dsv/`, which changes only here
            self._current_version(ident)

    def _current_version(self, ident: DatasetId) -> None:
        """Keep on the dataset's record the version its last `dsv/` entry starts."""
        current = None
        scope = key(layout.VERSION, *ident)
        for raw, value in self.kv.scan(scope, reverse=True):
            current = value.decode() if parts(raw[len(scope) :], b"")[0] else None
            break
        record_key = key(layout.DATASET, *ident)
        record = load(self.kv, record_key)
        if record.get("currentVersion") != current:
            record["currentVersion"] = current
            save(self.kv, record_key, record)

    def _mark_version(self, ident: DatasetId, observation_key: bytes, starts_version: bool) -> bool:
        """Make `dsv/` say whether this observation starts a version; whether that changed it."""
        suffix = observation_key[len(key(layout.OBSERVATION, *ident)) :]
        k = key(layout.VERSION, *ident) + suffix
        exists = self.kv.get(k) is not None
        if starts_version and not exists:
            self.kv.put(k, version_id(ident, *parts(suffix, b"")).encode())
            bump(self.kv, key(layout.COUNT, "versions", *ident))
            return True
        if exists and not starts_version:
            self.kv.delete(k)
            bump(self.kv, key(layout.COUNT, "versions", *ident), -1)
            return True
        return False

    def _column_lineage(
        self, output: DatasetId, facet: dict[str, Any], run_id: str | None, job: DatasetId | None
    ) -> None:
        for out_field, spec in (facet.get("fields") or {}).items():
            if not isinstance(spec, dict):
                continue
            search.index(self.kv, "field", output[0], output[1], out_field)
            for source in spec.get("inputFields") or []:
                src = self.aliases.get((source["namespace"], source["name"]), None) or (
                    source["namespace"],
                    source["name"],
                )
                k = key(layout.COLUMN, *output, out_field, *src, source["field"])
                held = load(self.kv, k)
                if held is not None and held["sk"] >= self.sk:
                    continue
                save(
                    self.kv,
                    k,
                    {
                        "sk": self.sk,
                        "time": self.time,
                        "transformations": source.get("transformations") or [],
                        "transformationDescription": spec.get("transformationDescription"),
                        "transformationType": spec.get("transformationType"),
                        "job": list(job) if job else None,
                        "run": run_id,
                    },
                )
                self.kv.put(key(layout.COLUMN_REVERSE, *src, source["field"], *output, out_field), b"")

    # ------------------------------------------------------------------ runs

    def _run(
        self,
        run_id: str,
        job: DatasetId,
        run_facets: dict[str, Any],
        touched: list[tuple[str, DatasetId, dict[str, Any]]],
    ) -> None:
        k = key(layout.RUN, run_id)
        held = load(self.kv, k)
        record = dict(held or {})
        if held is None or held["job"][0] < self.sk:
            record["job"] = [self.sk, job[0], job[1]]
        record["createdAt"] = _earlier(record.get("createdAt"), self.time)
        record["updatedAt"] = _later(record.get("updatedAt"), self.time)
        if self.type in STATE_TYPES and (record.get("state") is None or record["state"][0] < self.sk):
            record["state"] = [self.sk, self.type]
        record.setdefault("state", None)
        starts, ends = set(record.get("starts") or []), set(record.get("ends") or [])
        if self.type == "START":
            starts.add(self.time)
        if self.type in TERMINAL_TYPES:
            ends.add(self.time)
        record["starts"], record["ends"] = sorted(starts), sorted(ends)
        record["facets"] = merge_latest(record.get("facets"), run_facets, self.sk)
        for role, ident, d in touched:
            side = "inputs" if role == "input" else "outputs"
            entries = dict(record.get(side) or {})
            name = joined(ident)
            entry = dict(entries.get(name) or {})
            entry["at"] = _later(entry.get("at"), self.time)
            entry["facets"] = merge_latest(
                entry.get("facets"), d.get("inputFacets" if role == "input" else "outputFacets"), self.sk
            )
            entries[name] = entry
            record[side] = entries
        record.setdefault("inputs", {})
        record.setdefault("outputs", {})
        record["jobVersion"] = job_version(record["job"][1], record["job"][2], record)
        save(self.kv, k, record)
        self.kv.put(key(layout.TRANSITION, run_id, self.time, self.type or "OTHER", self.digest), b"")
        self._place(run_id, held, record)

    def _place(self, run_id: str, held: dict[str, Any] | None, record: dict[str, Any]) -> None:
        """Keep the run's entry in its job's run index and its inputs/outputs snapshot where
        its job and creation time put them."""
        new_job, new_at, new_io = _placement(record)
        if held is not None:
            old_job, old_at, old_io = _placement(held)
            if (old_job, old_at, old_io) == (new_job, new_at, new_io):
                return
            if (old_job, old_at) != (new_job, new_at):
                self.kv.delete(key(layout.JOB_RUN, *old_job, old_at, run_id))
                if old_io is not None:
                    self._snapshot(old_job, old_at, run_id, None)
                if old_job != new_job:
                    bump(self.kv, key(layout.COUNT, "runs", *old_job), -1)
                    bump(self.kv, key(layout.COUNT, "runs", *new_job))
        else:
            bump(self.kv, key(layout.COUNT, "runs", *new_job))
        self.kv.put(key(layout.JOB_RUN, *new_job, new_at, run_id), b"")
        self._snapshot(new_job, new_at, run_id, new_io)
        self._refresh_job(new_job)
        if held is not None and _placement(held)[0] != new_job:
            self._refresh_job(_placement(held)[0])

    def _refresh_job(self, job: DatasetId) -> None:
        """Keep on the job's record what its indexes say now: its latest run and its current
        inputs and outputs (the last entries of `jr/` and `jio/`), so answers need no seek."""
        latest = None
        for raw, _ in self.kv.scan(key(layout.JOB_RUN, *job), reverse=True):
            latest = parts(raw, layout.JOB_RUN)[3]
            break
        io = self.last_io[job] if job in self.last_io else self._last_io(job)
        record_key = key(layout.JOB, *job)
        record = self.job_records.get(record_key) or load(self.kv, record_key)
        if record.get("latestRun") != latest or record.get("io") != io:
            record["latestRun"], record["io"] = latest, io
            record["currentVersion"] = io_version(job[0], job[1], io) if io else None
            save(self.kv, record_key, record)
            self.job_records[record_key] = record

    def _last_io(self, job: DatasetId) -> dict[str, Any] | None:
        for _, value in self.kv.scan(key(layout.SNAPSHOT, *job), reverse=True):
            io: dict[str, Any] = _loads(value)
            return io
        return None

    # ------------------------------------------------------------------ lineage edges

    def _snapshot(self, job: DatasetId, at: str, snapshot_id: str, io: dict[str, Any] | None) -> None:
        """Set (or with None remove) the inputs/outputs a job has from `at` on, and move the
        validity of its edges over `[at, next snapshot)` from what held there to what holds now."""
        scope = key(layout.SNAPSHOT, *job)
        k = scope + key(b"", at, snapshot_id)
        held = load(self.kv, k)
        if held == io:
            return
        before = _neighbour(self.kv, scope, k, reverse=True)
        after = _neighbour(self.kv, scope, k, reverse=False)
        previous = _loads(before[1]) if before is not None else None
        until = parts(after[0][len(scope) :], b"")[0] if after is not None else None
        was = held if held is not None else previous
        now = io if io is not None else previous
        if io is None:
            self.kv.delete(k)
        else:
            save(self.kv, k, io)
        if after is None:  # `k` was or is the last snapshot: what holds from it on is `now`
            self.last_io[job] = now
        old_edges, new_edges = _io_edges(job, was), _io_edges(job, now)
        for a, b in sorted(old_edges - new_edges):
            self._edge(a, b, at, until, adding=False)
        for a, b in sorted(new_edges - old_edges):
            self._edge(a, b, at, until, adding=True)

    def _edge(self, a: Node, b: Node, start: str, end: str | None, *, adding: bool) -> None:
        out_key = key(layout.EDGE_HISTORY, *a, layout.OUT, *b)
        in_key = key(layout.EDGE_HISTORY, *b, layout.IN, *a)
        held = [tuple(i) for i in load(self.kv, out_key) or []]
        spans = intervals.add(held, start, end) if adding else intervals.subtract(held, start, end)
        if spans == held:
            return
        if spans:
            save(self.kv, out_key, spans)
            save(self.kv, in_key, spans)
        else:
            self.kv.delete(out_key)
            self.kv.delete(in_key)


def _placement(record: dict[str, Any]) -> tuple[DatasetId, str, dict[str, Any] | None]:
    job = (record["job"][1], record["job"][2])
    io = _io_value({"in": set(record.get("inputs") or {}), "out": set(record.get("outputs") or {})})
    return job, record["createdAt"], io


def _io_value(io: dict[str, set[str]]) -> dict[str, Any] | None:
    if not io["in"] and not io["out"]:
        return None
    return {side: sorted(list(split(n)) for n in io[side]) for side in ("in", "out")}


def _neighbour(kv: KeyValue, scope: bytes, k: bytes, *, reverse: bool) -> tuple[bytes, bytes] | None:
    """The entry of `scope` just before (or after) key `k`, `k` itself excluded."""
    for found, value in kv.scan(scope, start=k, reverse=reverse):
        if found != k:
            return found, value
    return None


def version_id(ident: DatasetId, *parts_: str) -> str:
    """The id of a dataset version: a uuid5 of the dataset and the observation that starts it."""
    return mint("dataset", ident[0], ident[1], *parts_)


def load_schema(raw: bytes) -> str:
    return str(_loads(raw)["schema"])


def _flatten(fields: Iterable[dict[str, Any]], prefix: str = "") -> list[str]:
    """Field paths of a schema, nested fields as `parent.child`."""
    out: list[str] = []
    for f in fields:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            continue
        path = f"{prefix}{f['name']}"
        out.append(path)
        out.extend(_flatten(f.get("fields") or [], f"{path}."))
    return out
