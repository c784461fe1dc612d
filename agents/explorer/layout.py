"""PURE: the key layout of the OpenLineage read model, one tag per kind of key.

Components are written with `keys.key` (`ns`, `name`... below are components). Values are
canonical JSON (`keys.canonical`) unless said otherwise. Every query is a `get` or a scan
of one of these prefixes; none walks the whole store.

| tag | components | value |
|---|---|---|
| `ns/` | ns | namespace: first and last event times |
| `job/` | ns, name | job: times, facets (each the latest by sort key), parent; its latest run and current inputs and outputs (copies of the last `jr/` and `jio/` entries) |
| `ds/` | ns, name | dataset: times, facets, last successful write, other names, first occurrence and the id of the version it starts, the current version (a copy of the last `dsv/` entry) |
| `run/` | runId | run: job, times, state, START and end times, run facets, inputs and outputs |
| `rt/` | runId, time, eventType, digest | empty: one state transition of a run |
| `jr/` | ns, job, createdAt, runId | empty: the runs of a job in creation order |
| `jio/` | ns, job, time, snapshot id | the inputs and outputs of a job from that time on (a run's, or a JobEvent's) |
| `ah/` | node, `o`/`i`, node | the validity intervals of a lineage edge (out and in, both kept: a node's edges both ways are one scan); the last open: it holds now |
| `dso/` | ns, name, time, digest | a schema seen on a dataset (output or DatasetEvent): fields, schema digest, run |
| `dsv/` | ns, name, time, digest | the version id (text): that observation starts a dataset version (its schema differs from the one before); time and digest empty: the version before the first schema (so the version at any time is one reverse seek) |
| `cl/` | out ns, out dataset, out field, in ns, in dataset, in field | the latest column-lineage contribution: transformations, job, run |
| `clr/` | in ns, in dataset, in field, out ns, out dataset, out field | empty: the same edge, for walking downstream |
| `al/` | alias ns, alias name, ns, name | empty: another name of a dataset (symlinks) |
| `sx/` | word-boundary suffix, kind, ns, name[, field] | empty: the search index (prefix of a suffix) |
| `ev/` | time, digest | the event, as JSON (what /events/lineage returns) |
| `evh/` | hour (`2026-01-01T03`) | count of events of that hour |
| `n/` | what, scope... | a count (`ns`; `jobs`, ns; `datasets`, ns; `runs`, ns, job; `versions`, ns, name) |

A node is three components: kind (`dataset`, `job`), namespace, name.
"""

from __future__ import annotations

NAMESPACE = b"ns/"
JOB = b"job/"
DATASET = b"ds/"
RUN = b"run/"
TRANSITION = b"rt/"
JOB_RUN = b"jr/"
SNAPSHOT = b"jio/"
EDGE_HISTORY = b"ah/"
OBSERVATION = b"dso/"
VERSION = b"dsv/"
COLUMN = b"cl/"
COLUMN_REVERSE = b"clr/"
ALIAS = b"al/"
SEARCH = b"sx/"
EVENT = b"ev/"
EVENT_HOUR = b"evh/"
COUNT = b"n/"

OUT, IN = "o", "i"
DATASET_KIND, JOB_KIND = "dataset", "job"
