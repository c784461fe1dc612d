"""The README's worked example (section "Lineage", "Cataloguing from your own connector"), run
as written: its connector code and the scheduler export it reads are taken from the README,
the connector's `refresh()` catalogues the export through a `LineageCatalogue`, and the OMRS
events a cohort member would receive are checked (hand-made third-party description, so
the expectations are the README's own words: processes, ports, schemas, assets, flows)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tests.support.catalogue import MemoryCatalogue

README = Path(__file__).resolve().parents[2] / "README.md"


def example(name: str) -> str:
    text = README.read_text()
    match = re.search(
        rf"<!-- example: {re.escape(name)} -->\n```\w+\n(.*?)```\n<!-- /example -->", text, re.S
    )
    assert match, f"README has no example {name}"
    return match.group(1)


def load_connector() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme_scheduler_connector"}
    exec(compile(example("scheduler_connector.py"), "README.md:scheduler_connector.py", "exec"), namespace)
    return namespace


def run_refresh(tmp_path: Path, catalogue: MemoryCatalogue) -> None:
    code = load_connector()
    export = tmp_path / "scheduler.json"
    export.write_text(example("scheduler.json"))
    settings = code["Settings"](path=str(export))
    # The connector context as the README says connectors get it: `settings` and `catalogue`.
    context = SimpleNamespace(settings=settings, catalogue=catalogue.api(clock_ms=5_000))
    connector = code["SchedulerPipelines"](context)
    asyncio.run(connector.refresh())


def test_the_readme_connector_catalogues_the_pipeline(tmp_path: Path) -> None:
    catalogue = MemoryCatalogue()
    run_refresh(tmp_path, catalogue)
    db, src = "postgres://warehouse:5432", "acme-scheduler"
    assert catalogue.live_qns("DeployedSoftwareComponent") == {
        f"DeployedSoftwareComponent::{src}::nightly_revenue",
        f"DeployedSoftwareComponent::{src}::nightly_revenue.extract",
        f"DeployedSoftwareComponent::{src}::nightly_revenue.aggregate",
    }
    assert catalogue.live_qns("TableDataSet") == {
        f"TableDataSet::{db}::shop.raw.orders",
        f"TableDataSet::{db}::shop.mart.revenue",
    }
    assert len(catalogue.live("TabularSchemaType")) == 2 and len(catalogue.live("TabularColumn")) == 5
    assert len(catalogue.live("PortImplementation")) == 3 and len(catalogue.live("PortAlias")) == 3
    assert len(catalogue.live("PortDelegation")) == 3 and len(catalogue.live("PortSchema")) == 3
    assert catalogue.live_links("DataFlow") == {
        (
            f"DeployedSoftwareComponent::{src}::nightly_revenue.extract",
            f"TableDataSet::{db}::shop.raw.orders",
        ),
        (
            f"TableDataSet::{db}::shop.raw.orders",
            f"DeployedSoftwareComponent::{src}::nightly_revenue.aggregate",
        ),
        (
            f"DeployedSoftwareComponent::{src}::nightly_revenue.aggregate",
            f"TableDataSet::{db}::shop.mart.revenue",
        ),
    }
    assert catalogue.live_links("ControlFlow") == {
        (
            f"DeployedSoftwareComponent::{src}::nightly_revenue.extract",
            f"DeployedSoftwareComponent::{src}::nightly_revenue.aggregate",
        )
    }
    assert catalogue.live_links("LineageMapping") == {
        (f"TabularColumn::{db}::shop.raw.orders::amount", f"TabularColumn::{db}::shop.mart.revenue::revenue"),
        (f"TabularColumn::{db}::shop.raw.orders::day", f"TabularColumn::{db}::shop.mart.revenue::day"),
    }
    assert len(catalogue.live("ProcessHierarchy")) == 2
    # Every event is homed here (checked as Egeria reads it by MemoryCatalogue) and one send
    # carried the whole pipeline.
    assert {e.instance_event_section.home_metadata_collection_id for e in catalogue.published} == {
        "home-collection"
    }
    # The lineage graph a worker answers from shows the pipeline end to end.
    graph = {n["id"] for n in catalogue.graph.lineage(f"dataset:{db}:shop.mart.revenue")["graph"]}
    assert f"dataset:{db}:shop.raw.orders" in graph and f"job:{src}:nightly_revenue.extract" in graph


def test_running_the_readme_connector_again_changes_nothing(tmp_path: Path) -> None:
    catalogue = MemoryCatalogue()
    run_refresh(tmp_path, catalogue)
    published = len(catalogue.published)
    run_refresh(tmp_path, catalogue)
    assert len(catalogue.published) == published


def test_a_changed_export_updates_what_changed(tmp_path: Path) -> None:
    catalogue = MemoryCatalogue()
    run_refresh(tmp_path, catalogue)
    before = len(catalogue.published)
    changed = json.loads(example("scheduler.json"))
    changed["steps"][1]["sql"] = (
        "select day, sum(amount) as revenue from shop.raw.orders where amount > 0 group by day"
    )
    code = load_connector()
    asyncio.run(code["catalogue_pipeline"](catalogue.api(clock_ms=9_000), changed))
    new = catalogue.published[before:]
    assert [
        (str(e.instance_event_section.event_type), e.instance_event_section.type_def_name) for e in new
    ] == [("UPDATED_ENTITY_EVENT", "DeployedSoftwareComponent")]


def test_the_test_connector_module_is_the_readmes_code_verbatim() -> None:
    """tests/support/readme_scheduler.py (what the real-broker test registers on a worker) is
    the README's example as written, so the cohort test runs what the README shows."""
    module = Path(__file__).resolve().parents[1] / "support" / "readme_scheduler.py"
    source = module.read_text()
    marker = "# --- README example: scheduler_connector.py ---\n"
    assert source.split(marker, 1)[1] == example("scheduler_connector.py")
