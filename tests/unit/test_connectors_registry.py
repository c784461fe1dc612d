"""Which connectors are registered and which run: entry points, the file, the defaults."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from agents.connectors.registry import (
    EGERIA_PROVIDERS,
    ConnectorConfigError,
    build_registry,
    read_connectors_file,
    registered_entry_points,
)


def test_built_in_connectors_are_registered_entry_points() -> None:
    registered = registered_entry_points()
    for name in ("file-log-store", "api-log-store", "event-receiver", "governance-action-publisher"):
        assert name in registered
        assert registered[name].target.startswith("agents.connectors.")
        registered[name].load()


def test_defaults_run_what_is_installed_and_skip_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="agents.connectors.registry"):
        registry = build_registry(None)
    names = [config.name for config, _ in registry.configured]
    assert names[0] == "file-log-store"
    if "cataloguer" not in registry.registered:
        assert names == ["file-log-store"]
        assert "Default connector 'cataloguer' is not installed: skipped" in caplog.text


def test_file_in_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text(
        "connectors:\n"
        "  - name: file-log-store\n"
        "    settings: {directory: /tmp/x}\n"
        "  - name: marquez\n"
        "    connector: api-log-store\n"
        "    settings: {url: 'http://m:5000'}\n"
        "    failure: {retries: 1}\n"
        "  - name: mine\n"
        "    class: tests.support.connectors:RecordingConnector\n"
        "  - name: api-log-store\n"
        "    enabled: false\n"
    )
    registry = build_registry(yaml_file)
    assert [(c.name, r.name) for c, r in registry.configured] == [
        ("file-log-store", "file-log-store"),
        ("marquez", "api-log-store"),
        ("mine", "mine"),
    ]
    assert registry.registered["mine"].target == "tests.support.connectors:RecordingConnector"

    json_file = tmp_path / "c.json"
    json_file.write_text('[{"name": "file-log-store"}]')
    assert [c.name for c in read_connectors_file(json_file)] == ["file-log-store"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("connectors:\n  - name: nope-not-installed\n", "no installed package registers"),
        ("connectors:\n  - name: a\n  - name: a\n", "unique"),
        ("connectors:\n  - {name: a, class: 'not a target'}\n", "package.module:ClassName"),
        ("connectors:\n  - {name: a, colour: red}\n", "colour"),
        ("connectors: [", "not valid YAML"),
        ("connectors:\n  - {name: a, connector: b, class: 'x:Y'}\n", "not both"),
        ("connectors:\n  - {name: file-log-store, class: 'x:Y'}\n", "already the registered name"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConnectorConfigError) as error:
        build_registry(path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)


def test_lookup_matches_strings_and_never_imports(tmp_path: Path) -> None:
    registry = build_registry(None)
    assert registry.lookup("file-log-store") is registry.registered["file-log-store"]
    assert registry.lookup("agents.connectors.file_log_store:FileLogStoreConnector") is not None
    assert registry.lookup("agents.connectors.file_log_store.FileLogStoreConnector") is not None
    for egeria_name, ours in EGERIA_PROVIDERS.items():
        found = registry.lookup(egeria_name)
        assert found is None or found.name == ours
    assert registry.lookup(next(iter(EGERIA_PROVIDERS)).replace("EventReceiver", "X")) is None

    for name in ("json.tool:main", "json.tool.main", "this_module_does_not_exist:Thing", "os:system"):
        before = set(sys.modules)
        assert registry.lookup(name) is None
        assert set(sys.modules) == before, f"looking up {name!r} imported something"


def test_a_class_that_is_not_a_connector_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("connectors:\n  - {name: bad, class: 'pathlib:Path'}\n")
    registry = build_registry(path)
    with pytest.raises(ConnectorConfigError, match="not a subclass"):
        registry.registered["bad"].load()
