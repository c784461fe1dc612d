"""What this server sends: its identity, its connection, and instances stamped as its own."""

from __future__ import annotations

import pytest

from agents.cohort_publisher import as_home_instance_event, local_originator, remote_connection
from app.settings import Settings
from schemas.omrs import OMRSInstanceEventType
from tests.support.omrs_events import Member, entity, entity_event, registration

SETTINGS = Settings(server_name="lineage", advertised_url="https://lineage.example:6066")


def test_originator_and_connection_describe_this_server() -> None:
    originator = local_originator(SETTINGS)
    assert originator.metadata_collection_id == SETTINGS.collection_id
    assert originator.server_name == "lineage"
    assert (
        remote_connection(SETTINGS)["endpoint"]["address"] == "https://lineage.example:6066/servers/lineage"
    )


def test_published_instances_are_ours() -> None:
    nobody = Member("draft", "")
    detail = entity("g-1", "Process", 1, nobody).model_copy(update={"metadata_collection_id": None})
    stamped = as_home_instance_event(
        SETTINGS, entity_event(nobody, OMRSInstanceEventType.NEW_ENTITY_EVENT, detail)
    )
    section = stamped.instance_event_section
    assert section is not None and section.entity is not None
    assert stamped.originator == local_originator(SETTINGS)
    assert section.entity.metadata_collection_id == SETTINGS.collection_id
    assert section.home_metadata_collection_id == SETTINGS.collection_id


def test_someone_elses_instance_or_a_registry_event_is_refused() -> None:
    other = Member("cocoMDS1")
    foreign = entity_event(other, OMRSInstanceEventType.NEW_ENTITY_EVENT, entity("g-2", "Process", 1, other))
    with pytest.raises(ValueError, match="homed in"):
        as_home_instance_event(SETTINGS, foreign)
    with pytest.raises(ValueError, match="INSTANCE"):
        as_home_instance_event(SETTINGS, registration(other))
