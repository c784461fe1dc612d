"""Egeria's OMRS beans as its Java defines them, and a check of JSON against them.

The catalogue is `tests/fixtures/egeria/beans/egeria-<release>.json`: for each bean the JSON
fields Jackson writes, their types, and which are always written, read from Egeria's Java
at the commit each file names (see its `derivation`). `wire_problems` walks an event or bean
as JSON, knowing at each position which Egeria bean sits there, and lists every field no
catalogued release writes, every field the newest release always writes that is missing,
every wrong JSON type and every wrong `class`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

BEANS = Path(__file__).resolve().parents[1] / "fixtures" / "egeria" / "beans"
RELEASES = ("5.2", "6.0", "6.1-SNAPSHOT")
NEWEST = RELEASES[-1]

POLYMORPHIC: dict[str, tuple[str, ...]] = {
    "TypeDef": ("EntityDef", "RelationshipDef", "ClassificationDef"),
    "AttributeTypeDef": ("PrimitiveDef", "CollectionDef", "EnumDef"),
    "InstancePropertyValue": (
        "PrimitivePropertyValue",
        "EnumPropertyValue",
        "ArrayPropertyValue",
        "MapPropertyValue",
        "StructPropertyValue",
    ),
    "EntitySummary": ("EntitySummary", "EntityDetail", "EntityProxy"),
}
"""Declared types whose concrete bean the JSON's `class` names."""

TYPEDEFS = POLYMORPHIC["TypeDef"]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "string (enum)": (str,),
    "integer": (int,),
    "integer (epoch ms)": (int,),
    "boolean": (bool,),
    "number": (int, float),
    "array": (list,),
    "object": (dict,),
}


@cache
def catalogue(release: str) -> dict[str, Any]:
    """The bean catalogue of one release."""
    return json.loads((BEANS / f"egeria-{release}.json").read_text())  # type: ignore[no-any-return]


def bean(name: str, release: str = NEWEST) -> dict[str, Any]:
    return catalogue(release)["beans"][name]  # type: ignore[no-any-return]


@cache
def allowed_fields(name: str) -> frozenset[str]:
    """The fields some catalogued release writes for this bean."""
    return frozenset(f for r in RELEASES for f in catalogue(r)["beans"].get(name, {}).get("fields", {}))


@cache
def always_written(name: str) -> frozenset[str]:
    """The fields the newest release always writes."""
    return frozenset(f for f, d in bean(name)["fields"].items() if d["alwaysWritten"])


def field_type(name: str, field: str) -> dict[str, Any]:
    for release in reversed(RELEASES):
        fields = catalogue(release)["beans"].get(name, {}).get("fields", {})
        if field in fields:
            return fields[field]  # type: ignore[no-any-return]
    raise KeyError(f"{name}.{field}")


_GENERIC = re.compile(r"^(?:List|Set)<(\w+)>$")
_MAP = re.compile(r"^Map<String,\s*(\w+)>$")


def _element_bean(java: str) -> tuple[str, str] | None:
    """(shape, bean) for a Java type that holds catalogued beans: one, a list or a map."""
    beans = catalogue(NEWEST)["beans"]
    known = set(beans) | set(POLYMORPHIC)
    java = re.sub(r"OMRSEventV[12]", "OMRSEvent", java)  # the event beans go by their role
    if java in known:
        return "one", java
    if (m := _GENERIC.match(java)) and m.group(1) in known:
        return "list", m.group(1)
    if (m := _MAP.match(java)) and m.group(1) in known:
        return "map", m.group(1)
    return None


def wire_problems(value: Any, declared: str, path: str = "$") -> list[str]:
    """Every way `value` (JSON) differs from how Egeria writes a `declared` bean."""
    if not isinstance(value, dict):
        return [f"{path}: expected a {declared} object"]
    name, problems = _concrete(value, declared, path)
    if name is None:
        return problems
    described = bean(name) if name in catalogue(NEWEST)["beans"] else None
    if described is None:
        return [*problems, f"{path}: no catalogued bean {name}"]
    if described["classWritten"]:
        if value.get("class") != described["class"]:
            problems.append(f"{path}.class: {value.get('class')!r}, Egeria writes {described['class']!r}")
    elif "class" in value and declared != "TypeDefSummary":
        problems.append(f"{path}.class: Egeria writes no class for {name}")
    allowed = allowed_fields(name)
    if declared == "TypeDefSummary":
        allowed = allowed.union(*(allowed_fields(t) for t in TYPEDEFS))
    for key, item in value.items():
        if key == "class":
            continue
        if key not in allowed:
            problems.append(f"{path}.{key}: not a field Egeria writes in {name}")
            continue
        owner = name if key in allowed_fields(name) else next(t for t in TYPEDEFS if key in allowed_fields(t))
        problems += _check_field(owner, key, item, f"{path}.{key}")
    problems += [f"{path}.{f}: Egeria always writes it" for f in sorted(always_written(name) - value.keys())]
    return problems


def _concrete(value: dict[str, Any], declared: str, path: str) -> tuple[str | None, list[str]]:
    if declared == "TypeDefSummary" and value.get("class") in TYPEDEFS:
        return None, [f"{path}.class: Jackson writes a TypeDef in a TypeDefSummary field without class"]
    if declared not in POLYMORPHIC:
        return declared, []
    tag = value.get("class")
    if tag not in POLYMORPHIC[declared]:
        return None, [f"{path}.class: {tag!r} is not one of {', '.join(POLYMORPHIC[declared])}"]
    return tag, []


def _check_field(name: str, key: str, item: Any, path: str) -> list[str]:
    described = field_type(name, key)
    java: str = described["java"]
    if "value" in described and item != described["value"] and key != "protocolVersionId":
        return [f"{path}: {item!r}, Egeria writes {described['value']!r}"]
    nested = _element_bean(java)
    if nested is not None:
        shape, inner = nested
        if shape == "one":
            return wire_problems(item, inner, path)
        if shape == "list" and isinstance(item, list):
            return [p for i, x in enumerate(item) for p in wire_problems(x, inner, f"{path}[{i}]")]
        if shape == "map" and isinstance(item, dict):
            return [p for k, x in item.items() for p in wire_problems(x, inner, f"{path}.{k}")]
        return [f"{path}: expected {shape} of {inner}"]
    expected = _JSON_TYPES.get(described["type"])
    if expected is None:
        return []
    if isinstance(item, bool) and bool not in expected:
        return [f"{path}: {item!r} is a boolean, Egeria writes {described['type']}"]
    if not isinstance(item, expected):
        return [f"{path}: {item!r} is not {described['type']} ({java})"]
    return []


def protocol_versions() -> set[str]:
    """The protocolVersionId values the catalogued releases write."""
    return {bean("OMRSEvent", r)["fields"]["protocolVersionId"]["value"] for r in RELEASES}
