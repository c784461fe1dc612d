"""Registry decisions: when to register, what a member record holds, the REST view."""

from __future__ import annotations

from agents.cohort_registry import local_key, member_key, member_record, members_view, registration_due
from tests.support.omrs_events import Member, registration

IDENTITY = {"serverName": "lineage", "repositoryConnection": {"endpoint": {"address": "http://a:1"}}}


def test_register_once_then_only_when_our_details_change() -> None:
    assert registration_due(None, IDENTITY) == "register"
    local = {"state": "registered", "registrationTime": 1, **IDENTITY}
    assert registration_due(local, IDENTITY) is None
    moved = {**IDENTITY, "repositoryConnection": {"endpoint": {"address": "http://b:2"}}}
    assert registration_due(local, moved) == "re-register"
    assert registration_due({**local, "state": "left"}, IDENTITY) is None


def test_member_record_and_view() -> None:
    member = Member("atlas")
    record = member_record("coco", registration(member, at=123))
    assert record["metadataCollectionId"] == member.collection_id
    assert record["registrationTime"] == 123
    assert record["repositoryConnection"]["class"] == "Connection"
    data = {
        member_key("coco", member.collection_id): record,
        local_key("coco"): {"state": "registered"},
        member_key("other", "x"): {"serverName": "x"},
    }
    [view] = members_view(data, ["coco"])
    assert view["cohort"] == "coco"
    assert view["localRegistration"] == {"state": "registered"}
    assert [m["serverName"] for m in view["members"]] == ["atlas"]
