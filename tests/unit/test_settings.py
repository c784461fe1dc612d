from __future__ import annotations

import uuid

import pytest

from app.settings import CohortTopicStructure, SettingsError, load_settings, parse_broker_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("LINEAGE_"):
            monkeypatch.delenv(name)


def test_defaults_follow_the_design() -> None:
    settings = load_settings()
    assert settings.broker is None
    assert settings.server_name == "lineage-integrator"
    assert settings.cohorts == ["cocoCohort"]
    assert settings.topic_root == "egeria.omag"
    assert settings.cohort_topic_structure is CohortTopicStructure.DEDICATED_TOPICS
    assert settings.asset_manager_servers == []
    assert settings.openlineage_topics == ["openlineage.events"]
    assert settings.web_port == 6066
    assert settings.api_token is None
    assert str(settings.data_dir) == ".lineage-data"


def test_collection_id_is_stable_per_server_name_and_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_SERVER_NAME", "srv1")
    first, second = load_settings(), load_settings()
    assert first.collection_id == second.collection_id
    uuid.UUID(first.collection_id)
    monkeypatch.setenv("LINEAGE_SERVER_NAME", "srv2")
    assert load_settings().collection_id != first.collection_id
    monkeypatch.setenv("LINEAGE_METADATA_COLLECTION_ID", "fixed-id")
    assert load_settings().collection_id == "fixed-id"


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_COHORTS", "cocoCohort, devCohort,")
    monkeypatch.setenv("LINEAGE_ASSET_MANAGER_SERVERS", "mds1,mds2")
    settings = load_settings()
    assert settings.cohorts == ["cocoCohort", "devCohort"]
    assert settings.asset_manager_servers == ["mds1", "mds2"]


@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        ("kafka://localhost:9092", ["localhost:9092"]),
        ("kafka://a:1;b:2", ["a:1", "b:2"]),
        ("a:1,b:2", ["a:1", "b:2"]),
    ],
)
def test_broker_urls(url: str, hosts: list[str]) -> None:
    assert parse_broker_url(url) == hosts


@pytest.mark.parametrize("url", ["kafka://localhost", "http://h:1", "kafka://h:99999", "kafka://:9092", ";"])
def test_bad_broker_url_names_the_variable(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LINEAGE_BROKER", url)
    with pytest.raises(SettingsError, match="LINEAGE_BROKER"):
        load_settings()


def test_unknown_topic_structure_lists_the_allowed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_COHORT_TOPIC_STRUCTURE", "RING")
    with pytest.raises(SettingsError, match=r"LINEAGE_COHORT_TOPIC_STRUCTURE.*SINGLE_TOPIC"):
        load_settings()


def test_every_bad_variable_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_WEB_PORT", "seventy")
    monkeypatch.setenv("LINEAGE_BROKER", "nohost")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "LINEAGE_WEB_PORT" in str(raised.value)
    assert "LINEAGE_BROKER" in str(raised.value)


@pytest.mark.parametrize(("given", "kept"), [(None, True), ("on", True), ("off", False), ("OFF", False)])
def test_read_models_are_on_or_off(monkeypatch: pytest.MonkeyPatch, given: str | None, kept: bool) -> None:
    if given is not None:
        monkeypatch.setenv("LINEAGE_READ_MODELS", given)
    settings = load_settings()
    assert settings.read_models == ("on" if kept else "off")
    assert settings.keeps_read_models is kept


@pytest.mark.parametrize("given", ["maybe", "true", "", "1"])
def test_read_models_refuse_anything_but_on_and_off(monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    monkeypatch.setenv("LINEAGE_READ_MODELS", given)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    (line,) = str(raised.value).splitlines()[1:]
    assert line.strip() == f"LINEAGE_READ_MODELS={given!r}: Input should be 'on' or 'off'"
