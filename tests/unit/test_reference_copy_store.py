"""The key layout of the reference copies and the accessor over `runtime.kv.MemoryKeyValue`.

The records are built by hand (the accessor stores whatever record it is given); the keys
are the layout documented in `agents.reference_copy_store`.
"""

from __future__ import annotations

from typing import Any

import orjson

from agents.reference_copy_store import ReferenceCopyStore, end_key, record_key, type_prefix
from runtime.kv import MemoryKeyValue

PROCESS, ASSET, REFERENCEABLE, DATA_FLOW, LINEAGE_MAPPING = "t-process", "t-asset", "t-ref", "t-flow", "t-map"


def entity(guid: str, form: str = "detail", type_guid: str = PROCESS, **extra: Any) -> dict[str, Any]:
    return {
        "guid": guid,
        "kind": "entity",
        "form": form,
        "typeDefGUID": type_guid,
        "superTypeGUIDs": [ASSET, REFERENCEABLE],
        "purged": False,
        "version": 1,
        **extra,
    }


def relationship(guid: str, ends: list[str], type_guid: str = DATA_FLOW, **extra: Any) -> dict[str, Any]:
    return {
        "guid": guid,
        "kind": "relationship",
        "form": "relationship",
        "typeDefGUID": type_guid,
        "superTypeGUIDs": [],
        "ends": ends,
        "purged": False,
        "version": 1,
        **extra,
    }


def test_records_live_under_their_kind_and_guid() -> None:
    kv = MemoryKeyValue()
    store = ReferenceCopyStore(kv)
    store.put(entity("g1"))
    store.put(relationship("g1", ["a", "b"]))
    assert kv.get(b"ent\x00g1") is not None and kv.get(b"rel\x00g1") is not None
    assert record_key("entity", "g1") == b"ent\x00g1"
    assert orjson.loads(kv.get(b"ent\x00g1") or b"")["kind"] == "entity"
    assert store.entity("g1") == entity("g1")
    assert store.relationship("g1") == relationship("g1", ["a", "b"])
    assert store.get("entity", "nope") is None


def test_relationships_are_found_from_either_end_and_leave_the_index_when_purged() -> None:
    kv = MemoryKeyValue()
    store = ReferenceCopyStore(kv)
    store.put(relationship("r1", ["a", "b"]))
    store.put(relationship("r2", ["b", "c"]))
    assert kv.get(end_key("a", "r1")) == b""
    assert [r["guid"] for r in store.relationships_of("b")] == ["r1", "r2"]
    assert [r["guid"] for r in store.relationships_of("a")] == ["r1"]
    # A guid that is a prefix of another does not match it.
    store.put(relationship("r3", ["bb", "d"]))
    assert [r["guid"] for r in store.relationships_of("b")] == ["r1", "r2"]

    store.put({**relationship("r1", ["a", "b"]), "purged": True, "form": "tombstone"})
    assert [r["guid"] for r in store.relationships_of("b")] == ["r2"]
    assert kv.get(end_key("a", "r1")) is None
    assert store.relationship("r1") is not None


def test_finds_by_type_include_subtypes_and_skip_proxies() -> None:
    kv = MemoryKeyValue()
    store = ReferenceCopyStore(kv)
    store.put(entity("p1"))
    store.put(entity("p2", form="proxy"))
    store.put(entity("d1", type_guid="t-datafile"))
    assert [r["guid"] for r in store.of_type("entity", PROCESS)] == ["p1"]
    assert [r["guid"] for r in store.of_type("entity", ASSET)] == ["d1", "p1"]
    assert kv.get(type_prefix("entity", REFERENCEABLE) + b"p1") == b""
    assert list(store.of_type("relationship", ASSET)) == []


def test_a_retype_moves_the_record_between_type_indexes() -> None:
    store = ReferenceCopyStore(MemoryKeyValue())
    store.put(relationship("r1", ["a", "b"]))
    store.put(relationship("r1", ["a", "c"], type_guid=LINEAGE_MAPPING, version=2))
    assert list(store.of_type("relationship", DATA_FLOW)) == []
    assert [r["version"] for r in store.of_type("relationship", LINEAGE_MAPPING)] == [2]
    assert [r["guid"] for r in store.relationships_of("c")] == ["r1"]
    assert list(store.relationships_of("b")) == []


def test_scans_return_every_record_of_a_kind_in_guid_order() -> None:
    store = ReferenceCopyStore(MemoryKeyValue())
    for guid in ("g3", "g1", "g2"):
        store.put(entity(guid))
    store.put(relationship("r1", ["g1", "g2"]))
    assert [r["guid"] for r in store.records("entity")] == ["g1", "g2", "g3"]
    assert [r["guid"] for r in store.records("relationship")] == ["r1"]
