"""PURE: the key layout of the OpenLineage read model, one tag per kind of key.

Components are written with `keys.key` (`ns`, `name`... below are components). Values are
canonical JSON (`keys.canonical`) unless said otherwise. Every query is a `get` or a scan
of one of these prefixes; none walks the whole store.

| tag | components | value |
|---|---|---|
| `ns/` | ns | namespace: first and last event times |
| `job/` | ns, name | job: times, facets (each the latest by sort key), parent |
| `ds/` | ns, name | dataset: times, facets, last successful write, first occurrence |
| `run/` | runId | run: job, times, state, START and end times, run facets, inputs and outputs |
| `rt/` | runId, time, eventType, digest | empty: one state transition of a run |
| `jr/` | ns, job, createdAt, runId | empty: the runs of a job in creation order |
| `jio/` | ns, job, time, snapshot id | the inputs and outputs of a job from that time on (a run's, or a JobEvent's) |
| `ah/` | `o`/`i`, node, node | the validity intervals of a lineage edge (out and in, both kept) |
| `ac/` | `o`/`i`, node, node | empty: the edge holds now (an open interval) |
| `dso/` | ns, name, time, digest | a schema seen on a dataset (output or DatasetEvent): fields, schema digest, run |
| `dsv/` | ns, name, time, digest | empty: that observation starts a dataset version (its schema differs from the one before) |
| `cl/` | out ns, out dataset, out field, in ns, in dataset, in field | the latest column-lineage contribution: transformations, job, run |
| `clr/` | in ns, in dataset, in field, out ns, out dataset, out field | empty: the same edge, for walking downstream |
| `al/` | alias ns, alias name, ns, name | empty: another name of a dataset (symlinks) |
| `alr/` | ns, name, alias ns, alias name | empty: the same, from the dataset to its other names |
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
EDGE_NOW = b"ac/"
OBSERVATION = b"dso/"
VERSION = b"dsv/"
COLUMN = b"cl/"
COLUMN_REVERSE = b"clr/"
ALIAS = b"al/"
ALIAS_OF = b"alr/"
SEARCH = b"sx/"
EVENT = b"ev/"
EVENT_HOUR = b"evh/"
COUNT = b"n/"

OUT, IN = "o", "i"
DATASET_KIND, JOB_KIND = "dataset", "job"
