"""TypeDef comparison: which clash gets which error code."""

from __future__ import annotations

from agents.cohort_typedefs import attribute_typedef_clash, typedef_clash
from schemas.omrs import OMRSEventErrorCode
from schemas.open_metadata_types import type_named

PROCESS = type_named("Process")
assert PROCESS is not None


def test_agreeing_and_unknown_typedefs_are_fine() -> None:
    assert typedef_clash("Process", PROCESS.guid, PROCESS.version) is None
    assert typedef_clash("Process", PROCESS.guid, None) is None
    assert typedef_clash("CustomerRecord", "0000-1111", 7) is None


def test_name_or_guid_clash_is_conflicting_typedefs() -> None:
    by_name = typedef_clash("Process", "another-guid", PROCESS.version)
    by_guid = typedef_clash("Procedure", PROCESS.guid, 1)
    for clash in (by_name, by_guid):
        assert clash is not None
        assert clash.code is OMRSEventErrorCode.CONFLICTING_TYPEDEFS
        assert clash.ours is PROCESS


def test_other_version_is_a_patch_mismatch() -> None:
    clash = typedef_clash("Process", PROCESS.guid, PROCESS.version + 1)
    assert clash is not None
    assert clash.code is OMRSEventErrorCode.TYPEDEF_PATCH_MISMATCH
    assert str(PROCESS.version) in clash.message


def test_attribute_typedefs() -> None:
    string_guid = "b34a64b9-554a-42b1-8f8a-7d5c2339f9c4"
    assert attribute_typedef_clash("string", string_guid, 1) is None
    clash = attribute_typedef_clash("string", "x", 1)
    assert clash is not None and clash.code is OMRSEventErrorCode.CONFLICTING_ATTRIBUTE_TYPEDEFS
    clash = attribute_typedef_clash("text", string_guid, 1)
    assert clash is not None and clash.code is OMRSEventErrorCode.CONFLICTING_ATTRIBUTE_TYPEDEFS
    clash = attribute_typedef_clash("string", string_guid, 2)
    assert clash is not None and clash.code is OMRSEventErrorCode.TYPEDEF_PATCH_MISMATCH
