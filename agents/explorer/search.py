"""PURE: the type-ahead search index over namespaces, jobs, datasets and columns.

A name is indexed under every suffix that starts at a word boundary (after `.`, `/`, `_`,
`-`, `:`, a space..., or where lower case turns to upper case), lower-cased: so
`shop.marts.customerRevenue` is found by `shop`, `marts.cu`, `customer`, `rev`. A query is
one prefix scan of the index (`sx/{query}`), so its cost grows with the matches, never with
the size of the catalogue. Unlike Marquez (SQL `ILIKE '%q%'`), a match must start at a word
boundary and `%` / `_` are not wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from agents.explorer import layout
from agents.explorer.keys import component, key, parts
from runtime.kv import KeyValue

MAX_SUFFIXES = 32
MAX_TERM_CHARS = 128
SCAN_LIMIT = 5000
"""Most index entries one query reads: a one-letter query in a huge catalogue stops there
and says so (`truncated`)."""

KINDS = ("namespace", "job", "dataset", "field")
_BOUNDARY = re.compile(r"(?<=[^0-9A-Za-z])(?=[0-9A-Za-z])|(?<=[a-z0-9])(?=[A-Z])")


def terms(name: str) -> list[str]:
    """Every word-boundary suffix of a name, lower-cased, longest first, without repeats."""
    starts = [0, *(m.start() for m in _BOUNDARY.finditer(name))]
    out: list[str] = []
    for start in starts[:MAX_SUFFIXES]:
        term = name[start:].lower()[:MAX_TERM_CHARS]
        if term and term not in out:
            out.append(term)
    return out


def index(
    kv: KeyValue, kind: str, namespace: str, name: str, field: str | None = None, *, label: str | None = None
) -> None:
    """Put one entity in the index under its name, or another `label` (idempotent: an entry
    already there is not written again)."""
    for k in index_keys(kind, namespace, name, field, label):
        if kv.get(k) != b"":
            kv.put(k, b"")


@lru_cache(maxsize=1 << 14)
def index_keys(
    kind: str, namespace: str, name: str, field: str | None, label: str | None
) -> tuple[bytes, ...]:
    """The index entries of one entity under its name, or another `label` (remembered: every
    event names the same datasets, fields and jobs again)."""
    ident = [kind, namespace, name] if field is None else [kind, namespace, name, field]
    if label is None:
        label = namespace if kind == "namespace" else field if field is not None else name
    tail = b"".join(component(p) for p in ident)
    return tuple(key(layout.SEARCH, term) + tail for term in terms(label))


@dataclass(frozen=True)
class Hit:
    """One entity a query matched: kind, namespace, name (dataset or job), field (columns)."""

    kind: str
    namespace: str
    name: str
    field: str | None = None


def matches(kv: KeyValue, query: str, kinds: frozenset[str]) -> tuple[list[Hit], bool]:
    """The distinct entities of the given kinds whose indexed terms start with `query`, in
    index order; and whether the scan stopped at SCAN_LIMIT entries."""
    needle = query.strip().lower()
    if not needle:
        return [], False
    prefix = layout.SEARCH + needle.encode().replace(b"\x00", b"\x00\x01")
    seen: dict[Hit, None] = {}
    read = 0
    for raw, _ in kv.scan(prefix):
        read += 1
        if read > SCAN_LIMIT:
            return list(seen), True
        found = parts(raw, layout.SEARCH)
        kind = found[1]
        if kind not in kinds:
            continue
        hit = Hit(kind, found[2], found[3], found[4] if len(found) > 4 else None)
        seen.setdefault(hit, None)
    return list(seen), False


def iter_terms(kv: KeyValue) -> Iterator[str]:
    """Every indexed term (for tests and tools)."""
    for raw, _ in kv.scan(layout.SEARCH):
        yield parts(raw, layout.SEARCH)[0]
