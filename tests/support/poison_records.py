"""Poison records for the Kafka intake's doors (issue 18): each must be dead-lettered and must
not hold back the next valid record on its partition."""

from __future__ import annotations

import orjson

from tests.support.events import encoded, run_event

KEY = b"run:poison/job"

TOO_LARGE = b'{"eventType":"START","pad":"' + b"x" * (5 * 1024 * 1024) + b'"}'
"""Above LINEAGE_MAX_EVENT_BYTES (4 MiB) and above the dead-letter topic's record limit."""

POISON = {
    "larger than any topic accepts": TOO_LARGE,
    "a lone surrogate in the job name": (
        b'{"eventType":"START","eventTime":"2026-01-01T00:00:00Z","producer":"https://p",'
        b'"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",'
        b'"run":{"runId":"3f5e83fa-3480-44ff-99c5-ff943904e5e8"},"job":{"namespace":"poison","name":"x\\ud800y"}}'
    ),
    "not JSON": b"\xff\xfe{",
    "UTF-16 JSON": orjson.dumps(run_event("utf16", namespace="poison")).decode().encode("utf-16"),
    "a JSON array": b"[1, 2, 3]",
    "duplicate keys": encoded(run_event("dup", namespace="poison"))[:-1] + b',"eventType":"COMPLETE"}',
    "nearly 4 MiB of empty facets": b'{"eventType":"START","run":{"facets":{'
    + b",".join(b'"f%d":{}' % i for i in range(300_000))
    + b"}}}",
}
