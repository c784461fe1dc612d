"""The cohort instance path: OMRS instance events through the worker into its reference copies.

Records: NEW_ENTITY_EVENT (Process, DataFile) and NEW_RELATIONSHIP_EVENT (DataFlow,
LineageMapping) from another member of the cohort, 1 to 3 KB, produced (keyed by instance
guid) to the cohort's dedicated instances topic. The worker's cohort follower validates each
record, applies it to its reference copies and commits its offset in the cohort group once
its state and side effects are done: that commit is what the harness waits for (handled =
stored). Send times are kept by the load generator.
"""

from __future__ import annotations

import importlib
import uuid
from typing import Any

from benchmarks.harness import NotAvailable, RunContext, ScenarioResult, measure_stream, scenario
from benchmarks.workers import cohort_group, fleet

GUID_PREFIX = "b0000000-0000-4000-8000-"
REMOTE_COLLECTION = "7a1c0e52-9d3b-5f64-8e2a-0c4b6d8f1a3e"


def require_cohort_path() -> None:
    for module in ("schemas.omrs", "agents.cohort_member", "agents.cohort_instances", "runtime.follower"):
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise NotAvailable(f"{module} does not import ({type(exc).__name__}: {exc})") from None


def _guid(seq: int) -> str:
    return f"{GUID_PREFIX}{seq:012d}"


class OmrsRecords:
    """Templates of four lineage-type instance events, the guid swapped in per record."""

    tracks_sent = True

    def __init__(self) -> None:
        # ~1.4, ~2.7, ~2.4 and ~2.9 KB
        self._templates = [self._entity("Process", 0), self._relationship("DataFlow", 0)]
        self._templates += [self._entity("DataFile", 4), self._relationship("LineageMapping", 1)]
        self.sizes = [len(b"".join(t)) + 12 for t in self._templates]
        self.size = sum(self.sizes) // len(self.sizes)

    @staticmethod
    def _properties(kind: str, count: int) -> Any:
        from schemas.omrs import InstanceProperties, PrimitivePropertyValue

        values = {
            "qualifiedName": f"{kind}::bench::@GUID@",
            **{
                f"additionalProperty{i:02d}": f"lineage benchmark value {i:02d} for {kind}"
                for i in range(count)
            },
        }
        props = {
            name: PrimitivePropertyValue(
                instance_property_category="PRIMITIVE",
                type_name="string",
                primitive_def_category="OM_PRIMITIVE_TYPE_STRING",
                primitive_value=value,
            )
            for name, value in values.items()
        }
        return InstanceProperties(
            instance_properties=props, property_names=list(props), property_count=len(props)
        )

    @staticmethod
    def _type(name: str) -> Any:
        from schemas.omrs import InstanceType
        from schemas.open_metadata_types import ancestry, type_named

        known = type_named(name)
        assert known is not None, name
        supers = [{"name": s} for s in list(ancestry(name))[1:]]
        return InstanceType.model_validate(
            {
                "typeDefCategory": known.category.value,
                "typeDefGUID": known.guid,
                "typeDefName": known.name,
                "typeDefVersion": known.version,
                "typeDefSuperTypes": [
                    {"guid": type_named(s["name"]).guid, "name": s["name"]}  # type: ignore[union-attr]
                    for s in supers
                    if type_named(s["name"]) is not None
                ],
            }
        )

    def _header(self) -> dict[str, Any]:
        return {
            "instance_provenance_type": "LOCAL_COHORT",
            "metadata_collection_id": REMOTE_COLLECTION,
            "metadata_collection_name": "bench remote member",
            "created_by": "bench",
            "create_time": 1700000100000,
            "version": 1,
            "status": "ACTIVE",
            "guid": "@GUID@",
        }

    def _originator(self) -> Any:
        from schemas.omrs import Originator

        return Originator(
            metadata_collection_id=REMOTE_COLLECTION,
            server_name="bench-remote",
            server_type="Metadata Access Store",
        )

    def _split(self, event: Any) -> tuple[bytes, ...]:
        from schemas.omrs import dump_omrs_event

        return tuple(dump_omrs_event(event).split(b"@GUID@"))

    def _entity(self, type_name: str, props: int) -> tuple[bytes, ...]:
        from schemas.omrs import EntityDetail, OMRSInstanceEventType, instance_event

        entity = EntityDetail(
            type=self._type(type_name), properties=self._properties(type_name, props), **self._header()
        )
        return self._split(
            instance_event(self._originator(), OMRSInstanceEventType.NEW_ENTITY_EVENT, entity=entity)
        )

    def _relationship(self, type_name: str, props: int) -> tuple[bytes, ...]:
        from schemas.omrs import EntityProxy, OMRSInstanceEventType, Relationship, instance_event

        def proxy(entity_type: str) -> Any:
            header = {**self._header(), "guid": str(uuid.uuid4())}
            return EntityProxy(type=self._type(entity_type), **header)

        relationship = Relationship(
            type=self._type(type_name),
            properties=self._properties(type_name, props),
            entity_one_proxy=proxy("Process"),
            entity_two_proxy=proxy("DataFile"),
            **self._header(),
        )
        event = instance_event(
            self._originator(), OMRSInstanceEventType.NEW_RELATIONSHIP_EVENT, relationship=relationship
        )
        return self._split(event)

    def make(self, seq: int, sent_ns: int) -> tuple[bytes, bytes]:
        guid = _guid(seq).encode()
        return guid, guid.join(self._templates[seq % len(self._templates)])


@scenario("cohort_instances", "cohort instance path -> reference copies", order=20)
async def cohort_instances(ctx: RunContext, result: ScenarioResult) -> ScenarioResult:
    require_cohort_path()
    workers = await fleet(ctx, 1)
    records = OmrsRecords()
    result.extra.update(record_sizes=records.sizes, worker_start_seconds=workers.start_seconds)
    return await measure_stream(
        ctx,
        result,
        children=workers.children,
        input_topic=workers.cohort_instances_topic,
        output_topics=[],
        records=records,
        committed_by=cohort_group(workers.server),
        ready_ports=workers.ports,
    )
