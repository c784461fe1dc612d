"""The worker wires its streams, the cohort follower, the views and readiness from its settings."""

from __future__ import annotations

from pathlib import Path

from app.service import Worker, build_worker
from app.settings import Settings


def worker(tmp_path: Path, **overrides: object) -> Worker:
    settings = Settings(broker="kafka://127.0.0.1:9", server_name="unit", data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
    return build_worker(settings)


def test_streams_follower_views_and_readiness_are_wired(tmp_path: Path) -> None:
    w = worker(tmp_path)
    streams = {s.name: s.group_id for s in w.runtime.streams}
    assert streams["openlineage-intake"] == "unit.openlineage-intake"
    assert streams["catalogue"] == "unit.catalogue"
    assert streams["connector.file-log-store"] == "unit.connector.file-log-store"
    assert streams["connector.cataloguer"] == "unit.connector.cataloguer"
    followers = {f.name: f for f in w.runtime.followers}
    assert set(followers) == {"cohort", "explorer"}
    assert followers["cohort"].ownership_group == "unit.cohort"
    assert set(followers["cohort"].topics) == set(w.names.cohort("cocoCohort").inbound)
    # every replica reads the whole internal topic into its read model; it sends nothing, so no group
    assert followers["explorer"].ownership_group is None
    assert followers["explorer"].topics == [w.names.openlineage_internal]
    routes = {r.resource.canonical for r in w.app.web.web_app.router.routes()}  # type: ignore[attr-defined]
    assert {"/api/v1/cohort/members", "/api/v1/cohort/errors", "/api/v1/lineage", "/ready"} <= routes
    assert {"/api/v1/namespaces", "/api/v1/search", "/api/v1/column-lineage"} <= routes
    conditions = w.readiness.conditions()
    assert {"cohort_registered", "read:cohort", "owners:cohort", "read:explorer", "stream:catalogue"} <= set(
        conditions
    )


def test_no_cohort_means_no_cohort_follower(tmp_path: Path) -> None:
    w = worker(tmp_path, cohorts=[])
    assert w.cohort is None and [f.name for f in w.runtime.followers] == ["explorer"]
    assert "cohort_registered" not in w.readiness.conditions()


def test_an_ingest_replica_runs_no_read_model_but_stays_a_cohort_member(tmp_path: Path) -> None:
    w = worker(tmp_path, read_models="off")
    assert [f.name for f in w.runtime.followers] == ["cohort"]
    assert w.explorer_store is None and w.read_model is None
    assert w.cohort_store is not None and w.cohort_store in w.runtime.stores
    assert "read:explorer" not in w.readiness.conditions()
    assert {"cohort_registered", "read:cohort", "owners:cohort"} <= set(w.readiness.conditions())
    routes = {r.resource.canonical for r in w.app.web.web_app.router.routes()}  # type: ignore[attr-defined]
    assert {"/api/v1/lineage", "/api/v1/namespaces", "/api/v1/lineage/status", "/lineage"} <= routes


def test_kept_types_come_from_the_setting_or_the_lineage_defaults(tmp_path: Path) -> None:
    from schemas.open_metadata_types import LINEAGE_TYPE_NAMES

    assert worker(tmp_path / "a").cohort.config.kept_types == frozenset(LINEAGE_TYPE_NAMES)  # type: ignore[union-attr]
    custom = worker(tmp_path / "b", reference_copy_types="Process, DataFlow")
    assert custom.cohort.config.kept_types == frozenset({"Process", "DataFlow"})  # type: ignore[union-attr]


def test_every_topic_is_declared_with_its_partitions(tmp_path: Path) -> None:
    w = worker(tmp_path, topic_partitions=3)
    specs = {spec.name: spec for spec in w.runtime.topics}
    assert specs[w.names.catalogue].partitions == 3 and specs[w.names.catalogue].owned
    state = specs[w.names.catalogue_state]
    assert state.compacted and state.copartitioned_with == w.names.catalogue
    assert not specs["openlineage.events"].owned
    assert all(name in specs for name in w.names.cohort("cocoCohort").inbound)
