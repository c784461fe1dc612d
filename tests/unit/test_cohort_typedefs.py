"""TypeDef events over a replica's cohort state: learned per cohort, conflicts answered, own
events and error events handled (the rules themselves: tests/unit/test_cohort_types.py)."""

from __future__ import annotations

from agents.cohort_errors import ErrorLog, recent_errors
from agents.cohort_identity import CohortIdentity
from agents.cohort_typedefs import CohortTypeDefs, cohort_types, cohorts_release
from runtime.kv import MemoryKeyValue
from runtime.metrics import Metrics
from schemas.omrs import OMRSEventErrorCode, typedef_error_event
from schemas.omrs_builders import new_typedef_event
from schemas.open_metadata_types import release_types, type_named
from tests.support.omrs_events import Member, new_entity_typedef

PROCESS = type_named("Process")
assert PROCESS is not None
US = CohortIdentity("22222222-2222-4222-8222-222222222222", "lineage", "catalogue", "org", "http://x:1")
EGERIA = Member("cocoMDS1")


def handler() -> CohortTypeDefs:
    return CohortTypeDefs(US, ErrorLog(US, Metrics()))


def test_a_newer_version_is_learned_in_its_cohort_only_and_answers_nothing() -> None:
    kv = MemoryKeyValue()
    newer = new_entity_typedef(EGERIA, "Process", PROCESS.guid, PROCESS.version + 4, "Asset")
    assert handler().apply(kv, "coco", newer, "1", acting=True) == []
    assert cohort_types(kv, "coco").type_named("Process").version == PROCESS.version + 4  # type: ignore[union-attr]
    assert cohort_types(kv, "other").type_named("Process").version == PROCESS.version  # type: ignore[union-attr]


def test_a_known_name_with_another_guid_is_answered_by_the_acting_replica_and_learned_nowhere() -> None:
    kv = MemoryKeyValue()
    clash = new_entity_typedef(EGERIA, "Process", "11111111-2222-3333-4444-555555555555", 1, "Asset")
    [answer] = handler().apply(kv, "coco", clash, "1", acting=False)
    assert answer.error_section is not None
    assert answer.error_section.error_code is OMRSEventErrorCode.CONFLICTING_TYPEDEFS
    assert answer.error_section.other_metadata_collection_id == EGERIA.collection_id
    assert cohort_types(kv, "coco").type_named("Process").guid == PROCESS.guid  # type: ignore[union-attr]


def test_our_own_typedefs_read_back_change_nothing_and_errors_aimed_at_us_are_kept() -> None:
    kv = MemoryKeyValue()
    ours = new_entity_typedef(Member("lineage", US.collection_id), "Process", "another-guid", 1, "Asset")
    assert handler().apply(kv, "coco", ours, "1", acting=True) == []
    assert kv.get(b"cohort/types/coco") is None
    aimed = typedef_error_event(
        EGERIA.originator, OMRSEventErrorCode.CONFLICTING_TYPEDEFS, "yours", US.collection_id
    )
    assert handler().apply(kv, "coco", aimed, "2", acting=True) == []
    assert [e["errorSection"]["errorMessage"] for e in recent_errors(kv)] == ["yours"]


def test_the_release_members_run_is_noted_per_cohort_from_the_typedef_egeria_6_renamed() -> None:
    """Egeria 6.0's archive names guid 815b004d... `Schema`, 5.2's `AssetSchemaType`
    (schemas/egeria_types): a member announcing one says which release it runs."""
    kv = MemoryKeyValue()
    schema = next(t for t in release_types("6.0").types if t.name == "Schema")
    asset_schema = next(t for t in release_types("5.2").types if t.name == "AssetSchemaType")
    dataflow = next(t for t in release_types("6.0").types if t.name == "DataFlow")
    assert cohorts_release(kv, ["coco", "other"]) is None
    handler().apply(kv, "coco", new_typedef_event(EGERIA.originator, dataflow.type_def()), "1", acting=True)
    assert cohorts_release(kv, ["coco"]) is None
    handler().apply(kv, "coco", new_typedef_event(EGERIA.originator, schema.type_def()), "2", acting=True)
    assert cohorts_release(kv, ["coco"]) == "6" and cohorts_release(kv, ["coco", "other"]) == "6"
    five = Member("cocoMDS5")
    handler().apply(
        kv, "other", new_typedef_event(five.originator, asset_schema.type_def()), "3", acting=True
    )
    assert cohorts_release(kv, ["other"]) == "5"
    assert cohorts_release(kv, ["coco", "other"]) is None  # cohorts that disagree: Egeria 5's layout
    ours = new_typedef_event(Member("lineage", US.collection_id).originator, asset_schema.type_def())
    handler().apply(kv, "coco", ours, "4", acting=True)
    assert cohorts_release(kv, ["coco"]) == "6"  # our own announcements say nothing of the members
