"""PURE: the questions the read model answers, in Marquez's shapes (`agents.explorer.marquez`).

Every answer is a few gets and prefix scans of `agents.explorer.layout`: lists are pages of
one prefix (skipping `offset` keys, reading `limit` records) with counts kept by the fold,
never a walk of the whole store.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson

from agents.explorer import layout, marquez
from agents.explorer.fold import count, load, split
from agents.explorer.keys import key, normal_time, parts, prefix_end
from agents.explorer.search import KINDS, Hit, matches
from runtime.kv import KeyValue

LATEST_RUNS = 10
"""Runs a job answer carries in `latestRuns` (Marquez: the last 10)."""
MAX_TRANSITIONS = 1000
REMEMBERED_VERSIONS = 256
"""Versions of one dataset a query keeps in memory (schema changes are few; past this, it seeks)."""
_MANY: list[tuple[str, str, str]] = []
"""Transitions a run answer lists (newest first): a streaming run may have many."""
SEARCH_KINDS = {
    None: frozenset({"job", "dataset"}),
    "dataset": frozenset({"dataset"}),
    "job": frozenset({"job"}),
    "namespace": frozenset({"namespace"}),
    "field": frozenset({"field"}),
    "column": frozenset({"field"}),
    "all": frozenset(KINDS),
}
"""Marquez's `filter` (`dataset`, `job`; none means both), plus `namespace`, `field` and `all`."""


@dataclass(frozen=True)
class Page:
    """Paging of a list answer."""

    limit: int = 100
    offset: int = 0


def _page(entries: Iterator[tuple[bytes, bytes]], page: Page) -> list[tuple[bytes, bytes]]:
    return list(islice(entries, page.offset, page.offset + page.limit))


class ReadModel:
    """Queries over one read-model store (the KeyValue `agents.explorer.fold.apply` fills)."""

    def __init__(self, kv: KeyValue, *, remember: bool = False) -> None:
        self.kv = kv
        self._versions: dict[tuple[str, str], list[tuple[str, str, str]]] | None = {} if remember else None

    def remembering(self) -> ReadModel:
        """A view of the same store that remembers the dataset versions it looked up: for the
        length of one query (a lineage graph asks for the same inputs' versions many times)."""
        return ReadModel(self.kv, remember=True)

    # ------------------------------------------------------------------ namespaces

    def namespaces(self, page: Page) -> dict[str, Any]:
        found = []
        for raw, value in _page(self.kv.scan(layout.NAMESPACE), page):
            found.append(marquez.namespace(parts(raw, layout.NAMESPACE)[0], orjson.loads(value)))
        return {"namespaces": found, "totalCount": count(self.kv, key(layout.COUNT, "ns"))}

    def namespace(self, name: str) -> dict[str, Any] | None:
        record = load(self.kv, key(layout.NAMESPACE, name))
        return None if record is None else marquez.namespace(name, record)

    # ------------------------------------------------------------------ jobs and runs

    def jobs(self, ns: str, page: Page) -> dict[str, Any]:
        scope = key(layout.JOB, ns)
        found = []
        for raw, value in _page(self.kv.scan(scope), page):
            found.append(self._job(ns, parts(raw, layout.JOB)[1], orjson.loads(value)))
        return {"jobs": found, "totalCount": count(self.kv, key(layout.COUNT, "jobs", ns))}

    def job(self, ns: str, name: str) -> dict[str, Any] | None:
        record = load(self.kv, key(layout.JOB, ns, name))
        return None if record is None else self._job(ns, name, record)

    def _job(self, ns: str, name: str, record: dict[str, Any]) -> dict[str, Any]:
        run_ids = self._run_ids(ns, name, Page(LATEST_RUNS, 0)) if record.get("latestRun") else []
        latest = [r for r in (self.run(i, transitions=False) for i in run_ids) if r is not None]
        return marquez.job(ns, name, record, io=record.get("io"), latest_runs=latest)

    def job_data(
        self, ns: str, name: str, record: dict[str, Any], as_of: str | None = None
    ) -> dict[str, Any]:
        """A job as a lineage node (Marquez's `JobData`): its latest run then, no run list."""
        if as_of is None:
            run_ids = [record["latestRun"]] if record.get("latestRun") else []
            io = record.get("io")
        else:
            run_ids, io = self._run_ids(ns, name, Page(1, 0), as_of), self.job_io(ns, name, as_of)
        latest = self.run(run_ids[0], transitions=False) if run_ids else None
        data = marquez.job(ns, name, record, io=io, latest_runs=[latest] if latest else [])
        del data["latestRuns"]
        data["currentRunUuid"] = latest["id"] if latest else None
        return data

    def dataset_data(self, ns: str, name: str, record: dict[str, Any]) -> dict[str, Any]:
        """A dataset as a lineage node (Marquez's `DatasetData`)."""
        data = marquez.dataset(
            ns,
            name,
            record,
            current_version=record.get("currentVersion") or record["initialVersion"],
            column_lineage=None,
            aliases=_aliases(record),
        )
        del data["columnLineage"]
        return data

    def job_io(self, ns: str, name: str, as_of: str | None = None) -> dict[str, list[list[str]]] | None:
        """The inputs and outputs of a job now (or at `as_of`): its latest snapshot."""
        scope = key(layout.SNAPSHOT, ns, name)
        start = None if as_of is None else key(layout.SNAPSHOT, ns, name, as_of) + b"\xff"
        for _, value in self.kv.scan(scope, start=start, reverse=True):
            io: dict[str, list[list[str]]] = orjson.loads(value)
            return io
        return None

    def _run_ids(self, ns: str, job: str, page: Page, as_of: str | None = None) -> list[str]:
        scope = key(layout.JOB_RUN, ns, job)
        start = None if as_of is None else key(layout.JOB_RUN, ns, job, as_of) + b"\xff"
        return [
            parts(raw, layout.JOB_RUN)[3]
            for raw, _ in _page(self.kv.scan(scope, start=start, reverse=True), page)
        ]

    def runs(self, ns: str, job: str, page: Page) -> dict[str, Any]:
        found = [r for r in (self.run(i) for i in self._run_ids(ns, job, page)) if r is not None]
        return {"runs": found, "totalCount": count(self.kv, key(layout.COUNT, "runs", ns, job))}

    def run(self, run_id: str, *, transitions: bool = True) -> dict[str, Any] | None:
        record = load(self.kv, key(layout.RUN, run_id))
        if record is None:
            return None
        inputs = [self._run_dataset(name, entry) for name, entry in sorted(record["inputs"].items())]
        outputs = [self._run_dataset(name, entry) for name, entry in sorted(record["outputs"].items())]
        return marquez.run(
            run_id,
            record,
            inputs=inputs,
            outputs=outputs,
            transitions=self._transitions(run_id) if transitions else None,
        )

    def _run_dataset(self, joined: str, entry: dict[str, Any]) -> dict[str, Any]:
        ns, name = split(joined)
        version = self.version_at(ns, name, entry["at"])
        return {
            "datasetVersionId": {"namespace": ns, "name": name, "version": version},
            "facets": marquez.live_facets(entry.get("facets")),
        }

    def _transitions(self, run_id: str) -> list[dict[str, Any]]:
        out = []
        for raw, _ in islice(self.kv.scan(key(layout.TRANSITION, run_id), reverse=True), MAX_TRANSITIONS):
            _, time, event_type, _ = parts(raw, layout.TRANSITION)
            out.append({"eventType": event_type, "transitionedAt": marquez.iso(time)})
        return out

    # ------------------------------------------------------------------ datasets

    def resolve_dataset(self, ns: str, name: str) -> tuple[str, str] | None:
        """The dataset a name stands for: itself, or the dataset it is an alias of."""
        if self.kv.get(key(layout.DATASET, ns, name)) is not None:
            return ns, name
        for raw, _ in self.kv.scan(key(layout.ALIAS, ns, name)):
            found = parts(raw, layout.ALIAS)
            return found[2], found[3]
        return None

    def datasets(self, ns: str, page: Page) -> dict[str, Any]:
        found = []
        for raw, value in _page(self.kv.scan(key(layout.DATASET, ns)), page):
            found.append(self._dataset(ns, parts(raw, layout.DATASET)[1], orjson.loads(value)))
        return {"datasets": found, "totalCount": count(self.kv, key(layout.COUNT, "datasets", ns))}

    def dataset(self, ns: str, name: str) -> dict[str, Any] | None:
        ident = self.resolve_dataset(ns, name)
        if ident is None:
            return None
        return self._dataset(*ident, load(self.kv, key(layout.DATASET, *ident)))

    def _dataset(self, ns: str, name: str, record: dict[str, Any]) -> dict[str, Any]:
        return marquez.dataset(
            ns,
            name,
            record,
            current_version=record.get("currentVersion") or record["initialVersion"],
            column_lineage=self._column_lineage_of(ns, name) or None,
            aliases=_aliases(record),
        )

    def _column_lineage_of(self, ns: str, name: str) -> list[dict[str, Any]]:
        """Marquez's `columnLineage` of a dataset: each output column and its input fields."""
        by_field: dict[str, list[dict[str, Any]]] = {}
        for raw, value in self.kv.scan(key(layout.COLUMN, ns, name)):
            _, _, out_field, in_ns, in_ds, in_field = parts(raw, layout.COLUMN)
            found = orjson.loads(value)
            item = marquez.column_input(found, in_ns, in_ds, in_field, None)
            item.pop("datasetVersion")
            by_field.setdefault(out_field, []).append(item)
        return [
            {
                "name": out_field,
                "inputFields": inputs,
                "transformationDescription": inputs[0]["transformationDescription"] if inputs else None,
                "transformationType": inputs[0]["transformationType"] if inputs else None,
            }
            for out_field, inputs in by_field.items()
        ]

    # ------------------------------------------------------------------ dataset versions

    def version_at(self, ns: str, name: str, at: str | None) -> str | None:
        """The id of the version of a dataset in force at a time (None: the current one)."""
        if self._versions is None:
            return self._version_at(ns, name, at)
        held = self._versions.get((ns, name))
        if held is None:
            held = self._versions[(ns, name)] = self._version_starts(ns, name)
        if held is _MANY:
            return self._version_at(ns, name, at)
        if not held:
            return None
        if at is None:
            return held[-1][2]
        found = bisect.bisect_right(held, (at, "\uffff", "")) - 1
        return held[max(found, 0)][2]

    def _version_starts(self, ns: str, name: str) -> list[tuple[str, str, str]]:
        """Where each version of a dataset starts (time, digest, id) in key order, the version before
        any schema at time "" (`_MANY` when there are too many to keep for a query)."""
        scope = key(layout.VERSION, ns, name)
        found: list[tuple[str, str, str]] = []
        for raw, value in self.kv.scan(scope):
            if len(found) == REMEMBERED_VERSIONS:
                return _MANY
            time, obs = parts(raw[len(scope) :], b"")
            found.append((time, obs, value.decode()))
        return found

    def _version_at(self, ns: str, name: str, at: str | None) -> str | None:
        scope = key(layout.VERSION, ns, name)
        start = None if at is None else scope + key(b"", at) + b"\xff"
        for _, value in self.kv.scan(scope, start=start, reverse=True):
            return value.decode()
        return None

    def _has_initial(self, ns: str, name: str, record: dict[str, Any]) -> bool:
        """Whether the dataset was seen before its first schema: that is a version too."""
        first = record["first"]
        scope = key(layout.OBSERVATION, ns, name)
        for raw, _ in self.kv.scan(scope):
            time, obs = parts(raw[len(scope) :], b"")
            return bool([first[0], first[1]] < [time, obs])
        return True

    def dataset_versions(self, ns: str, name: str, page: Page) -> dict[str, Any] | None:
        ident = self.resolve_dataset(ns, name)
        if ident is None:
            return None
        ns, name = ident
        record = load(self.kv, key(layout.DATASET, ns, name))
        initial = self._has_initial(ns, name, record)
        total = count(self.kv, key(layout.COUNT, "versions", ns, name)) + (1 if initial else 0)
        scope = key(layout.VERSION, ns, name)
        starts = ((raw, value) for raw, value in self.kv.scan(scope, reverse=True) if _is_change(raw, scope))
        versions = [
            self._version(ns, name, record, parts(raw[len(scope) :], b""), value.decode())
            for raw, value in _page(starts, page)
        ]
        changes = total - (1 if initial else 0)
        if initial and page.offset + page.limit > changes and page.offset <= changes:
            versions.append(self._initial_version(ns, name, record))
        return {"versions": versions, "totalCount": total}

    def dataset_version(self, ns: str, name: str, version: str) -> dict[str, Any] | None:
        ident = self.resolve_dataset(ns, name)
        if ident is None:
            return None
        ns, name = ident
        record = load(self.kv, key(layout.DATASET, ns, name))
        scope = key(layout.VERSION, ns, name)
        for raw, value in self.kv.scan(scope):
            if _is_change(raw, scope) and value.decode() == version:
                return self._version(ns, name, record, parts(raw[len(scope) :], b""), version)
        if self._has_initial(ns, name, record) and record["initialVersion"] == version:
            return self._initial_version(ns, name, record)
        return None

    def _version(
        self, ns: str, name: str, record: dict[str, Any], time_and_obs: list[str], version: str
    ) -> dict[str, Any]:
        time, obs = time_and_obs
        seen = load(self.kv, key(layout.OBSERVATION, ns, name, time, obs))
        made_by = self.run(seen["run"], transitions=False) if seen.get("run") else None
        return marquez.dataset_version(
            ns,
            name,
            version=version,
            created_at=time,
            schema=seen["fields"],
            schema_digest=seen["schema"],
            created_by_run=made_by,
            record=record,
        )

    def _initial_version(self, ns: str, name: str, record: dict[str, Any]) -> dict[str, Any]:
        first = record["first"]
        made_by = self.run(first[3], transitions=False) if first[3] else None
        return marquez.dataset_version(
            ns,
            name,
            version=str(record["initialVersion"]),
            created_at=first[0],
            schema=None,
            schema_digest=None,
            created_by_run=made_by,
            record=record,
        )

    # ------------------------------------------------------------------ search

    def search(
        self,
        query: str,
        *,
        kinds: frozenset[str],
        sort: str = "name",
        page: Page = Page(10, 0),
        namespace: str | None = None,
    ) -> dict[str, Any]:
        hits, truncated = matches(self.kv, query, kinds)
        if namespace is not None:
            hits = [h for h in hits if h.namespace == namespace]
        total = len(hits)
        if sort == "updated_at":
            dated = [(self._updated(h), h) for h in hits]
            dated.sort(key=lambda d: (d[0] or "", _label(d[1])), reverse=True)
            chosen = dated[page.offset : page.offset + page.limit]
        else:
            hits.sort(key=lambda h: (_label(h).lower(), h.namespace, h.name, h.field or ""))
            chosen = [(self._updated(h), h) for h in hits[page.offset : page.offset + page.limit]]
        results = [
            marquez.search_result(h.kind, h.namespace, h.name, h.field, updated) for updated, h in chosen
        ]
        body: dict[str, Any] = {"totalCount": total, "results": results}
        if truncated:
            body["truncated"] = True
        return body

    def _updated(self, hit: Hit) -> str | None:
        if hit.kind == "namespace":
            record = load(self.kv, key(layout.NAMESPACE, hit.namespace))
        elif hit.kind == "job":
            record = load(self.kv, key(layout.JOB, hit.namespace, hit.name))
        else:
            record = load(self.kv, key(layout.DATASET, hit.namespace, hit.name))
        return record.get("updatedAt") if record else None

    # ------------------------------------------------------------------ raw events

    def events(self, *, before: str | None, after: str | None, ascending: bool, page: Page) -> dict[str, Any]:
        """The events with `after <= eventTime < before` (Marquez's bounds), newest first
        unless ascending, and how many there are."""
        low_time = normal_time(after) if after else None
        high_time = normal_time(before) if before else None
        low = key(layout.EVENT, low_time) if low_time else layout.EVENT
        high = key(layout.EVENT, high_time) if high_time else prefix_end(layout.EVENT)
        if ascending:
            entries = self.kv.scan(layout.EVENT, start=low)
        else:
            entries = self.kv.scan(layout.EVENT, start=high if high_time else None, reverse=True)
        in_range = _until_out_of_range(entries, low, high)
        events = [orjson.loads(v) for _, v in _page(in_range, page)]
        return {"events": events, "totalCount": self._count_events(low_time, high_time, low, high)}

    def _count_events(self, low_time: str | None, high_time: str | None, low: bytes, high: bytes) -> int:
        """Events in [low, high): whole hours from the fold's hourly counts, the first and last
        hour by walking their events."""
        first_hour = low_time[:13] if low_time else None
        last_hour = high_time[:13] if high_time else None
        start = key(layout.EVENT_HOUR, first_hour) if first_hour else None
        total = 0
        for raw, value in self.kv.scan(layout.EVENT_HOUR, start=start):
            hour = parts(raw, layout.EVENT_HOUR)[0]
            if last_hour is not None and hour > last_hour:
                break
            if hour in (first_hour, last_hour):
                scope = layout.EVENT + hour.encode()
                total += sum(1 for k, _ in self.kv.scan(scope) if low <= k < high)
            else:
                total += int(value)
        return total


def _is_change(raw: bytes, scope: bytes) -> bool:
    """A `dsv/` entry that starts a version with a schema (not the one before any schema)."""
    return raw[len(scope) : len(scope) + 2] != b"\x00\x00"


def _label(hit: Hit) -> str:
    """What a search result is named: the namespace, the column, or the dataset or job."""
    if hit.kind == "namespace":
        return hit.namespace
    return hit.field if hit.field is not None else hit.name


def _aliases(record: dict[str, Any]) -> list[dict[str, str]]:
    """The other names of a dataset (symlinks, and the names its symlinks replaced)."""
    return [{"namespace": ns, "name": name} for ns, name in record.get("aliases") or []]


def _until_out_of_range(
    entries: Iterator[tuple[bytes, bytes]], low: bytes, high: bytes
) -> Iterator[tuple[bytes, bytes]]:
    for k, v in entries:
        if not low <= k < high:
            return
        yield k, v
