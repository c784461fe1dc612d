"""How much the OMRS models cost per event, against `orjson.loads` of the same bytes.

Two events: a ~1 KB NEW_ENTITY_EVENT (built with the builders, as this service emits it)
and a ~50 KB BATCH_INSTANCES_EVENT (the fixture batch, its instances repeated under new
guids). For each: parse (`model_validate_json`), parse plus semantic checks, and dump. The
ratio divides the model's time by `orjson.loads` of the same bytes measured in the same run,
so it holds across machines where absolute times do not.

Run: `python -m benchmarks.bench_schemas_omrs [--quick]`.
"""

from __future__ import annotations

import copy
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from schemas.omrs import (
    EntityDetail,
    InstanceProperties,
    InstanceType,
    OMRSEventV1,
    OMRSInstanceEventType,
    Originator,
    PrimitivePropertyValue,
    dump_omrs_event,
    instance_event,
    validate_omrs_event,
)

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "omrs"
BATCH_TARGET_BYTES = 50_000


def _string(value: str) -> PrimitivePropertyValue:
    return PrimitivePropertyValue(
        instance_property_category="PRIMITIVE",
        type_name="string",
        primitive_def_category="OM_PRIMITIVE_TYPE_STRING",
        primitive_value=value,
    )


def small_entity_event() -> bytes:
    """A ~1 KB NEW_ENTITY_EVENT for a DeployedSoftwareComponent, as the cataloguer emits one."""
    values = {
        "qualifiedName": _string("DeployedSoftwareComponent::airflow-prod::daily_sales_rollup"),
    }
    entity = EntityDetail(
        type=InstanceType(
            type_def_category="ENTITY_DEF",
            type_def_guid="486af62c-dcfd-4859-ab24-eab2e380ecfd",
            type_def_name="DeployedSoftwareComponent",
            type_def_version=1,
        ),
        instance_provenance_type="LOCAL_COHORT",
        metadata_collection_id="5e3f1d2c-8b7a-5c4d-9e0f-1a2b3c4d5e6f",
        metadata_collection_name="lineage-integrator",
        created_by="lineage-integrator",
        create_time=1700000100000,
        version=1,
        status="ACTIVE",
        guid="8f2c7a1e-3b4d-4e5f-9a6b-7c8d9e0f1a2b",
        properties=InstanceProperties(
            instance_properties=values, property_names=list(values), property_count=len(values)
        ),
    )
    originator = Originator(
        metadata_collection_id="5e3f1d2c-8b7a-5c4d-9e0f-1a2b3c4d5e6f",
        server_name="lineage-integrator",
        server_type="Integration Daemon",
    )
    event = instance_event(
        originator, OMRSInstanceEventType.NEW_ENTITY_EVENT, entity=entity, timestamp=1700000123456
    )
    return dump_omrs_event(event)


def _renamed(instance: dict[str, Any]) -> dict[str, Any]:
    copied = copy.deepcopy(instance)
    copied["guid"] = str(uuid.uuid4())
    return copied


def large_batch_event() -> bytes:
    """A ~50 KB BATCH_INSTANCES_EVENT: the fixture batch grown with copies under new guids."""
    event = orjson.loads((FIXTURES / "instance_batch_instances_event.json").read_bytes())
    batch = event["instanceEventSection"]["instanceBatch"]
    seeds = batch["entities"] + batch["relationships"]
    while len(orjson.dumps(event)) < BATCH_TARGET_BYTES:
        for seed in seeds:
            target = batch["relationships"] if seed["class"] == "Relationship" else batch["entities"]
            target.append(_renamed(seed))
    return orjson.dumps(event)


def _per_call_us(func: Callable[[], object], loops: int, repeats: int) -> float:
    """Best-of-`repeats` time of one call, in microseconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(loops):
            func()
        best = min(best, (time.perf_counter_ns() - start) / loops)
    return best / 1000


def _measure(label: str, raw: bytes, loops: int, repeats: int) -> list[dict[str, Any]]:
    event = OMRSEventV1.model_validate_json(raw)
    baseline = _per_call_us(lambda: orjson.loads(raw), loops, repeats)
    cases: dict[str, Callable[[], object]] = {
        "parse": lambda: OMRSEventV1.model_validate_json(raw),
        "parse+semantics": lambda: validate_omrs_event(raw),
        "dump": lambda: dump_omrs_event(event),
    }
    rows = []
    for case, func in cases.items():
        per_event = _per_call_us(func, loops, repeats)
        rows.append(
            {
                "name": f"omrs {case} {label}",
                "bytes": len(raw),
                "per_event_us": round(per_event, 2),
                "orjson_loads_us": round(baseline, 2),
                "ratio_to_orjson_loads": round(per_event / baseline, 1),
            }
        )
    return rows


def run(quick: bool) -> list[dict[str, Any]]:
    """Time parse, parse+semantics and dump of a ~1 KB and a ~50 KB event."""
    repeats = 3 if quick else 7
    small, large = small_entity_event(), large_batch_event()
    return _measure("NEW_ENTITY_EVENT ~1KB", small, 300 if quick else 5000, repeats) + _measure(
        "BATCH_INSTANCES_EVENT ~50KB", large, 10 if quick else 200, repeats
    )


def main(argv: list[str]) -> None:
    """Print the figures as a table."""
    rows = run(quick="--quick" in argv)
    print(f"{'name':<52} {'bytes':>7} {'us/event':>10} {'orjson us':>10} {'ratio':>6}")
    for row in rows:
        print(
            f"{row['name']:<52} {row['bytes']:>7} {row['per_event_us']:>10} "
            f"{row['orjson_loads_us']:>10} {row['ratio_to_orjson_loads']:>6}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
