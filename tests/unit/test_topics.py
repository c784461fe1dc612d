from __future__ import annotations

import pytest

from app.settings import CohortTopicStructure, Settings
from app.topics import TopicNames, cohort_topics

ROOT = "egeria.omag"
BASE = "egeria.omag.openmetadata.repositoryservices.cohort.cocoCohort.OMRSTopic"


def test_dedicated_topics() -> None:
    topics = cohort_topics(ROOT, "cocoCohort", CohortTopicStructure.DEDICATED_TOPICS)
    assert topics.inbound == [f"{BASE}.registration", f"{BASE}.types", f"{BASE}.instances"]
    assert topics.outbound("instances") == [f"{BASE}.instances"]


def test_single_topic() -> None:
    topics = cohort_topics(ROOT, "cocoCohort", CohortTopicStructure.SINGLE_TOPIC)
    assert topics.inbound == [BASE]
    assert topics.outbound("registration") == [BASE]


def test_both_structures_publish_and_consume_both() -> None:
    topics = cohort_topics(ROOT, "cocoCohort", CohortTopicStructure.BOTH_SINGLE_AND_DEDICATED_TOPICS)
    assert topics.outbound("types") == [f"{BASE}.types", BASE]
    assert set(topics.inbound) == {BASE, f"{BASE}.registration", f"{BASE}.types", f"{BASE}.instances"}


def test_service_topics_follow_the_design() -> None:
    names = TopicNames.from_settings(Settings(server_name="li1", asset_manager_servers=["mds1"]))
    assert names.openlineage_internal == "egeria.omag.server.li1.omis.lineageintegrator.openlineage"
    assert names.dead_letter == "egeria.omag.server.li1.omis.lineageintegrator.deadletter"
    assert names.asset_manager_inbound == ("egeria.omag.server.mds1.omas.assetmanager.outTopic",)
    assert names.cohort("cocoCohort").cohort == "cocoCohort"
    with pytest.raises(KeyError):
        names.cohort("other")
