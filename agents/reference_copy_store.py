"""The reference copies in a key-value store: key layout and a small accessor (pure).

Everything this server holds about open metadata instances lives in one `KeyValue` store
(bytes keys, sorted, `scan(prefix)`); values are the JSON records of
`agents.reference_copy_rules` (orjson). Keys, with ``\\x00`` between parts (a guid never
contains one, so no key is a prefix of another's part):

| key | value | what for |
|---|---|---|
| ``ent\\x00<guid>`` | entity record (detail, proxy or tombstone) | the copy of an entity |
| ``rel\\x00<guid>`` | relationship record (or tombstone) | the copy of a relationship |
| ``end\\x00<entityGuid>\\x00<relationshipGuid>`` | empty | getRelationshipsForEntity |
| ``typ\\x00e\\x00<typeGuid>\\x00<guid>`` | empty | entity details of a type or its subtypes |
| ``typ\\x00r\\x00<typeGuid>\\x00<guid>`` | empty | relationships of a type or its subtypes |

Entities and relationships have separate key spaces, as in Egeria's repositories. The type
index holds every live detail and relationship under its own type guid and each of its
super types' guids (from the instance's `typeDefSuperTypes`), so a find by type includes
subtypes as Egeria's does; proxies and tombstones are not indexed (finds return details).
`put` keeps the indexes in step with the record it replaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from agents.reference_copy_rules import Decision, Kind, Record
from runtime.kv import KeyValue
from schemas.json_text import dump_json

SEP = b"\x00"
_RECORD_PREFIX: dict[str, bytes] = {"entity": b"ent" + SEP, "relationship": b"rel" + SEP}
_KIND_CODE: dict[str, bytes] = {"entity": b"e", "relationship": b"r"}
END = b"end" + SEP
TYPE = b"typ" + SEP


def record_key(kind: Kind, guid: str) -> bytes:
    return _RECORD_PREFIX[kind] + guid.encode()


def end_key(entity_guid: str, relationship_guid: str) -> bytes:
    return END + entity_guid.encode() + SEP + relationship_guid.encode()


def type_prefix(kind: Kind, type_guid: str) -> bytes:
    return TYPE + _KIND_CODE[kind] + SEP + type_guid.encode() + SEP


def index_keys(record: Record | None) -> set[bytes]:
    """The index entries a record has: none for proxies and tombstones."""
    if record is None or record.get("purged") or record.get("form") == "proxy":
        return set()
    kind: Kind = record["kind"]
    guid: str = record["guid"]
    keys = {
        type_prefix(kind, t) + guid.encode()
        for t in [record.get("typeDefGUID"), *(record.get("superTypeGUIDs") or [])]
        if t
    }
    if kind == "relationship":
        keys |= {end_key(end, guid) for end in record.get("ends") or []}
    return keys


class ReferenceCopyStore:
    """Read and write the records of one `KeyValue` store."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    # -- records
    def get(self, kind: Kind, guid: str) -> Record | None:
        raw = self.kv.get(record_key(kind, guid))
        return None if raw is None else _load(raw)

    def entity(self, guid: str) -> Record | None:
        return self.get("entity", guid)

    def relationship(self, guid: str) -> Record | None:
        return self.get("relationship", guid)

    def put(self, record: Record) -> None:
        """Store a record and bring its index entries in line with it."""
        kind: Kind = record["kind"]
        key = record_key(kind, record["guid"])
        old_raw = self.kv.get(key)
        old = None if old_raw is None else _load(old_raw)
        before, after = index_keys(old), index_keys(record)
        for stale in before - after:
            self.kv.delete(stale)
        for fresh in after - before:
            self.kv.put(fresh, b"")
        self.kv.put(key, dump_json(record))

    def put_all(self, records: Iterable[Record]) -> None:
        for record in records:
            self.put(record)

    def apply(self, decision: Decision) -> None:
        """Store what a decision says to store."""
        self.put_all(decision.puts)

    # -- scans
    def records(self, kind: Kind) -> Iterator[Record]:
        """Every record of a kind (tombstones and proxies included), in guid order."""
        for _, raw in self.kv.scan(_RECORD_PREFIX[kind]):
            yield _load(raw)

    def relationships_of(self, entity_guid: str) -> Iterator[Record]:
        """The relationships with `entity_guid` at one of their ends, in guid order."""
        prefix = END + entity_guid.encode() + SEP
        for key, _ in self.kv.scan(prefix):
            record = self.relationship(key[len(prefix) :].decode())
            if record is not None:
                yield record

    def of_type(self, kind: Kind, type_guid: str) -> Iterator[Record]:
        """Live details (entities) or relationships of a type or any of its subtypes."""
        prefix = type_prefix(kind, type_guid)
        for key, _ in self.kv.scan(prefix):
            record = self.get(kind, key[len(prefix) :].decode())
            if record is not None:
                yield record


def _load(raw: bytes) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(raw)
    return value
