"""The catalogue's read model (`agents.catalogue.read_model`) over a key-value store.

Fed with OMRS events in Egeria's JSON (`tests/fixtures/omrs`, written to Egeria's format,
see their README) and with what the catalogue itself publishes; queried as the cataloguing
API's find and get operations and the cataloguer's removals use it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

from agents.catalogue.read_model import KeyValueCatalogue, apply_event
from runtime.kv import MemoryKeyValue
from schemas.omrs import parse_omrs_event
from tests.support.catalogue import MemoryCatalogue

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "omrs"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((FIXTURES / f"{name}.json").read_bytes())
    return data


def event(data: dict[str, Any]) -> Any:
    return parse_omrs_event(orjson.dumps(data))


def test_egerias_entity_and_relationship_events_are_read() -> None:
    kv = MemoryKeyValue()
    index = KeyValueCatalogue(kv)
    entity = fixture("instance_new_entity_event")
    relationship = fixture("instance_new_relationship_event")
    assert apply_event(kv, event(entity)) and apply_event(kv, event(relationship))
    guid = entity["instanceEventSection"]["instanceGUID"]
    found = index.element(guid)
    assert found is not None and found.type_name == "DeployedSoftwareComponent"
    assert index.by_qualified_name(found.qualified_name)[0].guid == guid
    (rel,) = index.relationships(
        relationship["instanceEventSection"]["relationship"]["entityTwoProxy"]["guid"]
    )
    assert rel.type_name == "ProcessHierarchy"
    assert rel.properties["containmentType"] == "OWNED"
    assert index.find(".", "Process") and not index.find(".", "SchemaAttribute")
    assert not apply_event(kv, event(fixture("registry_registration_event")))


def test_an_older_version_changes_nothing_and_a_delete_removes() -> None:
    kv = MemoryKeyValue()
    index = KeyValueCatalogue(kv)
    classified = fixture("instance_classified_entity_event")  # version 2
    new = fixture("instance_new_entity_event")  # version 1 of the same entity
    apply_event(kv, event(classified))
    apply_event(kv, event(new))
    guid = new["instanceEventSection"]["instanceGUID"]
    found = index.element(guid)
    assert found is not None and found.version == 2 and "Ownership" in found.classifications
    deleted = copy.deepcopy(classified)
    deleted["instanceEventSection"]["eventType"] = "DELETED_ENTITY_EVENT"
    deleted["instanceEventSection"].pop("classification", None)
    deleted["instanceEventSection"]["entity"]["version"] = 3
    deleted["instanceEventSection"]["entity"]["status"] = "DELETED"
    apply_event(kv, event(deleted))
    assert index.element(guid) is None
    assert index.by_qualified_name(found.qualified_name) == []
    assert [k for k, _ in kv.scan(b"q/")] == []


def test_what_the_catalogue_publishes_is_found_by_name_identity_and_alias() -> None:
    cat = MemoryCatalogue()
    links = {"identifiers": [{"namespace": "hive://ms:9083", "name": "db.t", "type": "TABLE"}]}
    cat.catalogue(
        {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-01T00:00:00Z",
            "producer": "https://example.com/p",
            "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
            "job": {"namespace": "spark", "name": "audit"},
            "inputs": [
                {
                    "namespace": "s3://lake",
                    "name": "warehouse/db/t",
                    "facets": {"symlinks": {"_producer": "https://example.com/p", **links}},
                }
            ],
        }
    )
    index = cat.index
    (table,) = index.by_identity("hive://ms:9083", "db.t")
    assert table.qualified_name == "TableDataSet::hive://ms:9083::db.t"
    assert index.resolve_alias("s3://lake", "warehouse/db/t") == ("hive://ms:9083", "db.t")
    assert index.resolve_alias("s3://lake", "unknown") is None
    (process,) = index.by_identity("spark", "audit")
    assert [r.type_name for r in index.relationships(process.guid, "DataFlow")] == ["DataFlow"]
    assert {r.type_name for r in index.relationships(process.guid)} == {"DataFlow", "ProcessPort"}
    assert index.related(process.guid, "ProcessPort", at_end=2)[0].type_name == "PortImplementation"
    assert len(list(index.iter_guids())) == len({g for g, s in cat.states.items() if s.kind == "entity"})
