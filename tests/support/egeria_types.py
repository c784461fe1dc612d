"""An oracle for OMRS instance events: what in them the types of an Egeria release do not define.

The release files `schemas/egeria_types/egeria-<release>.json` hold facts of Egeria's types
archive at the odpi/egeria commits they name; they are read here as plain JSON, apart from
the service's own reading of them (`schemas.open_metadata_types`). `problems(types, event)`
checks one event as the wire carries it (the JSON of `dump_omrs_event`): every entity,
relationship and classification is of a type the release defines (same guid, category),
every property one its type or a super type defines with the attribute type's kind of
value (enum elements by ordinal), relationship ends of the end types, classifications on
entities their TypeDef accepts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class ReleaseTypes:
    """A release file's TypeDefs, read as plain JSON."""

    def __init__(self, release: str) -> None:
        data = json.loads((ROOT / "schemas" / "egeria_types" / f"egeria-{release}.json").read_text())
        self.release = release
        self.types: dict[str, dict[str, Any]] = {t["name"]: t for t in data["typeDefs"]}
        self.attribute_types: dict[str, dict[str, Any]] = {a["name"]: a for a in data["attributeTypeDefs"]}

    def chain(self, name: str) -> list[str]:
        found = []
        while name in self.types:
            found.append(name)
            name = self.types[name].get("superType") or ""
        return found

    def is_a(self, name: str, wanted: str) -> bool:
        return name in self.types and wanted in self.chain(name)

    def attributes(self, name: str) -> dict[str, str]:
        return {a["name"]: a["type"] for t in self.chain(name) for a in self.types[t].get("attributes", ())}


def _problems_with_value(
    types: ReleaseTypes, where: str, value: dict[str, Any], attribute_type: str
) -> list[str]:
    category = value.get("instancePropertyCategory")
    primitives = {
        "string": "OM_PRIMITIVE_TYPE_STRING",
        "int": "OM_PRIMITIVE_TYPE_INT",
        "long": "OM_PRIMITIVE_TYPE_LONG",
        "date": "OM_PRIMITIVE_TYPE_DATE",
        "boolean": "OM_PRIMITIVE_TYPE_BOOLEAN",
    }
    if attribute_type in primitives:
        if category != "PRIMITIVE" or value.get("primitiveDefCategory") != primitives[attribute_type]:
            return [f"{where}: {attribute_type} written as {category} {value.get('primitiveDefCategory')}"]
        return []
    if attribute_type == "map<string,string>":
        entries = (value.get("mapValues") or {}).get("instanceProperties") or {}
        bad = [k for k, v in entries.items() if v.get("primitiveDefCategory") != "OM_PRIMITIVE_TYPE_STRING"]
        return [f"{where}: map written as {category}"] if category != "MAP" or bad else []
    enum = types.attribute_types.get(attribute_type)
    if enum is not None and enum["category"] == "ENUM_DEF":
        # the ordinal identifies the element; 5.2's archive spells its names "Owned", the
        # cataloguer (unchanged for Egeria 5) "OWNED": the same word
        elements = {symbolic.upper(): ordinal for ordinal, symbolic in enum["elements"]}
        symbolic = str(value.get("symbolicName"))
        if category != "ENUM" or elements.get(symbolic.upper()) != value.get("ordinal"):
            return [
                f"{where}: {symbolic!r} ({value.get('ordinal')}) is no {attribute_type} of {types.release}"
            ]
        return []
    return [f"{where}: no check for attribute type {attribute_type}"]


def _problems_with_properties(types: ReleaseTypes, where: str, type_name: str, props: Any) -> list[str]:
    defined = types.attributes(type_name)
    problems = []
    for name, value in ((props or {}).get("instanceProperties") or {}).items():
        if name not in defined:
            problems.append(f"{where}: {type_name} has no property {name} in Egeria {types.release}")
        else:
            problems.extend(_problems_with_value(types, f"{where}.{name}", value, defined[name]))
    return problems


def _problems_with_type(
    types: ReleaseTypes, where: str, bean_type: dict[str, Any], category: str
) -> list[str]:
    name = bean_type["typeDefName"]
    known = types.types.get(name)
    if known is None:
        return [f"{where}: Egeria {types.release} has no type {name}"]
    if known["guid"] != bean_type["typeDefGUID"] or known["category"] != category:
        return [f"{where}: {name} is {known['guid']} {known['category']} in Egeria {types.release}"]
    return []


def problems(types: ReleaseTypes, event: dict[str, Any]) -> list[str]:
    """What in one OMRS instance event (as the wire carries it) the release's types do not define."""
    section = event["instanceEventSection"]
    found: list[str] = []
    for field in ("entity", "originalEntity"):
        entity = section.get(field)
        if entity is None:
            continue
        where = f"{section['eventType']}.{field}"
        found += _problems_with_type(types, where, entity["type"], "ENTITY_DEF")
        found += _problems_with_properties(
            types, where, entity["type"]["typeDefName"], entity.get("properties")
        )
        for c in entity.get("classifications") or []:
            found += _problems_with_classification(types, where, entity["type"]["typeDefName"], c)
    for field in ("classification", "originalClassification"):
        if section.get(field) is not None:
            found += _problems_with_classification(
                types, section["eventType"], section["entity"]["type"]["typeDefName"], section[field]
            )
    for field in ("relationship", "originalRelationship"):
        rel = section.get(field)
        if rel is None:
            continue
        where = f"{section['eventType']}.{field}"
        found += _problems_with_type(types, where, rel["type"], "RELATIONSHIP_DEF")
        name = rel["type"]["typeDefName"]
        found += _problems_with_properties(types, where, name, rel.get("properties"))
        if name in types.types:
            for end, proxy in zip(
                types.types[name]["ends"], ("entityOneProxy", "entityTwoProxy"), strict=True
            ):
                found += _problems_with_type(types, f"{where}.{proxy}", rel[proxy]["type"], "ENTITY_DEF")
                if not types.is_a(rel[proxy]["type"]["typeDefName"], end[0]):
                    found.append(f"{where}: {rel[proxy]['type']['typeDefName']} cannot be {name}'s {end[2]}")
    return found


def _problems_with_classification(
    types: ReleaseTypes, where: str, entity_type: str, c: dict[str, Any]
) -> list[str]:
    found = _problems_with_type(types, f"{where}.{c['name']}", c["type"], "CLASSIFICATION_DEF")
    found += _problems_with_properties(types, f"{where}.{c['name']}", c["name"], c.get("properties"))
    targets = [n for n, _ in types.types.get(c["name"], {}).get("validEntityDefs", [])]
    if targets and not any(types.is_a(entity_type, t) for t in targets):
        found.append(f"{where}: {c['name']} cannot classify {entity_type}")
    return found
